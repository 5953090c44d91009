// Confining a command that runs code we do not trust (a commit's build): in
// namespaces of its own, some directories are read-only to it and it has no
// network. Used by RunCommand in the child, between fork and exec.
#pragma once

#include <string>
#include <vector>

namespace kb {

struct Confinement {
  std::vector<std::string> read_only;  // existing directories, read-only for the command
  bool no_network = true;              // a network namespace with nothing but a down loopback
};

// Confines the calling process (a child about to exec): a mount namespace (and a
// user namespace when not root, mapping the same uid and gid) in which every
// `read_only` directory is a read-only bind mount of itself, and a network
// namespace. 0, or an errno with *what naming the step that failed.
int ConfineSelf(const Confinement& c, std::string* what);

}  // namespace kb
