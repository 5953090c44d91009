#include "init/boot.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/http.h"
#include "common/fd.h"
#include "common/image_ini.h"
#include "common/rootdev.h"
#include "common/signature.h"
#include "init/clock.h"
#include "init/console.h"
#include "init/fetch.h"
#include "init/kexec.h"
#include "init/files.h"
#include "init/net.h"
#include "init/stage2.h"

namespace kb {
namespace {

constexpr int64_t kDownloadMs = 10 * 60 * 1000;

// Body sink for image files: writes to fd, hashes, shows progress.
struct FileSink {
  int fd;
  br_sha256_context sha;
  unsigned long long bytes = 0, expected = 0;
  int64_t start = 0, last_report = 0;
  std::string_view label;
  int write_err = 0;
};

void Progress(FileSink* s, bool final) {
  int64_t now = NowMs();
  if (!final && now - s->last_report < 500) return;
  s->last_report = now;
  int64_t ms = now - s->start > 0 ? now - s->start : 1;
  char a[24], b[24], r[24];
  unsigned long long rate = s->bytes * 1000 / static_cast<unsigned long long>(ms);
  Say({final ? "kbisect: " : "kbisect: ... ", s->label, " ", FormatMiB(s->bytes, a),
       s->expected ? " of " : "", s->expected ? FormatMiB(s->expected, b) : "", " at ", FormatMiB(rate, r), "/s"});
}

bool SinkWrite(void* ctx, const char* data, size_t n) {
  auto* s = static_cast<FileSink*>(ctx);
  if (int e = WriteAllFd(s->fd, data, n)) {
    s->write_err = -e;
    return false;
  }
  br_sha256_update(&s->sha, data, n);
  s->bytes += n;
  Progress(s, false);
  return true;
}

// Fetch for the image's files and the boot report, which tries again when the
// connection could not be made (a loaded server or network drops a SYN now and
// then): falling back to the list's next kernel is for an image that cannot be
// had, not for a hiccup.
bool FetchRetryingConnect(std::string_view step, const FetchRequest& req, HttpResponse* resp, Failure* why) {
  constexpr int kTries = 5;  // waits of 1, 2, 4 and 8 s: a server restart fits
  for (int attempt = 1;; ++attempt) {
    if (Fetch(req, resp, why)) return true;
    if (attempt == kTries || why->syscall == nullptr || strcmp(why->syscall, "connect") != 0) return false;
    SayFetchFailure(step, *why);
    char num[24];
    Say({"kbisect: ", step, ": connecting again in ", FormatUnsigned(1ul << (attempt - 1), num), " s"});
    SleepMs(1000ll << (attempt - 1));
  }
}

struct BufSink {
  char* buf;
  size_t cap, len;
  bool overflow;
};

bool BufWrite(void* ctx, const char* data, size_t n) {
  auto* b = static_cast<BufSink*>(ctx);
  if (n > b->cap - b->len) {
    b->overflow = true;
    return false;
  }
  memcpy(b->buf + b->len, data, n);
  b->len += n;
  return true;
}

// GET <server>/images/<name>/<file> into buf; false (said) on failure.
bool HttpGetSmall(const Site& site, std::string_view name, std::string_view file, char* buf, size_t cap,
                  size_t* len) {
  char target[512];
  if (!JoinPath(target, {"/images/", name, "/", file})) return false;
  BufSink sink{buf, cap, 0, false};
  HttpResponse resp(BufWrite, &sink);
  Failure why;
  FetchRequest req{&site.config->server_url, site.server_address, "GET", target, {}, 30000};
  if (!FetchRetryingConnect("image", req, &resp, &why)) {
    if (sink.overflow) why.what = "the file is larger than the stage-1 takes";
    SayFetchFailure("image", why);
    return false;
  }
  if (resp.status() != 200) {
    SayBadStatus("image", file, resp.status(), {});
    return false;
  }
  *len = sink.len;
  return true;
}

// Downloads <server>/images/<name>/<file> onto fd (at its offset), hashing it
// into sum.
bool HttpDownload(const Site& site, std::string_view name, std::string_view file, int fd, uint8_t sum[32]) {
  FileSink sink{fd, {}, 0, 0, NowMs(), NowMs(), file, 0};
  br_sha256_init(&sink.sha);
  char target[512];
  JoinPath(target, {"/images/", name, "/", file});
  HttpResponse resp(SinkWrite, &sink);
  Failure why;
  FetchRequest req{&site.config->server_url, site.server_address, "GET", target, {}, kDownloadMs};
  if (!FetchRetryingConnect("image", req, &resp, &why)) {
    if (sink.write_err) {
      SayFailure("image", file, "write", sink.write_err);
    } else {
      SayFetchFailure("image", why);
    }
    return false;
  }
  if (resp.status() != 200) {
    SayBadStatus("image", file, resp.status(), {});
    return false;
  }
  sink.expected = sink.bytes;
  Progress(&sink, true);
  br_sha256_out(&sink.sha, sum);
  return true;
}

// Hashes an open file (NFS) from its start while copying it onto `copy`: the bytes
// hashed are the bytes kept, in one read.
bool HashFd(int fd, std::string_view label, uint8_t sum[32], int copy) {
  struct stat st;
  fstat(fd, &st);
  FileSink s{fd, {}, 0, static_cast<unsigned long long>(st.st_size), NowMs(), NowMs(), label, 0};
  br_sha256_init(&s.sha);
  static char buf[65536];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      SayFailure("image", label, "read", errno);
      return false;
    }
    if (r == 0) break;
    br_sha256_update(&s.sha, buf, size_t(r));
    if (int e = WriteAllFd(copy, buf, size_t(r))) {
      SayFailure("image", label, "write", -e);
      return false;
    }
    s.bytes += size_t(r);
    Progress(&s, false);
  }
  Progress(&s, true);
  br_sha256_out(&s.sha, sum);
  return true;
}

