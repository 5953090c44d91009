// `kbisect machines`: the lab file's machines (control/lab.h), each with its power
// state (asked of its switch), its lease and its last boot (asked of the server),
// all asked at once and each bounded in time.
#ifndef KBISECT_CONTROL_MACHINES_H
#define KBISECT_CONTROL_MACHINES_H

#include <string>
#include <vector>

namespace kb {

// server: the server's URL ("" : the lab file's); args: [--lab FILE|URL] [--pool TAG].
// Prints a table (MACHINE ARCH TAGS POWER LEASE LAST BOOT); exit 0, 2 for a
// usage error, 3 when a machine's switch or the server could not be asked (said
// on stderr, a machine at a time).
int CmdMachines(const std::string& server, std::vector<std::string> args);

}  // namespace kb

#endif
