// kbisect-init: PID 1 of the stage-1 initramfs. It never exits: every step is
// bounded, every failure is said on the console, and the fallback is a reboot
// after a countdown so that an unattended machine keeps trying.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/cmdline.h"
#include "common/menu.h"
#include "common/names.h"
#include "common/version.h"
#include "init/boot.h"
#include "init/clock.h"
#include "init/console.h"
#include "init/fetch.h"
#include "init/files.h"
#include "init/load_modules.h"
#include "init/menu_ui.h"
#include "init/net.h"
#include "init/find_root.h"
#include "init/resolve.h"
#include "init/stage2.h"
#include "init/tls.h"

namespace kb {
namespace {

constexpr size_t kMenuEntries = 20;
constexpr int kListTries = 5;  // waits of 1, 2, 4, 8 s between them
constexpr unsigned kRebootSeconds = 10;
// The list's arch unless kbisect.arch= says otherwise: the stage-1's own.
#if defined(__x86_64__)
constexpr char kArch[] = "x86_64";
#elif defined(__i386__)
constexpr char kArch[] = "i386";
#else
#error "kbisect-init is built for x86_64 or i386"
#endif

struct MountStep {
  const char* source;
  const char* target;
  const char* type;
};

constexpr MountStep kMounts[] = {
    {"proc", "/proc", "proc"},
    {"sysfs", "/sys", "sysfs"},
    {"devtmpfs", "/dev", "devtmpfs"},
    {"tmpfs", "/tmp", "tmpfs"},
};

void MountAll() {
  for (const MountStep& m : kMounts) {
    mkdir(m.target, 0755);
    if (mount(m.source, m.target, m.type, 0, nullptr) != 0 && errno != EBUSY)
      SayFailure("mount", m.target, "mount", errno);
  }
}

struct ListSink {
  char buf[64 * 1024];
  size_t len;
  bool truncated;
};

bool ListWrite(void* ctx, const char* data, size_t n) {
  auto* s = static_cast<ListSink*>(ctx);
  size_t take = n < sizeof s->buf - s->len ? n : sizeof s->buf - s->len;
  memcpy(s->buf + s->len, data, take);
  s->len += take;
  s->truncated = s->truncated || take < n;
  return true;  // the rest of a long list is read and dropped
}

// Step 4: the list, with bounded retries. False when none could be had.
bool FetchList(const Config& c, uint32_t address, std::string_view machine, std::string_view arch, ListSink* sink) {
  char target[256];
  size_t len = 0;
  // A machine name has at most 64 characters: this always fits.
  AppendText("/list?machine=", target, &len);
  AppendEncoded(machine, target, &len);
  AppendText("&arch=", target, &len);
  AppendEncoded(arch, target, &len);
  char num[24];
  for (int attempt = 0; attempt < kListTries; ++attempt) {
    if (attempt > 0) {
      Say({"kbisect: list: retrying in ", FormatUnsigned(1ul << (attempt - 1), num), " s"});
      SleepMs(1000ll << (attempt - 1));
    }
    sink->len = 0;
    sink->truncated = false;
    HttpResponse resp(ListWrite, sink);
    Failure why;
    FetchRequest req{&c.server_url, address, "GET", std::string_view(target, len), {}, 20000};
    if (!Fetch(req, &resp, &why)) {
      SayFetchFailure("list", why);
      continue;
    }
    if (resp.status() != 200) {
      std::string_view body(sink->buf, sink->len < 200 ? sink->len : 200);
      while (!body.empty() && body.back() == '\n') body.remove_suffix(1);
      char tail[256];
      JoinPath(tail, {": ", body});
      SayBadStatus("list", {}, resp.status(), tail);
      continue;
    }
    return true;
  }
  Say({"kbisect: list: no list from ", c.server, " after ", FormatUnsigned(kListTries, num), " tries"});
  return false;
}

// The kernel command line's kbisect.* parameters (its bad ones said); the
// strings point into a static buffer.
void ReadCmdline(Config* config) {
  static char line_buf[4096];
  size_t line_len = 0;
  if (int e = ReadFile("/proc/cmdline", std::span(line_buf, sizeof line_buf - 1), &line_len))
    SayFailure("cmdline", "cannot read /proc/cmdline", "read", -e);
  while (line_len > 0 && (line_buf[line_len - 1] == '\n' || line_buf[line_len - 1] == '\0')) --line_len;
  ConfigError errors[8];
  size_t n = ParseConfig(std::string_view(line_buf, line_len), config, errors);
  for (size_t i = 0; i < n && i < std::size(errors); ++i)
    Say({"kbisect: cmdline: ", errors[i].param, ": ", errors[i].reason});
}

// The image store over NFS at /nfs when kbisect.nfs= names one (its client's
// modules loaded first); "" when there is none or it cannot be mounted (HTTP then).
std::string_view MountStore(const Config& config, const NetConfig& net, std::string_view modules) {
  if (config.nfs_host.empty()) return "";
  uint32_t nfs_address = 0;
  if (!Resolve("nfs", config.nfs_host, net, &nfs_address)) {
    Say({"kbisect: nfs: using HTTP"});
    return "";
  }
  LoadModules(modules, ModuleSet::kNfs);
  if (MountNfs(config, nfs_address, "/nfs")) return "/nfs";
  Say({"kbisect: nfs: cannot mount the image store; using HTTP"});
  return "";
}

// The drivers of the network devices this machine has, from the initramfs's set
// (kbisect-mkinitramfs --nics): a server's Intel, Broadcom or Mellanox port, not
// only virtio.
void LoadNicDrivers() {
  static ModuleIndex index;  // constant-initialized: no guard
  utsname u;
  uname(&u);
  if (index.Open(u.release, /*quiet=*/true)) {
    Coldplug nics(&index, IsNetworkModalias);
    nics.Scan();
  }
}

void Run() {
  MountAll();
  Say({"kbisect: stage-1 init starting"});
  // What started us: an admin reading the console of a machine that boots either
  // way sees which (GRUB's EFI build from the ESP, or the BIOS one).
  Say({"kbisect: firmware: ", access("/sys/firmware/efi", F_OK) == 0 ? "UEFI" : "BIOS"});
  SayAt("init started");
  Config config;
  ReadCmdline(&config);
  if (config.server.empty()) {
    Say({"kbisect: no usable kbisect.server=URL on the kernel command line"});
    RebootAfter(60);
  }

  static ImageKey key;
  LoadImageKey("/etc/kbisect/image-key", &key);

  static char modules_file[4096];
  size_t modules_len = 0;
  std::string_view modules = config.modules;
  if (!config.has_modules && ReadFile("/etc/kbisect/modules", modules_file, &modules_len) == 0)
    modules = std::string_view(modules_file, modules_len);
  // The NFS client's modules only when the store is mounted (below): loading them
  // took ~0.8 s of a stage-1 boot under emulation that fetched over HTTP.
  LoadModules(modules, ModuleSet::kNotNfs);
  LoadNicDrivers();
  SayAt("modules loaded");

  NetConfig net;
  if (!SetUpNetwork(config.ip, config.iface, &net)) RebootAfter(kRebootSeconds);
  SayAt("network up");
  char mac_name[18];
  std::string_view machine = ChooseMachineName(config.machine, net.host_name, net.mac, mac_name);

  uint32_t address = 0;
  if (!Resolve("server", config.server_url.host, net, &address)) RebootAfter(kRebootSeconds);
  if (config.server_url.tls) {
    int anchors = LoadTrustAnchors("/etc/kbisect/ca.pem");
    char num[24];
    if (anchors > 0) Say({"kbisect: tls: ", FormatUnsigned(unsigned(anchors), num), " CA certificate(s)"});
  }
  Say({"kbisect: machine ", machine, ", server ", config.server});

  std::string_view nfs_root = MountStore(config, net, modules);

  std::string_view arch = config.arch.empty() ? kArch : config.arch;
  static ListSink list;
  if (!FetchList(config, address, machine, arch, &list)) RebootAfter(kRebootSeconds);
  SayAt("list fetched");
  std::string_view entries[kMenuEntries];
  ListResult r = ParseList(std::string_view(list.buf, list.len), !list.truncated, entries);
  if (r.skipped) {
    char num[24];
    Say({"kbisect: list: skipped ", FormatUnsigned(r.skipped, num), " bad line(s), the first: ", r.first_bad});
  }
  if (r.count == 0) {
    Say({"kbisect: list: the server has no kernel for machine ", machine, " (", arch, ")"});
    RebootAfter(60);
  }
  bool failed[kMenuEntries] = {};
  Site site{&config, &key, address, machine, nfs_root};
  for (;;) {
    size_t pick = RunMenu(std::span(entries, r.count), std::span(failed, r.count), r.total, config.timeout);
    if (pick >= r.count) break;
    SayAt("menu done");
    BootImage(site, entries[pick]);
    failed[pick] = true;
  }
  Say({"kbisect: no kernel of the list could be booted"});
  RebootAfter(kRebootSeconds);
}

}  // namespace
}  // namespace kb

int main(int argc, char** argv) {
  // On a candidate's OS, for kbisect-reboot: load the stage-1 and return.
  if (getpid() != 1) {
    if (argc == 5 && strcmp(argv[1], "--load") == 0) return kb::LoadForReboot(argv[2], argv[3], argv[4]);
    if (argc == 2 && strcmp(argv[1], "--version") == 0) return kb::Say({"kbisect-init ", kb::kVersion}), 0;
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
      kb::Say({"kbisect-init: PID 1 of the kbisect stage-1 initramfs (kbisect-init(7)); from a shell:"});
      kb::Say({"  kbisect-init --load KERNEL INITRD|'' CMDLINE   load a kernel for kexec (kbisect-reboot)"});
      kb::Say({"  kbisect-init --version"});
      return 0;
    }
    kb::Say({"usage: kbisect-init --load KERNEL INITRD|'' CMDLINE (it is PID 1 of the kbisect stage-1 otherwise)"});
    return 2;
  }
  // The same program is the candidate's PID 1 when the stage-1 put it there.
  if (access(kb::kStage2Marker, F_OK) == 0) kb::RunStage2();
  kb::Run();
}
