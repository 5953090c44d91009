#include "init/stage2.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cpio.h"
#include "common/modalias.h"
#include "common/rootdev.h"
#include "init/clock.h"
#include "init/console.h"
#include "init/files.h"
#include "init/load_modules.h"

extern char** environ;

namespace kb {

// ---- The stage-1's side: the candidate's initramfs ----

namespace {

// Writes one cpio entry's header (and the data's padding after `size` bytes).
bool PutEntry(int fd, const CpioEntry& e) {
  char buf[256];
  size_t n = CpioHeader(e, buf);
  return n > 0 && WriteAllFd(fd, buf, n) == 0;
}

bool PutPadding(int fd, uint64_t size) {
  static const char kZeros[4] = {};
  return WriteAllFd(fd, kZeros, CpioPadding(size)) == 0;
}

// The candidate's own archive: mount points, the console, this init, the marker.
bool PutStage2Archive(int out, std::string_view name) {
  Fd self(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!self || fstat(self.get(), &st) != 0) {
    SayFailure("stage-2", "cannot read this init (/proc/self/exe)", "open", errno);
    return false;
  }
  uint32_t ino = 1;
  for (std::string_view dir : {"dev", "proc", "sys", "root", "lib", "lib/modules"})
    if (!PutEntry(out, {dir, 040755, 0, ino++})) return false;
  if (!PutEntry(out, {"dev/console", 020600, 0, ino++, 5, 1})) return false;
  if (!PutEntry(out, {kStage2Marker + 1, 0100644, uint32_t(name.size() + 1), ino++}) ||
      WriteAllFd(out, name.data(), name.size()) != 0 || WriteAllFd(out, "\n", 1) != 0 ||
      !PutPadding(out, name.size() + 1))
    return false;
  if (!PutEntry(out, {"init", 0100755, uint32_t(st.st_size), ino++})) return false;
  static char buf[65536];
  uint64_t copied = 0;
  for (;;) {
    ssize_t r = read(self.get(), buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r == 0) break;
    if (WriteAllFd(out, buf, size_t(r)) != 0) return false;
    copied += uint64_t(r);
  }
  if (copied != uint64_t(st.st_size) || !PutPadding(out, copied)) return false;
  char trailer[256];
  size_t n = CpioTrailer(trailer);
  return WriteAllFd(out, trailer, n) == 0;
}

}  // namespace

Fd MakeStage2Initrd(const Site& site, std::string_view name, const ImageIni& ini, const char* path) {
  Fd out(open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out) {
    SayFailure("stage-2", path, "open", errno);
    return Fd();
  }
  if (!PutStage2Archive(out.get(), name)) {
    SayFailure("stage-2", "cannot write the candidate's initramfs", "write", errno);
    return Fd();
  }
  if (!ini.modules.empty() && !AppendVerified(site, name, ini.modules, ini.modules_sha256, out.get())) return Fd();
  if (out.Close() != 0) {
    SayFailure("stage-2", path, "close", errno);
    return Fd();
  }
  Say({"kbisect: stage-2: the candidate boots the machine's own OS (",
       ini.modules.empty() ? "no modules in the image" : "with the image's modules", ")"});
  return Fd(open(path, O_RDONLY | O_CLOEXEC));
}

// ---- The candidate's side: PID 1 of stage-2 ----

namespace {

constexpr unsigned kFailSeconds = 10;
constexpr char kRoot[] = "/root";

[[noreturn]] void Fail(std::initializer_list<std::string_view> what) {
  char line[1024];
  size_t n = 0;
  for (std::string_view p : what) {
    size_t take = p.size() < sizeof line - n ? p.size() : sizeof line - n;
    memcpy(line + n, p.data(), take);
    n += take;
  }
  Say({"kbisect: stage-2: ", std::string_view(line, n)});
  RebootAfter(kFailSeconds);
}

// One small text file (sysfs attributes), without its trailing newline.
std::string_view ReadSmall(const char* path, std::span<char> buf) {
  size_t len = 0;
  if (ReadFile(path, buf, &len) != 0) return {};
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\0')) --len;
  return std::string_view(buf.data(), len);
}

// Coldplug for the root's way: the drivers of storage devices (IsStorageModalias)
// under /sys/devices, each modalias once. Bounded in depth and entries.
class Coldplug {
 public:
  explicit Coldplug(ModuleIndex* index) : index_(index) {}
  // Walks the devices; returns the number of modules loaded.
  int Scan() {
    entries_ = 0;
    char path[512] = "/sys/devices";
    return Walk(path, strlen(path), 0);
  }

