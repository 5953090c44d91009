#include "lib/confine.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/fd.h"

namespace kb {
namespace {

int WriteProc(const char* path, const std::string& text) {
  Fd fd(open(path, O_WRONLY | O_CLOEXEC));
  if (!fd) return errno;
  if (write(fd.get(), text.data(), text.size()) != ssize_t(text.size())) return errno ? errno : EIO;
  return 0;
}

// The flags a read-only remount of `path` must keep: in a user namespace the
// kernel refuses to drop the ones the mount already has (nosuid, nodev, noexec...).
unsigned long KeptFlags(const std::string& path) {
  struct statvfs s;
  if (statvfs(path.c_str(), &s) != 0) return 0;
  unsigned long f = 0;
  if (s.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (s.f_flag & ST_NODEV) f |= MS_NODEV;
  if (s.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (s.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (s.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (s.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

}  // namespace

int ConfineSelf(const Confinement& c, std::string* what) {
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  int flags = CLONE_NEWNS | (c.no_network ? CLONE_NEWNET : 0) | (uid != 0 ? CLONE_NEWUSER : 0);
  if (unshare(flags) != 0) return *what = "unshare", errno;
  if (uid != 0) {
    if (int e = WriteProc("/proc/self/setgroups", "deny")) return *what = "/proc/self/setgroups", e;
    if (int e = WriteProc("/proc/self/uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1"))
      return *what = "/proc/self/uid_map", e;
    if (int e = WriteProc("/proc/self/gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1"))
      return *what = "/proc/self/gid_map", e;
  }
  // Nothing done here may reach the builder's own mounts.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return *what = "mount --make-rprivate /", errno;
  for (const std::string& p : c.read_only) {
    if (mount(p.c_str(), p.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) return *what = "bind mount " + p, errno;
    if (mount(nullptr, p.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | KeptFlags(p), nullptr) != 0)
      return *what = "read-only remount " + p, errno;
  }
  return 0;
}

}  // namespace kb
