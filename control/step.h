// One candidate on one machine (issue 13: `kbisect step` as tested code): set the
// machine's next boot to the image, power-cycle it, wait for the stage-1's boot
// report naming that image, and judge the candidate by its console or by a test
// command. The machine, the server, the clock and the power switch are behind
// MachineEnv, so every rule runs over a fake in the unit tests:
//   - any error of the server or the power command aborts (never a skip): an
//     outage must not remove commits from the bisection;
//   - a verdict is only taken from a boot whose report names the image that was
//     set; no report within report_timeout, or a report of another image, is
//     tried once more, then aborts;
//   - with a reboot command (--reboot: the machine kexecs back into its stage-1,
//     no firmware), it is tried first; when it fails, or no boot report follows
//     within reboot_timeout, the power command is used: a hung candidate costs
//     one power cycle, a good or bad one none (the caller skips the reboot
//     command after a hang or a panic: StepResult says which);
//   - a console that never shows the stage-1's kexec line (though the stage-1
//     reported the boot) is a lab fault, never a verdict: booted once more, then
//     an abort with machine_fault;
//   - a hang (no console verdict in time, or the test timing out) is bad, or a
//     skip with hang_is_skip; but a hang whose console has nothing after the
//     stage-1's kexec line (SilentAfterKexec: the stage-1 kernel may have stalled
//     on its way down, the candidate may never have run) is booted once more
//     first, and judged by that second boot;
//   - a stop (a signal) at any point aborts and clears the machine's `once`;
//   - every wait is bounded.
#ifndef KBISECT_CONTROL_STEP_H
#define KBISECT_CONTROL_STEP_H

#include <cstddef>
#include <string>

#include "control/console_judge.h"

namespace kb {

class MachineEnv {
 public:
  virtual ~MachineEnv() = default;
  // The machine's newest boot report, "" when it has none; false when the server
  // cannot say (why).
  virtual bool NewestBoot(std::string* line, std::string* why) = 0;
  virtual bool SetOnce(const std::string& image, std::string* why) = 0;
  virtual bool ClearOnce(std::string* why) = 0;
  virtual bool PowerCycle(std::string* why) = 0;
  // The reboot command (bounded by the reboot timeout): false when it failed or
  // ran past its time (why).
  virtual bool Reboot(std::string* why) = 0;
  // The console captured so far (a file that grows), and bytes of it from an offset.
  virtual size_t ConsoleSize() = 0;
  virtual std::string ReadConsole(size_t from) = 0;
  // Why the console's source could not be read lately ("" : it could, or no such
  // thing): said with a lab fault of the console.
  virtual std::string ConsoleProblem() { return ""; }
  // Where the console's capture stood when its source last dropped
  // (Console::LastDropAt; size_t(-1): never).
  virtual size_t ConsoleLastDrop() { return size_t(-1); }
  // The test command for this boot: its exit status, 124 when it ran past timeout
  // (stopped then), -1 when it could not be started.
  virtual int RunTest(const std::string& image, size_t console_offset, double timeout) = 0;
  virtual double Now() = 0;
  virtual void Sleep(double seconds) = 0;
  // Whether a signal asked the run to stop.
  virtual bool Stopped() = 0;
};

struct StepOptions {
  double report_timeout = 300;  // power cycle to the stage-1's boot report
  double test_timeout = 600;    // the test command
  double poll = 0.5;            // between looks at the boot log and the console
  bool use_reboot = false;      // --reboot CMD: tried before the power command
  double reboot_timeout = 120;  // the reboot command, then its boot report
  bool hang_is_skip = false;    // --on-hang skip
  bool use_test = false;        // judge by RunTest, else by the console
  JudgeRules console;           // the console's rules (boot_timeout: the candidate's)
};

enum class Verdict { kGood, kBad, kSkip, kAbort };
const char* VerdictName(Verdict v);

struct StepResult {
  Verdict verdict = Verdict::kAbort;
  double booted_at = -1;  // seconds from the power cycle (or the reboot command) to the boot report
  std::string left_by;    // how the machine got to its stage-1: "reboot" or "power"
  std::string fallback;   // why the reboot command gave way to the power command ("": it did not)
  std::string retried;    // why the image was booted a second time ("": it was not)
  bool hang = false;      // the candidate hung (whatever the verdict made of it)
  bool panicked = false;  // its console shows a kernel panic (PanickedAfterKexec)
  // An abort because the machine stopped answering (its power command fails, no
  // boot report comes): a pool goes on without it. Other aborts (the server, a
  // stop, the test command) end the bisection.
  bool machine_fault = false;
  std::string why;        // what decided it, for the log
};

// The image is on the server (the caller found or built it).
StepResult BootAndJudge(MachineEnv& env, const std::string& image, const StepOptions& o);

}  // namespace kb

#endif