void Report(const Site& site, std::string_view name) {
  char target[128];
  size_t len = 0;
  if (!AppendText("/booted?machine=", target, &len) || !AppendEncoded(site.machine, target, &len)) return;
  static char sink_buf[512];
  BufSink sink{sink_buf, sizeof sink_buf, 0, false};
  HttpResponse resp(BufWrite, &sink);
  Failure why;
  FetchRequest req{&site.config->server_url, site.server_address, "POST", std::string_view(target, len), name, 10000};
  if (!FetchRetryingConnect("booted", req, &resp, &why)) {
    SayFetchFailure("booted", why);
  } else if (resp.status() != 200) {
    SayBadStatus("booted", {}, resp.status(), " (booting anyway)");
  }
}

}  // namespace

bool MountNfs(const Config& c, uint32_t host, const char* target) {
  char addr[16], source[1100], opts[512];
  FormatIpv4(host, addr);
  if (!JoinPath(source, {addr, ":", c.nfs_export})) return false;
  mkdir(target, 0755);
  // Bounded by soft mounts with short timeouts; no lock manager for a read-only mount.
  constexpr std::string_view kCommon = "soft,timeo=50,retrans=2,nolock,proto=tcp,addr=";
  std::string_view tries[2] = {"vers=4,", "vers=3,mountproto=tcp,retry=0,"};
  size_t n = c.nfs_options.empty() ? 2 : 1;
  for (size_t i = 0; i < n; ++i) {
    bool ok = c.nfs_options.empty()
                  ? JoinPath(opts, {tries[i], kCommon, addr})
                  : JoinPath(opts, {kCommon, addr, ",mountaddr=", addr, ",", c.nfs_options});
    if (!ok) return false;
    if (mount(source, target, "nfs", MS_RDONLY, opts) == 0) {
      Say({"kbisect: nfs: mounted ", c.nfs_host, ":", c.nfs_export, " (", opts, ")"});
      return true;
    }
    SayFailure("nfs", source, "mount", errno);
  }
  return false;
}

