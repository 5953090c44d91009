#include "control/step.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace kb {
namespace {

constexpr const char* kImage = "6.1.192+-master_7270ca895c93_20261101_x86_64";
constexpr const char* kOther = "6.1.192+-master_817691f457d6_20261101_x86_64";

// A machine on a fake clock: a power cycle schedules its stage-1's boot report
// (of the image set once, or of `boots_instead`) and its console lines.
class FakeMachine : public MachineEnv {
 public:
  // What a power cycle makes happen, in seconds after it.
  double report_after = 10;
  bool report = true;
  std::string boots_instead;
  int boots_instead_times = 1000;  // power cycles that boot boots_instead
  std::vector<std::pair<double, std::string>> console_after = {
      {5, "kbisect: stage-1 init starting\n"}, {10, "kbisect: kexec into X\n"}, {20, "kbisect-test: PASS\n"}};
  // Faults.
  bool server_down = false, server_down_after_power = false, set_once_fails = false, power_fails = false;
  // The reboot command: fails, or "succeeds" on a hung candidate (nothing follows).
  bool reboot_fails = false, reboot_does_nothing = false;
  double stop_at = 1e18;
  // Boots (the first ones) whose stage-1 stalls after its kexec line: nothing follows.
  int stall_boots = 0;
  int test_rc = 0;
  double test_takes = 30;

  // What happened.
  std::vector<std::string> boots = {"1700000000 " + std::string(kOther) + " 10.0.2.15"};
  std::string once;
  int power_cycles = 0, reboots = 0, clears = 0, tests_run = 0;
  size_t test_offset = 0;
  double now = 1000;

  bool NewestBoot(std::string* line, std::string* why) override {
    if (server_down) {
      *why = "the server answered 500";
      return false;
    }
    *line = boots.empty() ? "" : boots.back();
    return true;
  }
  bool SetOnce(const std::string& image, std::string* why) override {
    if (set_once_fails) {
      *why = "the server answered 404: no image named " + image;
      return false;
    }
    once = image;
    return true;
  }
  bool ClearOnce(std::string*) override {
    ++clears;
    once.clear();
    return true;
  }
  bool Reboot(std::string* why) override {
    if (reboot_fails) {
      Sleep(5);
      *why = "exit 255";
      return false;
    }
    ++reboots;
    if (!reboot_does_nothing) Schedule();
    return true;
  }
  bool PowerCycle(std::string* why) override {
    if (power_fails) {
      *why = "exit 1";
      return false;
    }
    ++power_cycles;
    Schedule();
    return true;
  }
  // What a boot of the stage-1 makes happen (after a power cycle or a reboot).
  void Schedule() {
    if (server_down_after_power) server_down = true;
    double t = now;
    if (report) events_.push_back({t + report_after, ""});
    bool stall = stall_boots-- > 0;
    for (auto& [after, text] : console_after) {
      events_.push_back({t + after, text});
      if (stall && text.starts_with("kbisect: kexec into ")) {
        events_.push_back({t + after + 0.1, "kbisect: at 10.2 s: kexec\n"});
        break;
      }
    }
    booting_ = boots_instead.empty() || boots_instead_times-- <= 0 ? once : boots_instead;
  }
  size_t ConsoleSize() override { return console_.size(); }
  std::string ReadConsole(size_t from) override { return from < console_.size() ? console_.substr(from) : ""; }
  int RunTest(const std::string&, size_t offset, double timeout) override {
    ++tests_run;
    test_offset = offset;
    Sleep(std::min(test_takes, timeout));
    return test_takes > timeout ? 124 : test_rc;
  }
  double Now() override { return now; }
  void Sleep(double s) override {
    now += s;
    std::vector<std::pair<double, std::string>> later;
    for (auto& e : events_) {
      if (e.first > now) {
        later.push_back(e);
      } else if (e.second.empty()) {
        boots.push_back(std::to_string(static_cast<long>(e.first)) + " " + booting_ + " 10.0.2.15");
        once.clear();
      } else {
        console_ += e.second;
      }
    }
    events_ = std::move(later);
  }
  bool Stopped() override { return now >= stop_at; }

