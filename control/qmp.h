// QEMU's machine protocol (QMP) on a unix socket, as a client: connect, the
// greeting, qmp_capabilities, then commands one by one. Bounded in time; ends
// early on a stop (g_stop). The power backend over it: power_qmp.cc.
#ifndef KBISECT_CONTROL_QMP_H
#define KBISECT_CONTROL_QMP_H

#include <string>
#include <vector>

namespace kb {

// Runs each of `commands` (a QMP command name, executed without arguments) in
// order, each reply line ({"return": ...}) appended to *replies. False with why:
// no connection, no greeting, an error reply (the command and QEMU's answer), or
// no answer within timeout seconds of the start.
bool QmpExecute(const std::string& socket_path, const std::vector<std::string>& commands, double timeout,
                std::vector<std::string>* replies, std::string* why);

}  // namespace kb

#endif
