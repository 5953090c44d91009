#include "control/step.h"

#include <cstdio>

#include "control/format.h"

namespace kb {

namespace {


// The image of a boot report line "<time> <image> <address>".
std::string ImageOf(const std::string& line) {
  size_t a = line.find(' ');
  if (a == std::string::npos) return "";
  size_t b = line.find(' ', a + 1);
  return line.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
}

}  // namespace

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kGood: return "good";
    case Verdict::kBad: return "bad";
    case Verdict::kSkip: return "skip";
    case Verdict::kAbort: return "abort";
  }
  return "?";
}

namespace {

const char kStopped[] = "stopped by a signal";
// How long a failed power call waits before its one more try.
constexpr double kPowerRetryDelay = 5;

// Sets the once, leaves the last candidate (the reboot command, else the power)
// and waits for the stage-1's report that it boots `image` (one more power cycle
// if it does not). True with r->left_by, fallback, booted_at and *offset (the
// console's size before the boot); false with *abort_why.
bool Boot(MachineEnv& env, const std::string& image, const StepOptions& o, StepResult* r, size_t* offset,
          std::string* abort_why) {
  for (int attempt = 1;; ++attempt) {
    if (env.Stopped()) return *abort_why = kStopped, false;
    std::string before, line, why;
    if (!env.NewestBoot(&before, &why)) return *abort_why = "cannot read the boot log: " + why, false;
    if (!env.SetOnce(image, &why)) return *abort_why = "cannot set the next boot to " + image + ": " + why, false;
    *offset = env.ConsoleSize();
    // Waits for a new boot report until `seconds` after t0; false on a stop or a
    // server error (abort_why).
    auto wait_report = [&](double t0, double seconds) -> bool {
      while (env.Now() - t0 < seconds) {
        if (env.Stopped()) return *abort_why = kStopped, false;
        if (!env.NewestBoot(&line, &why)) return *abort_why = "cannot read the boot log: " + why, false;
        if (!line.empty() && line != before) return true;
        env.Sleep(o.poll);
      }
      return true;
    };
    double t0 = env.Now();
    bool reported = false;
    if (o.use_reboot && attempt == 1) {
      r->left_by = "reboot";
      if (!env.Reboot(&why)) {
        r->fallback = "the reboot command failed (" + why + ")";
      } else {
        if (!wait_report(t0, o.reboot_timeout)) return false;
        reported = !line.empty() && line != before;
        if (!reported) r->fallback = "no boot report within " + Shortest(o.reboot_timeout) + " s of the reboot command";
      }
    }
    if (!reported) {
      if (env.Stopped()) return *abort_why = kStopped, false;
      r->left_by = "power";
      t0 = env.Now();
      // A BMC or PDU that does not answer or refuses is tried once more, a
      // little later (a BMC busy with another session, a PDU's queue); then it
      // is a lab fault, never a verdict.
      if (!env.PowerCycle(&why)) {
        if (env.Stopped()) return *abort_why = kStopped, false;
        r->retried += (r->retried.empty() ? "" : "; then ") + ("the power switch failed: " + why);
        env.Sleep(kPowerRetryDelay);
        if (env.Stopped()) return *abort_why = kStopped, false;
        t0 = env.Now();
        if (!env.PowerCycle(&why))
          return r->machine_fault = !env.Stopped(),
                 *abort_why = "the power switch failed twice, " + Shortest(kPowerRetryDelay) + " s apart: " + why,
                 false;
      }
      // The stage-1's report of what it is about to kexec: the firmware's and the
      // stage-1's time (report_timeout), not the candidate's.
      if (!wait_report(t0, o.report_timeout)) return false;
      reported = !line.empty() && line != before;
    }
    std::string problem;
    if (!reported)
      problem = "no boot report within " + Shortest(o.report_timeout) + " s of the power cycle (is its stage-1 running?)";
    else if (ImageOf(line) != image)
      problem = "the machine booted " + ImageOf(line) + ", not " + image + ": no verdict for it";
    if (problem.empty()) {
      r->booted_at = env.Now() - t0;
      return true;
    }
    if (attempt == 2) return r->machine_fault = !env.Stopped(), *abort_why = problem, false;
    r->retried += (r->retried.empty() ? "" : "; then ") + problem;
  }
}

// The verdict on the booted candidate: the test command, or the console read from
// `offset` by `judge`. False (with *abort_why) when it cannot be had.
bool Judge(MachineEnv& env, const std::string& image, size_t offset, const StepOptions& o, ConsoleJudge& judge,
           StepResult* r, std::string* abort_why) {
  bool hang = false;
  if (o.use_test) {
    int rc = env.RunTest(image, offset, o.test_timeout);
    if (env.Stopped()) return *abort_why = kStopped, false;
    if (rc == -1) return *abort_why = "the test command could not be started", false;
    if (rc == 0) {
      r->verdict = Verdict::kGood;
      r->why = "the test passed";
    } else if (rc == 125) {
      r->verdict = Verdict::kSkip;
      r->why = "the test asked for a skip (125)";
    } else if (rc == 124) {
      hang = true;
      r->why = "the test timed out (exit 124: its own limit, or --test-timeout " + Shortest(o.test_timeout) + " s)";
    } else {
      r->verdict = Verdict::kBad;
      r->why = "the test failed (exit " + std::to_string(rc) + ")";
    }
  } else {
    size_t at = offset;
    ConsoleJudge::State s = ConsoleJudge::State::kPending;
    while (s == ConsoleJudge::State::kPending) {
      if (env.Stopped()) return *abort_why = kStopped, false;
      std::string text = env.ReadConsole(at);
      at += text.size();
      s = judge.Feed(text, env.Now());
      if (s == ConsoleJudge::State::kPending) env.Sleep(o.poll);
    }
    r->why = judge.Reason();
    if (s == ConsoleJudge::State::kNoStage1) {
      // The stage-1 reported the boot, but its console never showed it: the lab's fault.
      r->machine_fault = true;
      const std::string problem = env.ConsoleProblem();
      return *abort_why = "a lab fault, not a verdict: " + judge.Reason() +
                          (problem.empty() ? "" : " (the console: " + problem + ")"),
             false;
    }
    // The console dropped after the stage-1's last kexec line (the candidate
    // was running): what it printed meanwhile is lost, and silence is no
    // verdict. A drop before it (a BMC that ends SOL at a power cycle) is none.
    const std::string seen = s == ConsoleJudge::State::kHang ? env.ReadConsole(offset) : std::string();
    const size_t kexec = seen.rfind("kbisect: kexec into ");
    const size_t dropped = env.ConsoleLastDrop();
    if (s == ConsoleJudge::State::kHang && kexec != std::string::npos && dropped != size_t(-1) &&
        dropped >= offset + kexec) {
      r->machine_fault = true;
      const std::string problem = env.ConsoleProblem();
      return *abort_why = "a lab fault, not a verdict: the console dropped while the candidate ran (" +
                          judge.Reason() + ": its output meanwhile is lost)" +
                          (problem.empty() ? "" : " (the console: " + problem + ")"),
             false;
    }
    if (s == ConsoleJudge::State::kPass) r->verdict = Verdict::kGood;
    if (s == ConsoleJudge::State::kFail) r->verdict = Verdict::kBad;
    hang = s == ConsoleJudge::State::kHang;
  }
  if (hang) {
    r->hang = true;
    r->verdict = o.hang_is_skip ? Verdict::kSkip : Verdict::kBad;
    r->why += ": a hang";
  }
  return true;
}

}  // namespace

