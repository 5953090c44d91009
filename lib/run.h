// Running commands for the builder and the control program: in a process group
// of their own so that a stop request or a timeout ends all of the command's
// children (make's compilers, a test's ssh), bounded in time, their input fed and
// their output logged or captured. Callers that want their rules tested take a
// Runner (the seam); SystemRunner() is the real one, tests pass a fake.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

#include "common/fd.h"
#include "lib/confine.h"

namespace kb {

// Set by SIGTERM, SIGINT and SIGHUP (InstallStopHandlers): finish cleanly, now.
// g_stop_signal is the signal that set it.
extern std::atomic<bool> g_stop;
extern std::atomic<int> g_stop_signal;
void InstallStopHandlers();

// Seconds on the monotonic clock (any origin), for deadlines and durations.
double MonotonicSeconds();

// One command: argv run in cwd with extra "VAR=value" env entries (replacing the
// process's own of the same name), stdin from `input` (empty: /dev/null).
// stdout and stderr go to log_fd (-1: /dev/null); with `capture`, stdout is
// collected there instead (at most capture_limit bytes kept, the rest read and
// dropped) and only stderr goes to log_fd (with capture_stderr, it is captured too). With a timeout > 0 (seconds) a command
// still running then is ended with its group. With `confine`, it runs confined
// (lib/confine.h).
struct Command {
  std::vector<std::string> argv;
  std::string cwd;
  std::vector<std::string> env;
  std::string input;
  int log_fd = -1;
  std::string* capture = nullptr;
  bool capture_stderr = false;  // with capture: stderr is captured too (a tool's messages)
  bool stdin_open = false;      // Process: stdin is a pipe held open until End (nothing
                                // written unless input): a client that ends at EOF
  size_t capture_limit = size_t(1) << 20;
  double timeout = 0;
  const Confinement* confine = nullptr;
};

// Runs c. Returns the exit status (128+N for a signal), -1 when it could not start
// (*err), -2 when a stop was requested (the process group was terminated), 124
// when it ran past its timeout (timeout(1)'s code). A confinement that cannot be
// made, or a cwd that cannot be entered, is -1 (*err says which step and why); a
// program that cannot be executed is the command's failure: 127 (126 when not
// executable), said in the log as a shell says it.
int RunProcess(const Command& c, std::string* err);

// The same, argument by argument (the older callers' form).
int RunCommand(const std::vector<std::string>& argv, const std::string& cwd, const std::vector<std::string>& env,
               int log_fd, const std::string& input, std::string* err, double timeout = 0,
               const Confinement* confine = nullptr);

// A command left running, its stdout (and stderr, with capture_stderr) on a pipe
// the caller reads: a console's stream. Its argv, cwd, env, log_fd and confine
// are used (not input, capture or timeout). End(), or the destructor, ends its
// process group and reaps it.
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { End(); }
  bool Start(const Command& c, std::string* err);
  int out() const { return out_.get(); }
  void End();

 private:
  int pid_ = -1;
  Fd in_, out_;
};

// The seam: what runs a Command. RunProcess's contract.
class Runner {
 public:
  virtual ~Runner() = default;
  virtual int Run(const Command& c, std::string* err) = 0;
};

// The real runner (RunProcess), shared and stateless.
Runner& SystemRunner();

// What a Run result means, for a message: "exit 3", "it did not finish in 10 s",
// "stopped by a signal", "cannot run it: <err>".
std::string DescribeExit(int rc, double timeout, const std::string& err);

}  // namespace kb