void LoadImageKey(const char* path, ImageKey* key) {
  char buf[kImageKeySize + 1];
  size_t len = 0;
  int e = ReadFile(path, buf, &len);
  if (e == -ENOENT) {
    key->state = ImageKey::kNone;
    Say({"kbisect: images are not signature-checked: this stage-1 has no key (make initramfs SIGNING_KEY=PUB.pem)"});
    return;
  }
  auto point = std::span(reinterpret_cast<const uint8_t*>(buf), len);
  key->why = e && e != -EFBIG ? "it cannot be read" : CheckImageKey(e ? std::span<const uint8_t>() : point);
  if (key->why) {
    key->state = ImageKey::kDamaged;
    Say({"kbisect: the image key ", path, " is damaged (", key->why, "): every image will be refused"});
    return;
  }
  key->state = ImageKey::kKey;
  memcpy(key->point, buf, kImageKeySize);
  char fp[17];
  ImageKeyFingerprint(point, fp);
  Say({"kbisect: images must be signed by key ", fp});
}

namespace {

// A small file of the image: read from NFS or fetched over HTTP into `buf`. False
// when said why (missing, too large, unreachable).
bool GetSmall(const Site& site, std::string_view name, std::string_view file, std::span<char> buf, size_t* len) {
  if (site.nfs_root.empty()) return HttpGetSmall(site, name, file, buf.data(), buf.size(), len);
  char path[768];
  if (!JoinPath(path, {site.nfs_root, "/", name, "/", file})) return false;
  if (int e = ReadFile(path, buf, len)) {
    SayFailure("image", path, "open", -e);
    return false;
  }
  return true;
}

// The manifest's signature with the stage-1's key, before anything in it is
// parsed or believed. False when said why (the image is refused).
bool CheckSignature(const Site& site, std::string_view name, std::string_view manifest) {
  if (site.key->state == ImageKey::kNone) return true;
  if (site.key->state == ImageKey::kDamaged) {
    Say({"kbisect: image: ", name, ": refused: this stage-1's image key is damaged (", site.key->why, ")"});
    return false;
  }
  char sig[kMaxImageSignature + 1];
  size_t len = 0;
  if (!GetSmall(site, name, "image.ini.sig", sig, &len)) {
    Say({"kbisect: image: ", name, ": no signature to check (image.ini.sig), refusing to boot it"});
    return false;
  }
  if (Error e = VerifyImageSignature(manifest, std::span(reinterpret_cast<const uint8_t*>(sig), len),
                                     site.key->point)) {
    Say({"kbisect: image: ", name, "/image.ini: ", e, ", refusing to boot it"});
    return false;
  }
  Say({"kbisect: image: image.ini signature ok"});
  return true;
}

// Step 1: the image's manifest, fetched (HTTP) or read (NFS), its signature
// checked, parsed and checked. `text` holds it (ini's views point into it). False
// when said why.
bool ReadManifest(const Site& site, std::string_view name, std::span<char> text, ImageIni* ini) {
  size_t len = 0;
  if (!GetSmall(site, name, "image.ini", text, &len)) return false;
  if (!CheckSignature(site, name, std::string_view(text.data(), len))) return false;
  size_t line = 0;
  if (Error e = ParseImageIniOf(name, std::string_view(text.data(), len), ini, &line)) {
    char num[24];
    Say({"kbisect: image: ", name, "/image.ini", line ? ":" : "", line ? FormatUnsigned(line, num) : "", ": ", e});
    return false;
  }
  return true;
}

// Step 2, for the kernel and the initrd: copied to `local` (from NFS or over
// HTTP; a file in the initramfs's memory), hashed on the way, and compared with
// the manifest's sum, so that the bytes kexec loads are the bytes hashed. An fd
// of the checked copy, or a closed one when said why.
Fd LoadPart(const Site& site, std::string_view name, std::string_view file, const uint8_t want[32],
            const char* local) {
  Fd out(open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out) {
    SayFailure("image", local, "open", errno);
    return Fd();
  }
  if (!AppendVerified(site, name, file, want, out.get())) return Fd();
  if (out.Close() != 0) {
    SayFailure("image", local, "close", errno);
    return Fd();
  }
  Fd fd(open(local, O_RDONLY | O_CLOEXEC));
  if (!fd) SayFailure("image", local, "open", errno);
  return fd;
}

// Step 3: the kernel loaded (init/kexec.h), the boot report, the reboot into the loaded kernel.
// Returns only when the load failed, having said why; a reboot that fails restarts the machine.
void Kexec(const Site& site, std::string_view name, const Fd& kernel, const Fd& initrd, std::string_view append) {
  static char cmdline[kMaxImageCmdline + 64];
  JoinPath(cmdline, {append});
  if (!LoadKernel(kernel, initrd, cmdline, "kexec", name, site.config->kexec_load)) return;
  Report(site, name);
  Say({"kbisect: kexec into ", name, " (", append, ")"});
  SayAt("kexec");
  sync();
  TakeDownNetwork();
  syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, nullptr);
  SayFailure("kexec", name, "reboot", errno);
  // The network is down now (its routes gone with it): the next image could not
  // be fetched, so the machine starts over instead of the menu going on.
  Say({"kbisect: kexec: the network was taken down for the kexec: restarting the machine"});
  RebootAfter(10);
}

}  // namespace

