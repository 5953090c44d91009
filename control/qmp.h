// Power-cycling a QEMU machine through its QMP socket (`kbisect qmp-reset`, the
// lab's --power): qmp_capabilities, then system_reset. Bounded in time.
#ifndef KBISECT_CONTROL_QMP_H
#define KBISECT_CONTROL_QMP_H

#include <string>

namespace kb {

bool QmpReset(const std::string& socket_path, double timeout, std::string* why);

}  // namespace kb

#endif