  std::string console_ = "an earlier boot's console\nKernel panic - not syncing: old\n";

 private:
  std::vector<std::pair<double, std::string>> events_;
  std::string booting_;
};

StepOptions ConsoleOptions() {
  StepOptions o;
  o.report_timeout = 60;
  o.console.pass = "kbisect-test: PASS";
  o.console.fail = "kbisect: regression";
  o.console.boot_timeout = 45;
  return o;
}

TEST(Step, ThePassLineAfterTheReportIsGood) {
  FakeMachine m;
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kGood) << r.why;
  EXPECT_EQ(r.why, "kbisect-test: PASS");
  EXPECT_NEAR(r.booted_at, 10, 0.6);
  EXPECT_EQ(m.power_cycles, 1);
  EXPECT_EQ(m.clears, 0);
  // The earlier boot's panic, before this power cycle, did not count.
}

TEST(Step, AFailLineIsBad) {
  FakeMachine m;
  m.console_after.push_back({15, "kbisect: regression msg\n"});
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kBad);
  EXPECT_EQ(r.why, "kbisect: regression msg");
}

TEST(Step, NoVerdictIsAHangBadOrSkip) {
  FakeMachine m;
  m.console_after.back() = {12, "[    0.000000] Linux version 6.1.0\n"};  // no PASS
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kBad);
  EXPECT_EQ(r.why, "no verdict on the console within 45 s: a hang");
  EXPECT_EQ(m.power_cycles, 1);
  FakeMachine m2;
  m2.console_after.back() = {12, "[    0.000000] Linux version 6.1.0\n"};
  StepOptions o = ConsoleOptions();
  o.hang_is_skip = true;
  EXPECT_EQ(BootAndJudge(m2, kImage, o).verdict, Verdict::kSkip);
}

// A console that dropped after the stage-1's kexec line lost what the candidate
// printed then: a hang judged across the drop is no verdict. One more boot; a
// second such boot stops the step as a lab fault. A drop before the kexec line
// (a BMC that ends its SOL session at a power cycle) leaves the hang a hang; a
// pass or a failure seen is a verdict still.
TEST(Step, AHangAcrossAConsoleDropIsALabFaultNotAVerdict) {
  // The console drops this far into the current boot's output (-1: never).
  class Dropping : public FakeMachine {
   public:
    long drop_after = -1;
    size_t boot_start = 0;
    bool PowerCycle(std::string* why) override {
      boot_start = ConsoleSize();
      return FakeMachine::PowerCycle(why);
    }
    size_t ConsoleLastDrop() override {
      if (drop_after < 0 || ConsoleSize() < boot_start + size_t(drop_after)) return size_t(-1);
      return boot_start + size_t(drop_after);
    }
  };
  Dropping m;
  m.console_after.back() = {12, "[    0.000000] Linux version 6.1.0\n"};  // no PASS: a hang
  m.drop_after = 1000;  // after the kexec line: once the candidate's first line is there
  m.console_after.push_back({13, std::string(1000, 'x') + "\n"});
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kAbort);
  EXPECT_TRUE(r.machine_fault);
  EXPECT_FALSE(r.hang);
  EXPECT_EQ(m.power_cycles, 2) << "booted once more, then given up";
  EXPECT_EQ(r.why.rfind("a lab fault, not a verdict: the console dropped while the candidate ran (no verdict on the "
                        "console within 45 s: its output meanwhile is lost)",
                        0),
            0u)
      << r.why;
  // A drop at the power cycle, before the stage-1 said anything: a hang is a hang.
  Dropping early;
  early.console_after.back() = {12, "[    0.000000] Linux version 6.1.0\n"};
  early.drop_after = 0;
  StepResult hang = BootAndJudge(early, kImage, ConsoleOptions());
  EXPECT_EQ(hang.verdict, Verdict::kBad) << hang.why;
  EXPECT_TRUE(hang.hang);
  // A drop after the kexec line with a failure on the console: the failure counts.
  Dropping f;
  f.console_after.push_back({13, std::string(1000, 'x') + "\n"});
  f.console_after.push_back({15, "kbisect: regression msg\n"});
  f.drop_after = 1000;
  StepResult bad = BootAndJudge(f, kImage, ConsoleOptions());
  EXPECT_EQ(bad.verdict, Verdict::kBad) << bad.why;
  EXPECT_EQ(f.power_cycles, 1);
}

