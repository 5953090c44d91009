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

#include <utility>

#include "common/rootdev.h"
#include "init/clock.h"
#include "init/console.h"
#include "init/files.h"
#include "init/find_root.h"
#include "init/load_modules.h"

extern char** environ;

namespace kb {

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
void FreeInitramfs(Fd dir, dev_t rootdev, int depth) {
  DIR* d = fdopendir(dir.get());
  if (!d) return;
  const int dirfd = dir.release();  // closedir closes it
  while (dirent* e = readdir(d)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    struct stat st;
    if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != rootdev) continue;
    if (S_ISDIR(st.st_mode)) {
      Fd sub(openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (sub && depth < 16) FreeInitramfs(std::move(sub), rootdev, depth + 1);
      unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
    } else {
      unlinkat(dirfd, e->d_name, 0);
    }
  }
  closedir(d);
}

// /proc, /sys and /dev, as the kernel leaves PID 1 without them.
void MountKernelFilesystems() {
  for (const char* dir : {"/proc", "/sys", "/dev"}) mkdir(dir, 0755);
  mount("proc", "/proc", "proc", 0, nullptr);
  mount("sysfs", "/sys", "sysfs", 0, nullptr);
  mount("devtmpfs", "/dev", "devtmpfs", 0, nullptr);
}

// The candidate's modules: for this very release (index opened; true), or none
// at all (false). Modules of another release fail.
bool OpenModules(const char* release, ModuleIndex* index) {
  char dir[320];
  JoinPath(dir, {"/lib/modules/", release});
  struct stat st;
  if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (!index->Open(release)) Fail({"the image's modules have no modules.dep (depmod's indexes)"});
    return true;
  }
  DIR* d = opendir("/lib/modules");
  while (dirent* e = d ? readdir(d) : nullptr) {
    if (e->d_name[0] != '.') Fail({"the image's modules are for release ", e->d_name, ", this kernel is ", release});
  }
  if (d) closedir(d);
  Say({"kbisect: stage-2: the image has no modules: its drivers must be built in"});
  return false;
}

// The root device: storage drivers, then the device, within rootdelay; mounted
// on kRoot with its filesystem's module.
void MountRoot(const RootArgs& args, ModuleIndex& index) {
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
}

// The hand-over: the initramfs freed, the kernel filesystems moved, the root
// made /, its init executed. Nothing may fail after the freeing but the exec.
[[noreturn]] void SwitchRoot(std::string_view init_path) {
  Fd self(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  struct stat root_st;
  if (self && fstat(self.get(), &root_st) == 0) FreeInitramfs(std::move(self), root_st.st_dev, 0);
  for (const char* m : {"/dev", "/proc", "/sys"}) {
    char to[32];
    JoinPath(to, {kRoot, m});
    if (mount(m, to, nullptr, MS_MOVE, nullptr) != 0) umount2(m, MNT_DETACH);
  }
  if (chdir(kRoot) != 0 || mount(".", "/", nullptr, MS_MOVE, nullptr) != 0 || chroot(".") != 0 || chdir("/") != 0)
    Fail({"cannot switch to the root (", ErrnoName(errno), ")"});
  char init[256];
  JoinPath(init, {init_path});
  Say({"kbisect: stage-2: exec ", init});
  SayAt("stage-2 done");
  char* argv[] = {init, nullptr};
  execve(init, argv, environ);
  Fail({"cannot execute ", init, " (", ErrnoName(errno), ")"});
}

}  // namespace

void RunStage2() {
  MountKernelFilesystems();
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

  ModuleIndex index;
  const bool has_modules = OpenModules(u.release, &index);
  MountRoot(args, index);
  if (has_modules) ShowModules(u.release);
  if (!RootHasInit(args.init)) Fail({"the root has no executable ", args.init});
  SwitchRoot(args.init);
}

}  // namespace kb
