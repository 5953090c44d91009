// Running commands for the builder and the control program: output to a log, in a
// process group of their own so that a stop request or a timeout ends all of the
// command's children (make's compilers, a test's ssh).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "lib/confine.h"

namespace kb {

// Set by SIGTERM, SIGINT and SIGHUP (InstallStopHandlers): finish cleanly, now.
// g_stop_signal is the signal that set it.
extern std::atomic<bool> g_stop;
extern std::atomic<int> g_stop_signal;
void InstallStopHandlers();

// Seconds on the monotonic clock (any origin), for deadlines and durations.
double MonotonicSeconds();

// Runs argv in cwd with extra "VAR=value" env entries, stdout and stderr to
// log_fd (or /dev/null when -1), stdin from `input` (empty: /dev/null). Returns
// the exit status (128+N for a signal), -1 when it could not start (*err), or
// -2 when a stop was requested (the process group was terminated). With a
// timeout > 0 (seconds), a command still running then is terminated with its
// group and 124 is returned (timeout(1)'s code). With `confine`, the command runs
// confined (lib/confine.h). A confinement that cannot be made, or a cwd that
// cannot be entered, is -1 (*err says which step and why); a program that cannot
// be executed is the command's failure: 127 (126 when not executable), said in
// the log as a shell says it.
int RunCommand(const std::vector<std::string>& argv, const std::string& cwd, const std::vector<std::string>& env,
               int log_fd, const std::string& input, std::string* err, double timeout = 0,
               const Confinement* confine = nullptr);

}  // namespace kb
