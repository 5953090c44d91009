#include "lib/confine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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

// Sets or clears MOUNT_ATTR_RDONLY on the mount at `path` (and all below it).
int SetReadOnly(const std::string& path, bool on, bool recursive) {
  mount_attr attr{};
  (on ? attr.attr_set : attr.attr_clr) = MOUNT_ATTR_RDONLY;
  if (mount_setattr(AT_FDCWD, path.c_str(), recursive ? AT_RECURSIVE : 0, &attr, sizeof attr) != 0) return errno;
  return 0;
}

// A root command keeps no capability: the bounding set emptied, exec not granting
// root its capabilities again (locked), and the sets cleared.
int DropPrivileges(std::string* what) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return *what = "no_new_privs", errno;
  for (int cap = 0; cap <= 63; ++cap)
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return *what = "dropping the bounding set", errno;
  unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
                       SECBIT_KEEP_CAPS_LOCKED;
  if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) != 0) return *what = "securebits", errno;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &header, data) != 0) return *what = "capset", errno;
  return 0;
}

}  // namespace

int ConfineSelf(const Confinement& c, std::string* what) {
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  int flags = CLONE_NEWNS | (c.no_network ? CLONE_NEWNET : 0) | (uid != 0 ? CLONE_NEWUSER : 0);
  if (unshare(flags) != 0) return *what = "unshare", errno;
  if (uid != 0) {
    // Its own /proc/self files (a non-dumpable parent made them root's); the exec
    // that follows sets this again anyway.
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
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
    if (int e = SetReadOnly(p, true, true)) return *what = "read-only " + p, e;
  }
  for (const std::string& p : c.writable) {
    if (mount(p.c_str(), p.c_str(), nullptr, MS_BIND, nullptr) != 0) return *what = "bind mount " + p, errno;
    if (int e = SetReadOnly(p, false, false)) return *what = "writable " + p, e;
  }
  for (const std::string& p : c.hidden)
    if (mount("/dev/null", p.c_str(), nullptr, MS_BIND, nullptr) != 0) return *what = "hiding " + p, errno;
  if (uid == 0) return DropPrivileges(what);
  return 0;
}

}  // namespace kb