int LoadForReboot(const char* kernel, const char* initrd, const char* cmdline) {
  Fd k(open(kernel, O_RDONLY | O_CLOEXEC));
  if (!k) return SayFailure("load", kernel, "open", errno), 1;
  Fd i;
  if (*initrd && !(i = Fd(open(initrd, O_RDONLY | O_CLOEXEC)))) return SayFailure("load", initrd, "open", errno), 1;
  if (!LoadKernel(k, i, cmdline, "load", kernel)) return 1;
  Say({"kbisect: loaded ", kernel, " for a kexec reboot (", cmdline, ")"});
  return 0;
}

bool AppendVerified(const Site& site, std::string_view name, std::string_view file, const uint8_t want[32],
                    int out) {
  uint8_t sum[32];
  if (!site.nfs_root.empty()) {
    char path[768];
    if (!JoinPath(path, {site.nfs_root, "/", name, "/", file})) return false;
    Fd fd(open(path, O_RDONLY | O_CLOEXEC));
    if (!fd) {
      SayFailure("image", path, "open", errno);
      return false;
    }
    if (!HashFd(fd.get(), file, sum, out)) return false;
  } else if (!HttpDownload(site, name, file, out, sum)) {
    return false;
  }
  if (memcmp(sum, want, 32) != 0) {
    Say({"kbisect: image: ", name, "/", file, ": sha256 mismatch, refusing to boot it"});
    return false;
  }
  Say({"kbisect: image: ", file, " sha256 ok"});
  return true;
}

void BootImage(const Site& site, std::string_view name) {
  static char ini_text[kMaxImageIni * 4];
  ImageIni ini;
  Say({"kbisect: image: ", name, site.nfs_root.empty() ? " over HTTP" : " over NFS"});
  if (!ReadManifest(site, name, ini_text, &ini)) return;
  Fd kernel = LoadPart(site, name, ini.kernel, ini.kernel_sha256, "/tmp/kernel");
  if (!kernel) return;
  const Config& c = *site.config;
  std::string_view append = c.has_append ? c.append : ini.has_cmdline ? ini.cmdline : std::string_view();
  // root= on the candidate's line: it boots the machine's own OS through stage-2.
  RootArgs root;
  std::string_view param;
  if (Error e = ParseRootArgs(append, &root, &param)) {
    Say({"kbisect: image: ", name, ": the command line's ", param, ": ", e, ": refused"});
    return;
  }
  Fd initrd;
  if (root.has_root) {
    if (!(initrd = MakeStage2Initrd(site, name, ini, "/tmp/stage2.cpio"))) return;
  } else if (!ini.initrd.empty() &&
             !(initrd = LoadPart(site, name, ini.initrd, ini.initrd_sha256, "/tmp/initrd"))) {
    return;
  }
  SayAt("image loaded and verified");
  Kexec(site, name, kernel, initrd, append);
}

}  // namespace kb