TEST(Step, AHangIsMarkedAsSuchWhateverTheVerdict) {
  for (bool skip : {false, true}) {
    FakeMachine m;
    m.console_after = {{10, "kbisect: kexec into X\n"}, {12, "[    0.000000] Linux version 6.1.0\n"}};
    StepOptions o = ConsoleOptions();
    o.hang_is_skip = skip;
    StepResult r = BootAndJudge(m, kImage, o);
    EXPECT_TRUE(r.hang);
    EXPECT_EQ(r.verdict, skip ? Verdict::kSkip : Verdict::kBad);
  }
  FakeMachine m;
  EXPECT_FALSE(BootAndJudge(m, kImage, ConsoleOptions()).hang);
}

TEST(Step, AHangWithTheCandidatesOutputIsNotBootedAgain) {
  FakeMachine m;
  m.console_after = {{10, "kbisect: kexec into X\n"}, {11, "kbisect: at 10.2 s: kexec\n"},
                     {12, "[   10.3] kexec_core: Starting new kernel\n"}};
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kBad);
  EXPECT_EQ(r.why, "no verdict on the console within 45 s: a hang");
  EXPECT_EQ(r.retried, "");
  EXPECT_EQ(m.power_cycles, 1);
}

// A stage-1 kernel that stalls on its way to the kexec (seen in the lab: its
// device shutdown, under load) prints nothing after the stage-1's kexec line; the
// candidate never ran, so its hang would be a false bad. One more boot tells.
TEST(Step, SilenceAfterTheKexecLineIsBootedOnceMore) {
  FakeMachine m;
  m.stall_boots = 1;
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kGood) << r.why;
  EXPECT_FALSE(r.hang);
  EXPECT_EQ(r.retried, "nothing on the console after the stage-1's kexec line (no verdict on the console within 45 s: a hang)");
  EXPECT_EQ(m.power_cycles, 2);
  EXPECT_EQ(m.boots.back().find(kImage) != std::string::npos, true) << "the second boot is of the same image";
  // With a reboot command: the first boot leaves the last candidate by it; the
  // machine that said nothing after its kexec is power-cycled.
  FakeMachine rb;
  rb.stall_boots = 1;
  StepOptions o = ConsoleOptions();
  o.use_reboot = true;
  r = BootAndJudge(rb, kImage, o);
  EXPECT_EQ(r.verdict, Verdict::kGood) << r.why;
  EXPECT_EQ(rb.reboots, 1);
  EXPECT_EQ(rb.power_cycles, 1);
  EXPECT_EQ(r.left_by, "power");
}

TEST(Step, ACandidateSilentTwiceIsAHang) {
  for (bool test : {false, true}) {
    FakeMachine m;
    m.stall_boots = 2;
    m.test_rc = 124;
    StepOptions o = ConsoleOptions();
    o.use_test = test;
    StepResult r = BootAndJudge(m, kImage, o);
    EXPECT_EQ(r.verdict, Verdict::kBad);
    EXPECT_TRUE(r.hang);
    EXPECT_NE(r.retried, "");
    EXPECT_NE(r.why.find("(silent after the kexec twice)"), std::string::npos) << r.why;
    EXPECT_EQ(m.power_cycles, 2) << "one more boot, not more";
  }
}

