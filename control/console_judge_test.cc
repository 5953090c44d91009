#include "control/console_judge.h"

#include <gtest/gtest.h>

using namespace std::string_literals;

namespace kb {
namespace {

using State = ConsoleJudge::State;
constexpr const char* kKexec = "kbisect: kexec into 6.1.0-main_aaaaaaaaaaaa_20261120_x86_64 (console=ttyS0)\n";

JudgeRules Rules(std::string pass, std::string fail = "") {
  JudgeRules r;
  r.pass = std::move(pass);
  r.fail = std::move(fail);
  r.boot_timeout = 60;
  return r;
}

TEST(ConsoleJudge, PassesOnThePassLineAfterTheKexec) {
  ConsoleJudge j(Rules("kbisect-test: PASS"));
  ASSERT_EQ(j.Error(), "");
  EXPECT_EQ(j.Feed("kbisect: stage-1 init starting\n", 0), State::kPending);
  EXPECT_EQ(j.Feed(kKexec, 1), State::kPending);
  EXPECT_EQ(j.Feed("Linux version 6.1\nkbisect-test: PASS\n", 2), State::kPass);
  EXPECT_EQ(j.Reason(), "kbisect-test: PASS");
}

TEST(ConsoleJudge, TheStageOnesLinesNeverDecide) {
  ConsoleJudge j(Rules("PASS", "regression"));
  // Before the kexec line: the stage-1's, e.g. a menu naming an image "regression".
  EXPECT_EQ(j.Feed("kbisect: 1) regression PASS BUG: x\n", 0), State::kPending);
  EXPECT_EQ(j.Feed(kKexec, 1), State::kPending);
  EXPECT_EQ(j.Feed("ok\n", 2), State::kPending);
}

TEST(ConsoleJudge, ASecondKexecStartsAgain) {
  ConsoleJudge j(Rules("PASS", "FAIL"));
  j.Feed(kKexec, 0);
  j.Feed("booting", 1);  // no newline yet: not a line
  EXPECT_EQ(j.Feed(std::string("\n") + kKexec, 2), State::kPending);
  EXPECT_EQ(j.Feed("PASS\n", 3), State::kPass);
}

TEST(ConsoleJudge, AFailureInTheSameChunkAsThePassWins) {
  ConsoleJudge j(Rules("PASS", "regression"));
  j.Feed(kKexec, 0);
  EXPECT_EQ(j.Feed("PASS\nkbisect: regression msg\n", 1), State::kFail);
  EXPECT_EQ(j.Reason(), "kbisect: regression msg");
}

TEST(ConsoleJudge, LinesSplitAcrossChunksAreWhole) {
  ConsoleJudge j(Rules("kbisect-test: PASS"));
  j.Feed(kKexec, 0);
  EXPECT_EQ(j.Feed("kbisect-te", 1), State::kPending);
  EXPECT_EQ(j.Feed("st: PA", 2), State::kPending);
  EXPECT_EQ(j.Feed("SS\r\n", 3), State::kPass);
  EXPECT_EQ(j.Reason(), "kbisect-test: PASS");
}

TEST(ConsoleJudge, CrashesFailWithoutAFailPattern) {
  for (const char* crash : {"Kernel panic - not syncing: VFS", "Oops: 0002 [#1] SMP", "BUG: kernel NULL pointer dereference",
                            "general protection fault, probably for non-canonical address"}) {
    ConsoleJudge j(Rules("PASS"));
    j.Feed(kKexec, 0);
    EXPECT_EQ(j.Feed(std::string("[    1.0] ") + crash + "\n", 1), State::kFail) << crash;
  }
}

TEST(ConsoleJudge, ACallTraceAloneIsAWarningUnlessAskedFor) {
  ConsoleJudge j(Rules("PASS"));
  j.Feed(kKexec, 0);
  EXPECT_EQ(j.Feed("WARNING: CPU: 0 PID: 1 at x.c:1\nCall Trace:\n <TASK>\nPASS\n", 1), State::kPass);
  JudgeRules r = Rules("PASS");
  r.call_trace_fails = true;
  ConsoleJudge strict(r);
  strict.Feed(kKexec, 0);
  EXPECT_EQ(strict.Feed("Call Trace:\nPASS\n", 1), State::kFail);
}

TEST(ConsoleJudge, IgnoredLinesNeverFail) {
  JudgeRules r = Rules("PASS", "error");
  r.ignore = {"ACPI Error", "BUG: known-flake"};
  ConsoleJudge j(r);
  j.Feed(kKexec, 0);
  EXPECT_EQ(j.Feed("ACPI Error: no handler (error)\nBUG: known-flake in x\n", 1), State::kPending);
  EXPECT_EQ(j.Feed("i915: error\n", 2), State::kFail);
}

TEST(ConsoleJudge, NoVerdictInTimeIsAHang) {
  ConsoleJudge j(Rules("PASS"));
  j.Feed(kKexec, 100);
  EXPECT_EQ(j.Tick(159.9), State::kPending);
  EXPECT_EQ(j.Feed("still booting\n", 159.95), State::kPending);
  EXPECT_EQ(j.Tick(160), State::kHang);
  EXPECT_EQ(j.Reason(), "no verdict on the console within 60 s");
  // Decided: later output changes nothing.
  EXPECT_EQ(j.Feed("PASS\n", 161), State::kHang);
}

TEST(ConsoleJudge, SilenceIsAHangBeforeTheBootTimeout) {
  JudgeRules r = Rules("PASS");
  r.silence_timeout = 10;
  ConsoleJudge j(r);
  j.Feed(kKexec, 0);
  EXPECT_EQ(j.Feed("line\n", 9), State::kPending);
  EXPECT_EQ(j.Tick(18.9), State::kPending);  // 9.9 s since the last output
  EXPECT_EQ(j.Tick(19), State::kHang);
  EXPECT_EQ(j.Reason(), "no console output for 10 s");
}

TEST(ConsoleJudge, BadRulesAreRefusedWithWhy) {
  EXPECT_NE(ConsoleJudge(Rules("(")).Error().find("--pass: "), std::string::npos);
  EXPECT_NE(ConsoleJudge(Rules("PASS", "[a")).Error().find("--fail: "), std::string::npos);
  JudgeRules r = Rules("PASS");
  r.ignore = {"ok", "a{1"};
  EXPECT_NE(ConsoleJudge(r).Error().find("--ignore: "), std::string::npos);
  r = Rules("PASS");
  r.boot_timeout = 0;
  EXPECT_EQ(ConsoleJudge(r).Error(), "the boot timeout must be > 0");
  r = Rules("PASS");
  r.silence_timeout = -1;
  EXPECT_EQ(ConsoleJudge(r).Error(), "the silence timeout must be >= 0");
  // A judge with an error decides nothing.
  ConsoleJudge bad(Rules("("));
  EXPECT_EQ(bad.Feed(std::string(kKexec) + "Kernel panic\n", 0), State::kPending);
  EXPECT_EQ(bad.Tick(1e9), State::kPending);
}

TEST(ConsoleJudge, SilentAfterKexecIsNothingButTheStage1sOwnLines) {
  const std::string kexec = "kbisect: menu\nkbisect: kexec into 6.1.0-main_0123456789ab_20261101_x86_64 (console=ttyS0)\n";
  EXPECT_TRUE(SilentAfterKexec(kexec));
  EXPECT_TRUE(SilentAfterKexec(kexec + "kbisect: at 10.2 s: kexec\r\n\r\n  \n"));
  EXPECT_TRUE(SilentAfterKexec(kexec + "kbisect: at 10.2 s: kexec\n\0\0"s));
  EXPECT_TRUE(SilentAfterKexec("kbisect: kexec into X (console=tty"));
  // The stage-1 kernel got past its device shutdown, or the candidate spoke.
  EXPECT_FALSE(SilentAfterKexec(kexec + "kbisect: at 10.2 s: kexec\n[   10.3] kexec_core: Starting new kernel\n"));
  EXPECT_FALSE(SilentAfterKexec(kexec + "[    0.000000] Linux version 6.1.0"));
  EXPECT_FALSE(SilentAfterKexec(kexec + "\x1b[2J"));
  // No kexec line: the stage-1 never got that far (another problem, not this one).
  EXPECT_FALSE(SilentAfterKexec(""));
  EXPECT_FALSE(SilentAfterKexec("kbisect: stage-1 init starting\n"));
  // Only what follows the last kexec line counts.
  EXPECT_TRUE(SilentAfterKexec(kexec + "[ 0.0] Linux version\n" + kexec));
  EXPECT_FALSE(SilentAfterKexec(kexec + kexec + "candidate: running\n"));
}

TEST(ConsoleJudge, PanickedAfterKexecIsThePanicBannerAfterTheLastKexecLine) {
  const std::string kexec = "kbisect: kexec into 6.1.0-main_0123456789ab_20261101_x86_64 (console=ttyS0)\n";
  const std::string panic = "[    2.1] Kernel panic - not syncing: VFS: Unable to mount root fs\n";
  EXPECT_TRUE(PanickedAfterKexec(kexec + "[    0.0] Linux version 6.1.0\n" + panic));
  EXPECT_TRUE(PanickedAfterKexec(kexec + "Kernel panic - not syncing: kbisect: planted panic"));
  // An Oops or a BUG alone may leave the OS up to run the reboot command.
  EXPECT_FALSE(PanickedAfterKexec(kexec + "Oops: 0002 [#1] SMP\nBUG: kernel NULL pointer dereference\n"));
  EXPECT_FALSE(PanickedAfterKexec(kexec + "candidate: running\n"));
  // The stage-1's own panic (before its kexec line), an earlier boot's, or no kexec at all.
  EXPECT_FALSE(PanickedAfterKexec(panic + kexec + "candidate: running\n"));
  EXPECT_FALSE(PanickedAfterKexec(panic));
  EXPECT_FALSE(PanickedAfterKexec(""));
}

TEST(ConsoleJudge, StateNames) {
  EXPECT_STREQ(StateName(State::kPass), "pass");
  EXPECT_STREQ(StateName(State::kHang), "hang");
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

TEST(ConsoleJudge, ATimeoutWithoutTheStage1sKexecLineIsNoStage1NotAHang) {
  ConsoleJudge j(Rules("PASS"));
  EXPECT_EQ(j.Feed("login: \n", 100), ConsoleJudge::State::kPending);
  EXPECT_EQ(j.Tick(160), ConsoleJudge::State::kNoStage1);
  EXPECT_EQ(j.Reason(), "no verdict on the console within 60 s, and it never showed the stage-1's "
                        "'kbisect: kexec into' line: the console is not this machine's, or not being captured");
  EXPECT_STREQ(StateName(j.state()), "no stage-1");
  JudgeRules r = Rules("PASS");
  r.silence_timeout = 10;
  ConsoleJudge quiet(r);
  EXPECT_EQ(quiet.Tick(0), ConsoleJudge::State::kPending);
  EXPECT_EQ(quiet.Tick(10), ConsoleJudge::State::kNoStage1) << "a console that says nothing at all";
}

}  // namespace
}  // namespace kb
