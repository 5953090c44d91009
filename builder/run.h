// Running commands for the builder: output to a log, in a process group of their
// own so that a stop request ends all of make's children.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace kb {

// Set by SIGTERM and SIGINT (InstallStopHandlers): finish cleanly, now.
extern std::atomic<bool> g_stop;
void InstallStopHandlers();

// Runs argv in cwd with extra "VAR=value" env entries, stdout and stderr to
// log_fd (or /dev/null when -1), stdin from `input` (empty: /dev/null). Returns
// the exit status (128+N for a signal), -1 when it could not start (*err), or
// -2 when a stop was requested (the process group was terminated).
int RunCommand(const std::vector<std::string>& argv, const std::string& cwd, const std::vector<std::string>& env,
               int log_fd, const std::string& input, std::string* err);

}  // namespace kb