TEST(Step, ATestCommandDecides) {
  struct Case {
    int rc;
    Verdict v;
    std::string why;
  };
  for (const Case& c : {Case{0, Verdict::kGood, "the test passed"}, Case{1, Verdict::kBad, "the test failed (exit 1)"},
                        Case{125, Verdict::kSkip, "the test asked for a skip (125)"},
                        Case{124, Verdict::kBad, "the test timed out (exit 124: its own limit, or --test-timeout 600 s): a hang"}}) {
    FakeMachine m;
    m.test_rc = c.rc;
    StepOptions o = ConsoleOptions();
    o.use_test = true;
    size_t before = m.console_.size();
    StepResult r = BootAndJudge(m, kImage, o);
    EXPECT_EQ(r.verdict, c.v) << c.rc;
    EXPECT_EQ(r.why, c.why);
    EXPECT_EQ(m.test_offset, before) << "the test's console starts at this boot";
  }
  FakeMachine slow;
  slow.test_takes = 700;
  StepOptions o = ConsoleOptions();
  o.use_test = true;
  o.hang_is_skip = true;
  StepResult r = BootAndJudge(slow, kImage, o);
  EXPECT_EQ(r.verdict, Verdict::kSkip);
  EXPECT_EQ(r.why, "the test timed out (exit 124: its own limit, or --test-timeout 600 s): a hang");
}

// The caller power-cycles a panicked candidate without trying the reboot command.
TEST(Step, APanicOnTheCandidatesConsoleIsSaidByConsoleOrTest) {
  for (bool use_test : {false, true}) {
    FakeMachine m;
    m.test_rc = 1;
    m.console_after.back() = {20, "Kernel panic - not syncing: kbisect: planted panic\n"};
    StepOptions o = ConsoleOptions();
    o.use_test = use_test;
    StepResult r = BootAndJudge(m, kImage, o);
    EXPECT_EQ(r.verdict, Verdict::kBad) << use_test;
    EXPECT_TRUE(r.panicked) << use_test;
    EXPECT_FALSE(r.hang);
  }
  FakeMachine bad;
  bad.console_after.back() = {20, "Oops: 0002 [#1] SMP\n"};
  StepResult r = BootAndJudge(bad, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kBad);
  EXPECT_FALSE(r.panicked) << "an Oops may leave the OS up";
  FakeMachine good;
  EXPECT_FALSE(BootAndJudge(good, kImage, ConsoleOptions()).panicked);
}

TEST(Step, AServerErrorAbortsNeverSkips) {
  FakeMachine m;
  m.server_down = true;
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kAbort);
  EXPECT_EQ(r.why, "cannot read the boot log: the server answered 500");
  EXPECT_EQ(m.power_cycles, 0);

  FakeMachine mid;  // the server goes away while the machine boots
  mid.server_down_after_power = true;
  r = BootAndJudge(mid, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kAbort);
  EXPECT_EQ(r.why, "cannot read the boot log: the server answered 500");
  EXPECT_EQ(mid.clears, 1) << "an abort clears the machine's once";

  FakeMachine refused;
  refused.set_once_fails = true;
  r = BootAndJudge(refused, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kAbort);
  EXPECT_EQ(r.why, std::string("cannot set the next boot to ") + kImage + ": the server answered 404: no image named " + kImage);
}

TEST(Step, APowerFailureAborts) {
  FakeMachine m;
  m.power_fails = true;
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kAbort);
  EXPECT_EQ(r.why, "the power switch failed twice, 5 s apart: exit 1");
  EXPECT_EQ(r.retried, "the power switch failed: exit 1");
  EXPECT_TRUE(r.machine_fault) << "a lab fault, never a verdict";
  EXPECT_TRUE(m.once.empty());
}

