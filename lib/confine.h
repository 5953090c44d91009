// Confining a command that runs code we do not trust (a commit's build): in
// namespaces of its own, some directories are read-only to it, some files are
// hidden from it, and it has no network and no privileges. Used by RunCommand in
// the child, between fork and exec.
#pragma once

#include <string>
#include <vector>

namespace kb {

struct Confinement {
  std::vector<std::string> read_only;  // existing directories, read-only with all below them
  std::vector<std::string> writable;   // existing directories below those, writable again
  std::vector<std::string> hidden;     // existing files that read as empty (/dev/null over them)
  bool no_network = true;              // a network namespace with nothing but a down loopback
};

// Confines the calling process (a child about to exec; the process it forked
// from should be non-dumpable, so that /proc/<it>/root is no way around):
//   - a mount namespace (and a user namespace mapping the same uid and gid only,
//     when not root) in which every `read_only` directory is a recursively
//     read-only bind mount of itself, then every `writable` one a writable bind
//     mount, and every `hidden` file /dev/null;
//   - a network namespace;
//   - as root: no capabilities left, none to regain by exec (securebits), and
//     no new privileges, so that the mounts cannot be undone.
// 0, or an errno with *what naming the step that failed.
int ConfineSelf(const Confinement& c, std::string* what);

}  // namespace kb
