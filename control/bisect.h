// The `kbisect step` and `kbisect run` commands (design: "Control side"): their
// options from the command line and --config, the server (the global --server,
// then the options, then $KBISECT_SERVER), and their exit codes (commands.h).
#ifndef KBISECT_CONTROL_BISECT_H
#define KBISECT_CONTROL_BISECT_H

#include <string>
#include <vector>

namespace kb {

// args: what follows "step" or "run" on the command line.
int CmdStepOrRun(const std::string& server_flag, const std::string& server_env, bool run,
                 const std::vector<std::string>& args);

}  // namespace kb

#endif