TEST(Step, APowerSwitchThatFailsOnceIsTriedAgain) {
  class Busy : public FakeMachine {
   public:
    int calls = 0;
    bool PowerCycle(std::string* why) override {
      if (++calls == 1) return *why = "IPMI admin@bmc:623: chassis power status: Unable to establish IPMI v2 session", false;
      return FakeMachine::PowerCycle(why);
    }
  } m;
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kGood) << r.why;
  EXPECT_EQ(m.calls, 2);
  EXPECT_EQ(r.retried, "the power switch failed: IPMI admin@bmc:623: chassis power status: Unable to establish IPMI v2 session");
}

TEST(Step, NoReportIsTriedOnceMoreThenAborts) {
  FakeMachine m;
  m.report = false;
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kAbort);
  EXPECT_EQ(r.why, "no boot report within 60 s of the power cycle (is its stage-1 running?)");
  EXPECT_EQ(r.retried, r.why) << "the first attempt's problem, for the caller to say";
  EXPECT_EQ(m.power_cycles, 2);
  EXPECT_LE(m.now - 1000, 2 * 60 + 2) << "bounded";
}

TEST(Step, AReportOfAnotherImageGivesNoVerdict) {
  FakeMachine m;
  m.boots_instead = kOther;
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kAbort);
  EXPECT_EQ(r.why, std::string("the machine booted ") + kOther + ", not " + kImage + ": no verdict for it");
  EXPECT_EQ(m.power_cycles, 2);
  EXPECT_EQ(m.tests_run, 0);
}

TEST(Step, AReportOfAnotherImageOnceIsSaidAndTheSecondBootJudged) {
  // The stage-1 could not fetch the image (a dropped connection) and booted the
  // list's next kernel: the power cycle is repeated, and the caller can say why.
  FakeMachine m;
  m.boots_instead = kOther;
  m.boots_instead_times = 1;
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kGood);
  EXPECT_EQ(r.retried, std::string("the machine booted ") + kOther + ", not " + kImage + ": no verdict for it");
  EXPECT_EQ(m.power_cycles, 2);
}

TEST(Step, ASignalAtEachPhaseAbortsAndClearsOnce) {
  // Before the power cycle, while waiting for the report, while judging the console.
  for (double stop : {1000.0, 1005.0, 1015.0}) {
    FakeMachine m;
    m.stop_at = stop;
    StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
    EXPECT_EQ(r.verdict, Verdict::kAbort) << stop;
    EXPECT_EQ(r.why, "stopped by a signal");
    EXPECT_EQ(m.clears, 1);
    EXPECT_TRUE(m.once.empty());
  }
  // While the test command runs.
  FakeMachine m;
  m.stop_at = 1020;
  StepOptions o = ConsoleOptions();
  o.use_test = true;
  EXPECT_EQ(BootAndJudge(m, kImage, o).why, "stopped by a signal");
}

TEST(Step, BadConsoleRulesAbortBeforeTheBoot) {
  FakeMachine m;
  StepOptions o = ConsoleOptions();
  o.console.fail = "(";
  StepResult r = BootAndJudge(m, kImage, o);
  EXPECT_EQ(r.verdict, Verdict::kAbort);
  EXPECT_NE(r.why.find("--fail: "), std::string::npos);
  EXPECT_EQ(m.power_cycles, 0);
}

TEST(Step, TheRebootCommandLeavesTheCandidateWithoutAPowerCycle) {
  FakeMachine m;
  StepOptions o = ConsoleOptions();
  o.use_reboot = true;
  o.reboot_timeout = 30;
  StepResult r = BootAndJudge(m, kImage, o);
  EXPECT_EQ(r.verdict, Verdict::kGood) << r.why;
  EXPECT_EQ(m.reboots, 1);
  EXPECT_EQ(m.power_cycles, 0);
  EXPECT_EQ(r.left_by, "reboot");
  EXPECT_EQ(r.fallback, "");
}