 private:
  int Walk(char* path, size_t len, int depth) {
    if (depth > 14) return 0;
    int loaded = 0;
    if (len + 10 < 512) {
      memcpy(path + len, "/modalias", 10);
      char buf[512];
      std::string_view m = ReadSmall(path, buf);
      path[len] = '\0';
      if (!m.empty() && IsStorageModalias(m) && Remember(m)) loaded += index_->LoadForDevice(m);
    }
    DIR* d = opendir(path);
    if (!d) return loaded;
    while (dirent* e = readdir(d)) {
      if (e->d_type != DT_DIR || e->d_name[0] == '.' || ++entries_ > 50000) continue;
      size_t n = strlen(e->d_name);
      if (len + 1 + n + 1 >= 512) continue;
      path[len] = '/';
      memcpy(path + len + 1, e->d_name, n + 1);
      loaded += Walk(path, len + 1 + n, depth + 1);
      path[len] = '\0';
    }
    closedir(d);
    return loaded;
  }
  // True the first time a modalias is seen.
  bool Remember(std::string_view m) {
    uint64_t h = 1469598103934665603ull;
    for (char c : m) h = (h ^ uint8_t(c)) * 1099511628211ull;
    for (size_t i = 0; i < seen_count_; ++i)
      if (seen_[i] == h) return false;
    if (seen_count_ < std::size(seen_)) seen_[seen_count_++] = h;
    return true;
  }
  ModuleIndex* index_;
  uint64_t seen_[512] = {};
  size_t seen_count_ = 0;
  size_t entries_ = 0;
};

// Whether block device `name` (in /sys/class/block) is the root= device; for
// PARTUUID=, a whole disk whose table names it gives the partition's name.
bool Matches(const RootSpec& spec, const char* name, char (&found)[64], FsIdentity* fs) {
  if (spec.kind == RootKind::kDevice) {
    if (spec.value != name) return false;
    strcpy(found, name);
  }
  char dev[96];
  if (!JoinPath(dev, {"/dev/", name})) return false;
  Fd fd(open(dev, O_RDONLY | O_CLOEXEC));
  if (!fd) return false;  // devtmpfs has not made it yet
  static uint8_t head[kDeviceHeadBytes];
  ssize_t n = pread(fd.get(), head, sizeof head, 0);
  if (n <= 0) return spec.kind == RootKind::kDevice;
  std::span<const uint8_t> bytes(head, size_t(n));
  FsIdentity id;
  bool has_fs = ReadFsIdentity(bytes, &id) == nullptr;
  if (spec.kind == RootKind::kDevice) {
    if (has_fs) *fs = id;
    return true;
  }
  if (spec.kind == RootKind::kUuid || spec.kind == RootKind::kLabel) {
    if (!has_fs || !(spec.kind == RootKind::kUuid ? SameUuid(spec.value, id.uuid) : spec.value == id.label))
      return false;
    *fs = id;
    strcpy(found, name);
    return true;
  }
  char attr[128], buf[32];
  if (!JoinPath(attr, {"/sys/class/block/", name, "/partition"}) || access(attr, F_OK) == 0) return false;
  JoinPath(attr, {"/sys/class/block/", name, "/queue/logical_block_size"});
  std::string_view ss = ReadSmall(attr, buf);
  size_t sector = ss == "4096" ? 4096 : ss == "2048" ? 2048 : ss == "1024" ? 1024 : 512;
  static PartitionId parts[kMaxPartitions];
  size_t count = 0;
  if (ReadPartitions(bytes, sector, parts, &count) != nullptr) return false;
  for (size_t i = 0; i < count; ++i) {
    if (!SameUuid(spec.value, parts[i].partuuid)) continue;
    if (!PartitionName(name, parts[i].number, found)) return false;
    JoinPath(attr, {"/sys/class/block/", found});
    return access(attr, F_OK) == 0;  // the kernel has read the table too
  }
  return false;
}

// The root device's name, or false when none matches yet. `seen` lists the
// block devices there were, for the failure's message.
bool FindRoot(const RootSpec& spec, char (&found)[64], FsIdentity* fs, char (&seen)[256]) {
  seen[0] = '\0';
  DIR* d = opendir("/sys/class/block");
  if (!d) return false;
  bool ok = false;
  size_t seen_len = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    size_t n = strlen(e->d_name);
    if (seen_len + n + 2 < sizeof seen) {
      if (seen_len) seen[seen_len++] = ' ';
      memcpy(seen + seen_len, e->d_name, n + 1);
      seen_len += n;
    }
    if (!ok && Matches(spec, e->d_name, found, fs)) ok = true;
  }
  closedir(d);
  return ok;
}

// The directory of the root's module trees (/lib/modules, through Debian's
// /lib -> usr/lib), as a path under kRoot; empty when it has none.
bool ModulesDirOfRoot(char (&out)[256]) {
  char lib[64], link[128];
  JoinPath(lib, {kRoot, "/lib"});
  ssize_t n = readlink(lib, link, sizeof link - 1);
  if (n > 0) {
    std::string_view target(link, size_t(n));
    if (target.front() == '/') target.remove_prefix(1);
    if (target.find("..") != std::string_view::npos) return false;
    JoinPath(out, {kRoot, "/", target, "/modules"});
  } else {
    JoinPath(out, {kRoot, "/lib/modules"});
  }
  struct stat st;
  return stat(out, &st) == 0 && S_ISDIR(st.st_mode);
}

struct CopyCount {
  unsigned long long bytes = 0;
  unsigned files = 0;
};

// Copies the tree at src into dst (an existing directory): directories, regular
// files and symlinks. False (said) at the first failure.
bool CopyTree(char* src, size_t src_len, char* dst, size_t dst_len, int depth, CopyCount* c) {
  if (depth > 8) return false;
  DIR* d = opendir(src);
  if (!d) {
    SayFailure("stage-2", src, "opendir", errno);
    return false;
  }
  bool ok = true;
  static char buf[65536];
  while (dirent* e = readdir(d)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t n = strlen(e->d_name);
    if (src_len + n + 2 > 512 || dst_len + n + 2 > 512) {
      ok = false;
      break;
    }
    src[src_len] = dst[dst_len] = '/';
    memcpy(src + src_len + 1, e->d_name, n + 1);
    memcpy(dst + dst_len + 1, e->d_name, n + 1);
    struct stat st;
    if (lstat(src, &st) != 0) {
      ok = false;
    } else if (S_ISDIR(st.st_mode)) {
      ok = mkdir(dst, 0755) == 0 && CopyTree(src, src_len + 1 + n, dst, dst_len + 1 + n, depth + 1, c);
    } else if (S_ISLNK(st.st_mode)) {
      char target[256];
      ssize_t t = readlink(src, target, sizeof target - 1);
      ok = t > 0 && (target[t] = '\0', symlink(target, dst) == 0);
    } else if (S_ISREG(st.st_mode)) {
      Fd in(open(src, O_RDONLY | O_CLOEXEC));
      Fd out(open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
      unsigned long long copied = 0;
      ok = in && out;
      while (ok) {
        ssize_t r = read(in.get(), buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
          ok = r == 0;
          break;
        }
        ok = WriteAllFd(out.get(), buf, size_t(r)) == 0;
        copied += size_t(r);
      }
      ok = ok && copied == (unsigned long long)st.st_size && out.Close() == 0;
      c->bytes += copied;
      ++c->files;
    }
    if (!ok) SayFailure("stage-2", "cannot copy the candidate's modules", dst, errno);
    src[src_len] = dst[dst_len] = '\0';
    if (!ok) break;
  }
  closedir(d);
  return ok;
}

// The candidate's modules at the root's /lib/modules/<release>, on a tmpfs: over
// that directory when the disk has one, else over /lib/modules (the disk's own
// trees are hidden until the next boot; nothing is written to the disk).
void ShowModules(std::string_view release) {
  char base[256], target[320];
  if (!ModulesDirOfRoot(base)) {
    Say({"kbisect: stage-2: the root has no /lib/modules: the OS will not see the candidate's modules"});
    return;
  }
  JoinPath(target, {base, "/", release});
  struct stat st;
  bool own = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
  const char* at = own ? target : base;
  if (mount("tmpfs", at, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0)
    Fail({"cannot mount a tmpfs on ", at, " (mount: ", ErrnoName(errno), ")"});
  char src[512], dst[512];
  JoinPath(src, {"/lib/modules/", release});
  JoinPath(dst, {target});
  if (!own && mkdir(dst, 0755) != 0) Fail({"cannot make ", dst, " (mkdir: ", ErrnoName(errno), ")"});
  CopyCount c;
  if (!CopyTree(src, strlen(src), dst, strlen(dst), 0, &c)) Fail({"the candidate's modules could not be copied"});
  char files[24], size[24];
  Say({"kbisect: stage-2: ", FormatUnsigned(c.files, files), " module files (", FormatMiB(c.bytes, size), ") at ",
       target + sizeof kRoot - 1, own ? "" : " (the disk's other module trees hidden until reboot)"});
}

// Whether init exists and is executable inside the root (symlinks resolved
// there: a child chroots to look).
bool RootHasInit(std::string_view init) {
  char path[256];
  JoinPath(path, {init});
  pid_t pid = fork();
  if (pid == 0) {
    if (chroot(kRoot) != 0 || chdir("/") != 0) _exit(2);
    _exit(access(path, X_OK) == 0 ? 0 : 1);
  }
  int status = 0;
  return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Removes the initramfs's files (not crossing into other mounts), freeing its memory.
void FreeInitramfs(int dirfd, dev_t rootdev, int depth) {
  DIR* d = fdopendir(dirfd);
  if (!d) {
    close(dirfd);
    return;
  }
  while (dirent* e = readdir(d)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    struct stat st;
    if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != rootdev) continue;
    if (S_ISDIR(st.st_mode)) {
      int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (sub >= 0 && depth < 16) FreeInitramfs(sub, rootdev, depth + 1);
      else if (sub >= 0) close(sub);
      unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
    } else {
      unlinkat(dirfd, e->d_name, 0);
    }
  }
  closedir(d);
}

}  // namespace

void RunStage2() {
  for (const char* dir : {"/proc", "/sys", "/dev"}) mkdir(dir, 0755);
  mount("proc", "/proc", "proc", 0, nullptr);
  mount("sysfs", "/sys", "sysfs", 0, nullptr);
  mount("devtmpfs", "/dev", "devtmpfs", 0, nullptr);
  utsname u;
  uname(&u);
  char name_buf[128];
  std::string_view image = ReadSmall(kStage2Marker, name_buf);
  Say({"kbisect: stage-2: ", image, " (", u.release, ") boots the machine's own OS"});
  SayAt("stage-2 started");

  static char line[4096];
  std::string_view cmdline = ReadSmall("/proc/cmdline", line);
  RootArgs args;
  std::string_view param;
  if (Error e = ParseRootArgs(cmdline, &args, &param)) Fail({"the command line's ", param, ": ", e});
  if (!args.has_root) Fail({"no root= on the command line"});

  // The candidate's modules: for this very release, or none at all.
  ModuleIndex index;
  char dir[320];
  JoinPath(dir, {"/lib/modules/", u.release});
  struct stat st;
  bool has_modules = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
  if (!has_modules) {
    DIR* d = opendir("/lib/modules");
    while (dirent* e = d ? readdir(d) : nullptr) {
      if (e->d_name[0] != '.') Fail({"the image's modules are for release ", e->d_name, ", this kernel is ", u.release});
    }
    if (d) closedir(d);
    Say({"kbisect: stage-2: the image has no modules: its drivers must be built in"});
  } else if (!index.Open(u.release)) {
    Fail({"the image's modules have no modules.dep (depmod's indexes)"});
  }

  // The root device: storage drivers, then the device, within rootdelay.
  Deadline wait(int64_t(args.delay_s) * 1000);
  Coldplug coldplug(&index);
  char found[64] = {}, seen[256];
  FsIdentity fs;
  bool said_wait = false;
  for (;;) {
    if (index.is_open()) coldplug.Scan();
    if (FindRoot(args.root, found, &fs, seen)) break;
    if (wait.Passed()) {
      char num[24];
      Fail({"no device is root=", args.root_text, " after ", FormatUnsigned(args.delay_s, num), " s (block devices: ", seen[0] ? seen : "none", ")"});
    }
    if (!said_wait) {
      char num[24];
      Say({"kbisect: stage-2: waiting up to ", FormatUnsigned(args.delay_s, num), " s for the root device"});
      said_wait = true;
    }
    SleepMs(250);
  }
  std::string_view fstype = !args.fstype.empty() ? args.fstype : std::string_view(fs.type);
  if (fstype.empty()) Fail({"cannot tell the filesystem on /dev/", found, ": give rootfstype="});
  if (index.is_open()) {
    char alias[48];
    index.Load(fstype);
    if (JoinPath(alias, {"fs-", fstype})) index.Load(alias);
  }
  char dev[96], type[40], flags[264];
  JoinPath(dev, {"/dev/", found});
  JoinPath(type, {fstype});
  JoinPath(flags, {args.flags});
  mkdir(kRoot, 0755);
  if (mount(dev, kRoot, type, args.rw ? 0 : MS_RDONLY, flags[0] ? flags : nullptr) != 0) {
    int e = errno;
    Fail({"cannot mount ", dev, " (", type, ") on ", kRoot, ": ", ErrnoName(e),
          e == ENODEV ? " (the kernel has no such filesystem, built in or as a module)" : ""});
  }
  Say({"kbisect: stage-2: root ", dev, " (", type, args.rw ? ", rw" : ", ro", ") mounted"});
  if (has_modules) ShowModules(u.release);
  if (!RootHasInit(args.init)) Fail({"the root has no executable ", args.init});

  // The hand-over: nothing above may fail after this point but the exec.
  int self = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat root_st;
  if (self >= 0 && fstat(self, &root_st) == 0) FreeInitramfs(self, root_st.st_dev, 0);
  for (const char* m : {"/dev", "/proc", "/sys"}) {
    char to[32];
    JoinPath(to, {kRoot, m});
    if (mount(m, to, nullptr, MS_MOVE, nullptr) != 0) umount2(m, MNT_DETACH);
  }
  if (chdir(kRoot) != 0 || mount(".", "/", nullptr, MS_MOVE, nullptr) != 0 || chroot(".") != 0 || chdir("/") != 0)
    Fail({"cannot switch to the root (", ErrnoName(errno), ")"});
  char init[256];
  JoinPath(init, {args.init});
  Say({"kbisect: stage-2: exec ", init});
  SayAt("stage-2 done");
  char* argv[] = {init, nullptr};
  execve(init, argv, environ);
  Fail({"cannot execute ", init, " (", ErrnoName(errno), ")"});
}

}  // namespace kb