StepResult BootAndJudge(MachineEnv& env, const std::string& image, const StepOptions& o) {
  StepResult r;
  // Rules that cannot judge refuse before the machine is touched.
  ConsoleJudge judge(o.console);
  if (!o.use_test && !judge.Error().empty()) {
    r.why = judge.Error();
    return r;
  }
  // A hang with nothing on the console after the stage-1's kexec line: its kernel
  // may have stalled on the way down, before the candidate ran. One more boot
  // tells (by power: a hung machine cannot run the reboot command); a candidate
  // that dies silently does it again and is a hang then.
  StepOptions opts = o;
  std::string abort_why;
  for (int boot = 1;; ++boot) {
    ConsoleJudge fresh(opts.console);
    size_t offset = 0;
    if (!Boot(env, image, opts, &r, &offset, &abort_why)) break;
    if (!Judge(env, image, offset, opts, fresh, &r, &abort_why)) {
      // A console that showed nothing of the stage-1 is given one more boot.
      if (!r.machine_fault || boot == 2 || env.Stopped()) break;
      r = StepResult();
      r.retried = abort_why;
      opts.use_reboot = false;
      continue;
    }
    std::string console = env.ReadConsole(offset);
    r.panicked = PanickedAfterKexec(console);
    if (!r.hang || !SilentAfterKexec(console)) return r;
    if (boot == 2) {
      r.why += " (silent after the kexec twice)";
      return r;
    }
    std::string first = r.why;
    r = StepResult();
    r.retried = "nothing on the console after the stage-1's kexec line (" + first + ")";
    opts.use_reboot = false;
  }
  // Every abort leaves the machine without a `once` of ours (best effort: the
  // server may be what failed).
  std::string ignored;
  env.ClearOnce(&ignored);
  r.verdict = Verdict::kAbort;
  r.why = abort_why;
  return r;
}

}  // namespace kb