TEST(Step, AFailingRebootCommandFallsBackToThePowerCommand) {
  FakeMachine m;
  m.reboot_fails = true;
  StepOptions o = ConsoleOptions();
  o.use_reboot = true;
  StepResult r = BootAndJudge(m, kImage, o);
  EXPECT_EQ(r.verdict, Verdict::kGood) << r.why;
  EXPECT_EQ(m.power_cycles, 1);
  EXPECT_EQ(r.left_by, "power");
  EXPECT_EQ(r.fallback, "the reboot command failed (exit 255)");
}

TEST(Step, AHungCandidateCostsOnePowerCycleAfterTheRebootTimeout) {
  FakeMachine m;
  m.reboot_does_nothing = true;
  StepOptions o = ConsoleOptions();
  o.use_reboot = true;
  o.reboot_timeout = 30;
  const double t0 = m.now;
  StepResult r = BootAndJudge(m, kImage, o);
  EXPECT_EQ(r.verdict, Verdict::kGood) << r.why;
  EXPECT_EQ(m.reboots, 1);
  EXPECT_EQ(m.power_cycles, 1);
  EXPECT_EQ(r.fallback, "no boot report within 30 s of the reboot command");
  // Bounded: the reboot's 30 s, then the power cycle's report (10 s) and the pass (20 s).
  EXPECT_LT(m.now - t0, 30 + 25);
}

TEST(Step, VerdictNames) {
  EXPECT_STREQ(VerdictName(Verdict::kGood), "good");
  EXPECT_STREQ(VerdictName(Verdict::kAbort), "abort");
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

// The console is not this machine's, or its capture is dead: the stage-1 reports
// each boot, but its kexec line never shows. A lab fault, never a hang's verdict.
TEST(Step, AConsoleThatCannotBeOpenedIsNamedInTheLabFault) {
  class Dead : public FakeMachine {
   public:
    std::string ConsoleProblem() override { return "cannot open it: tcp:consoles.lab:7001: Connection refused"; }
  } m;
  m.console_after = {};
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kAbort);
  EXPECT_TRUE(r.machine_fault);
  EXPECT_NE(r.why.find(" (the console: cannot open it: tcp:consoles.lab:7001: Connection refused)"), std::string::npos)
      << r.why;
}

TEST(Step, AConsoleThatNeverShowsTheStage1IsALabFaultNotAHang) {
  FakeMachine m;
  m.console_after = {{12, "someone else's machine: login:\n"}};
  StepResult r = BootAndJudge(m, kImage, ConsoleOptions());
  EXPECT_EQ(r.verdict, Verdict::kAbort);
  EXPECT_TRUE(r.machine_fault);
  EXPECT_FALSE(r.hang);
  EXPECT_EQ(m.power_cycles, 2) << "booted once more, then given up";
  EXPECT_EQ(r.why.rfind("a lab fault, not a verdict: no verdict on the console within 45 s, and it never showed the "
                        "stage-1's 'kbisect: kexec into' line",
                        0),
            0u)
      << r.why;
  EXPECT_EQ(m.clears, 1) << "the once is cleared";
}

TEST(Step, AConsoleThatComesBackOnTheSecondBootGivesItsVerdict) {
  const auto good = FakeMachine().console_after;
  StepOptions o = ConsoleOptions();
  o.console.silence_timeout = 30;
  StepResult r;
  {
    // The first boot's console is dead; after the judge gave up on it, it works.
    class Fixed : public FakeMachine {
     public:
      std::vector<std::pair<double, std::string>> later;
      bool PowerCycle(std::string* why) override {
        if (power_cycles == 1) console_after = later;
        return FakeMachine::PowerCycle(why);
      }
    } f;
    f.console_after = {};
    f.later = good;
    r = BootAndJudge(f, kImage, o);
    EXPECT_EQ(f.power_cycles, 2);
  }
  EXPECT_EQ(r.verdict, Verdict::kGood) << r.why;
  EXPECT_EQ(r.retried.rfind("a lab fault, not a verdict: no console output for 30 s, and it never showed", 0), 0u)
      << r.retried;
}

}  // namespace
}  // namespace kb
