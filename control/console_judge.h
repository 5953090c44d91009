// A candidate's verdict from its console (issue 13: the verdict rules as pure
// code). Fed this boot's console text as it comes, with the time; it says when the
// candidate passed, failed or hung:
//   - only the candidate's own lines count: everything up to the stage-1's last
//     "kbisect: kexec into " line is the stage-1's;
//   - a line matching an --ignore pattern never fails the candidate;
//   - --fail REGEX, or a kernel crash ("Kernel panic", "Oops:", "BUG:", "general
//     protection fault"), fails it; "Call Trace:" alone is a WARN's and fails it
//     only with call_trace_fails (--fail-on-call-trace);
//   - --pass REGEX passes it (a failure seen first wins);
//   - no verdict within the boot timeout is a hang, and so is no console output at
//     all for the silence timeout (0: off); both count from the first Feed or Tick;
//   - but only when the console showed the stage-1's kexec line: a timeout on a
//     console that never showed it is kNoStage1, a lab fault (the console is not
//     this machine's, or its capture is not working), never a verdict.
// Patterns are POSIX extended regular expressions (grep -E), as in the shell
// version.
#ifndef KBISECT_CONTROL_CONSOLE_JUDGE_H
#define KBISECT_CONTROL_CONSOLE_JUDGE_H

#include <regex.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

struct JudgeRules {
  std::string pass;                 // "" : none
  std::string fail;                 // "" : none
  std::vector<std::string> ignore;  // lines that never fail
  bool call_trace_fails = false;
  double boot_timeout = 300;        // seconds from the start of Feed
  double silence_timeout = 0;       // seconds without output (0: off)
};

class ConsoleJudge {
 public:
  enum class State { kPending, kPass, kFail, kHang, kNoStage1 };

  // Compiles the patterns; check Error() ("--pass: <regerror>").
  explicit ConsoleJudge(const JudgeRules& rules);
  ~ConsoleJudge();
  ConsoleJudge(const ConsoleJudge&) = delete;
  ConsoleJudge& operator=(const ConsoleJudge&) = delete;
  const std::string& Error() const { return error_; }

  // Console bytes that arrived at `now` (seconds, any origin, non-decreasing);
  // text may end in the middle of a line (kept until its end comes).
  State Feed(std::string_view text, double now);
  // No new bytes at `now`: the timeouts.
  State Tick(double now);

  State state() const { return state_; }
  // Why: the line that decided, or what timed out.
  const std::string& Reason() const { return reason_; }

 private:
  struct Pattern;
  void Line(std::string_view line);
  bool Matches(const Pattern* p, std::string_view line) const;
  void Decide(State s, std::string reason);

  std::string error_;
  std::unique_ptr<Pattern> pass_, fail_, crash_, call_trace_;
  std::vector<std::unique_ptr<Pattern>> ignore_;
  bool call_trace_fails_;
  double boot_timeout_, silence_timeout_;
  bool started_ = false;        // the kexec line was seen
  bool clock_started_ = false;  // the first Feed or Tick
  double start_ = 0, last_output_ = 0;
  std::string partial_;
  // A pass seen while lines of the same chunk may still fail it.
  bool passed_ = false;
  std::string pass_line_;
  State state_ = State::kPending;
  std::string reason_;
};

const char* StateName(ConsoleJudge::State s);

// Whether `console` (one boot's, from the power cycle on) has the stage-1's
// "kbisect: kexec into " line and, after its last one, nothing but blanks and the
// stage-1's own "kbisect: " lines: neither the stage-1 kernel's way down
// ("kexec_core: Starting new kernel") nor a byte of the candidate. A candidate
// that dies before its first message looks the same as a stage-1 kernel that
// stalled on its way to the kexec; one whose kernel prints on its way down (a
// NIC's "link is down") is not silent.
bool SilentAfterKexec(std::string_view console);

// Whether `console` (one boot's) shows, after the stage-1's last "kbisect: kexec
// into " line, the kernel's "Kernel panic - not syncing" banner: the candidate is
// down (spinning in panic, or rebooting into its firmware with panic=N) and cannot
// run a reboot command. An Oops or BUG alone may leave the OS up.
bool PanickedAfterKexec(std::string_view console);

}  // namespace kb

#endif
