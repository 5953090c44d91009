#include "control/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace kb {
namespace {

// 40-hex ids: commit N is N in 4 hex digits, then "a"s ("0005aaaa...").
std::string Id(int n) {
  char buf[8];
  snprintf(buf, sizeof buf, "%04x", n);
  return buf + std::string(36, 'a');
}
int Num(const std::string& id) { return std::stoi(id.substr(0, 4), nullptr, 16); }

// Commits 1..n; commit 0 is the old end, outside the range.
Bisection Linear(int n) {
  CommitGraph g;
  for (int i = 1; i <= n; ++i) g.nodes.push_back({Id(i), i == 1 ? std::vector<int>{} : std::vector<int>{i - 2}});
  return Bisection(g, n - 1);
}

class FakeCandidates : public Candidates {
 public:
  // The test of commit N: good below `culprit` (above it in a reverse history).
  int culprit = 5;
  bool fixes = false;                   // commits >= culprit pass (a reverse bisection)
  std::map<int, Verdict> special;       // verdicts that override the rule
  std::map<int, std::vector<Verdict>> sequence;  // verdicts in turn (a flaky commit)
  int every = 0;        // > 0: commits >= culprit fail only on every every-th boot of them
  int every_count = 0;
  int machines = 1;
  std::map<int, int> dies_in_round;     // machine -> the round from which it stops answering
  std::vector<int> tested;
  std::vector<std::pair<int, int>> boots;  // (machine, commit)
  int rounds = 0;
  double now = 0, step_seconds = 60;

  int Machines() const override { return machines; }
  std::string MachineName(int m) const override { return "m" + std::to_string(m); }
  std::vector<StepResult> TestAll(const std::vector<Job>& jobs) override {
    ++rounds;
    now += step_seconds;
    std::vector<StepResult> out;
    for (const Job& j : jobs) {
      auto dies = dies_in_round.find(j.machine);
      if (dies != dies_in_round.end() && rounds >= dies->second) {
        StepResult r;
        r.machine_fault = true;
        r.why = "the power command failed: exit 1";
        out.push_back(r);
        continue;
      }
      out.push_back(One(Num(j.commit)));
      boots.push_back({j.machine, Num(j.commit)});
    }
    return out;
  }
  StepResult One(int n) {
    tested.push_back(n);
    StepResult r;
    auto seq = sequence.find(n);
    if (seq != sequence.end() && !seq->second.empty()) {
      r.verdict = seq->second.front();
      seq->second.erase(seq->second.begin());
    } else if (special.count(n)) {
      r.verdict = special[n];
    } else {
      bool at_or_after = n >= culprit;
      r.verdict = (at_or_after != fixes) ? Verdict::kBad : Verdict::kGood;
      if (every > 0 && at_or_after) r.verdict = ++every_count % every == 0 ? Verdict::kBad : Verdict::kGood;
    }
    r.why = VerdictName(r.verdict);
    if (r.verdict == Verdict::kAbort) r.why = "the server answered 500";
    return r;
  }
  std::string FirstParent(const std::string& commit) override { return Num(commit) > 0 ? Id(Num(commit) - 1) : ""; }
  std::map<int, std::string> code;  // a commit's kernel code ("" unknown)
  std::string KernelCode(const std::string& commit) override { return code[Num(commit)]; }
  double Now() override { return now; }
};

TEST(Engine, FindsTheCulpritAndReportsEachStep) {
  Bisection b = Linear(16);
  FakeCandidates c;
  std::vector<std::string> lines;
  RunReport r = RunBisection(b, c, {}, [&](const std::string& l) { lines.push_back(l); });
  ASSERT_EQ(r.outcome, RunReport::kFound) << r.why;
  EXPECT_EQ(r.culprit, Id(5));
  EXPECT_EQ(c.tested, (std::vector<int>{8, 4, 6, 5}));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "step 1: 0008aaaaaaaa bad (60.0 s): 7 commits left, about 3 steps (~3 min) to go");
  EXPECT_EQ(lines[3], "step 4: 0005aaaaaaaa bad (60.0 s): 0 commits left, about 0 steps (~0 s) to go");
  EXPECT_EQ(r.runs.size(), 4u);
  EXPECT_EQ(r.rounds, 4);
  EXPECT_EQ(r.verified, Verified::kNotChecked);
  EXPECT_EQ(r.sureness, "every commit's runs agreed (4 runs, at least 1 per commit)");
}

TEST(Engine, APoolOfThreeSplitsTheRangeInFourAndTakesTwoRoundsForSixteenCommits) {
  for (int culprit = 1; culprit <= 16; ++culprit) {
    Bisection b = Linear(16);
    FakeCandidates c;
    c.machines = 3;
    c.culprit = culprit;
    RunReport r = RunBisection(b, c, {}, nullptr);
    ASSERT_EQ(r.outcome, RunReport::kFound) << r.why;
    EXPECT_EQ(r.culprit, Id(culprit));
    EXPECT_EQ(r.rounds, 2) << "culprit " << culprit;
    // The first round cuts 16 commits in four: 4, 8 and 12, on three machines.
    const std::vector<std::pair<int, int>> first(c.boots.begin(), c.boots.begin() + 3),
        want = {{0, 4}, {1, 8}, {2, 12}};
    EXPECT_EQ(first, want);
  }
  // Two machines: thirds, three rounds; one machine: halves, four.
  for (int k : {1, 2}) {
    for (int culprit = 1; culprit <= 16; ++culprit) {
      Bisection b = Linear(16);
      FakeCandidates c;
      c.machines = k;
      c.culprit = culprit;
      RunReport r = RunBisection(b, c, {}, nullptr);
      ASSERT_EQ(r.culprit, Id(culprit));
      EXPECT_LE(r.rounds, k == 1 ? 4 : 3) << k << " machines, culprit " << culprit;
    }
  }
}

TEST(Engine, APoolRoundSaysWhatEachMachineRan) {
  Bisection b = Linear(16);
  FakeCandidates c;
  c.machines = 3;
  c.culprit = 6;
  std::vector<std::string> lines;
  RunReport r = RunBisection(b, c, {}, [&](const std::string& l) { lines.push_back(l); });
  ASSERT_EQ(r.outcome, RunReport::kFound);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "round 1: 0004aaaaaaaa good on m0, 0008aaaaaaaa bad on m1, 000caaaaaaaa bad on m2 (60.0 s): 3 commits left, "
            "about 1 round (~60 s) to go");
}

TEST(Engine, AMachineThatStopsAnsweringLeavesThePoolAndTheRunGoesOn) {
  Bisection b = Linear(16);
  FakeCandidates c;
  c.machines = 3;
  c.culprit = 6;
  c.dies_in_round[1] = 2;
  std::vector<std::string> lines;
  RunReport r = RunBisection(b, c, {}, [&](const std::string& l) { lines.push_back(l); });
  ASSERT_EQ(r.outcome, RunReport::kFound) << r.why;
  EXPECT_EQ(r.culprit, Id(6));
  EXPECT_EQ(r.dropped, (std::vector<std::string>{"m1: the power command failed: exit 1"}));
  EXPECT_NE(std::find(lines.begin(), lines.end(), "machine m1 is taken out of the pool: the power command failed: exit 1"),
            lines.end());
  for (const auto& [m, n] : c.boots) {
    if (m == 1) {
      EXPECT_EQ(n, 8);  // only its first boot counted
    }
  }
  // All of them gone: the run stops, saying where it stood.
  Bisection b2 = Linear(16);
  FakeCandidates dead;
  dead.machines = 2;
  dead.dies_in_round = {{0, 2}, {1, 2}};
  RunReport r2 = RunBisection(b2, dead, {}, nullptr);
  EXPECT_EQ(r2.outcome, RunReport::kAborted);
  EXPECT_EQ(r2.why, "no machine is left in the pool (2 taken out)");
  EXPECT_EQ(r2.left, 4);
}

TEST(Engine, AnAbortedStepStopsTheRunWithWhy) {
  Bisection b = Linear(16);
  FakeCandidates c;
  c.special[4] = Verdict::kAbort;
  RunReport r = RunBisection(b, c, {}, nullptr);
  EXPECT_EQ(r.outcome, RunReport::kAborted);
  EXPECT_EQ(r.why, Id(4).substr(0, 12) + " on m0: the server answered 500");
  EXPECT_EQ(c.tested, (std::vector<int>{8, 4}));
}

TEST(Engine, EveryRunIsToldForTheResumeLogAndAnAbortIsNot) {
  Bisection b = Linear(16);
  FakeCandidates c;
  c.special[6] = Verdict::kAbort;
  RunOptions o;
  std::vector<std::string> ran;
  o.ran = [&](const std::string& id, Ran x) { ran.push_back(ReplayLine(id, x)); };
  RunReport r = RunBisection(b, c, o, nullptr);
  EXPECT_EQ(r.outcome, RunReport::kAborted);
  EXPECT_EQ(ran, (std::vector<std::string>{ReplayLine(Id(8), Ran::kFail), ReplayLine(Id(4), Ran::kPass)}));
  // Resumed from those lines, the run tests only what was left.
  Bisection b2 = Linear(16);
  FakeCandidates c2;
  RunOptions o2;
  for (const std::string& l : ran) {
    std::pair<std::string, Ran> d;
    std::string why;
    ASSERT_TRUE(ParseReplayLine(l, false, &d, &why)) << why;
    o2.replay.push_back(d);
  }
  std::vector<std::string> lines;
  RunReport r2 = RunBisection(b2, c2, o2, [&](const std::string& l) { lines.push_back(l); });
  ASSERT_EQ(r2.outcome, RunReport::kFound) << r2.why;
  EXPECT_EQ(r2.culprit, Id(5));
  EXPECT_EQ(c2.tested, (std::vector<int>{6, 5}));
  EXPECT_EQ(lines[0], "resumed: 2 runs of 2 commits replayed");
}

TEST(Engine, ReverseFindsTheFix) {
  // Commits before 11 fail, from 11 on the test passes: which commit fixed it?
  Bisection b = Linear(16);
  FakeCandidates c;
  c.culprit = 11;
  c.fixes = true;
  RunOptions o;
  o.reverse = true;
  std::vector<std::string> lines;
  RunReport r = RunBisection(b, c, o, [&](const std::string& l) { lines.push_back(l); });
  ASSERT_EQ(r.outcome, RunReport::kFound) << r.why;
  EXPECT_EQ(r.culprit, Id(11));
  EXPECT_NE(lines[0].find(" bad ("), std::string::npos) << lines[0];  // 8 still fails: the old end's state
}

TEST(Engine, TermsNameTheVerdicts) {
  Bisection b = Linear(4);
  FakeCandidates c;
  c.culprit = 3;
  RunOptions o;
  o.term_old = "fast";
  o.term_new = "slow";
  std::vector<std::string> lines;
  RunReport r = RunBisection(b, c, o, [&](const std::string& l) { lines.push_back(l); });
  ASSERT_EQ(r.outcome, RunReport::kFound);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(lines[0].find(" fast (") != std::string::npos || lines[0].find(" slow (") != std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find(" good ("), std::string::npos);
}

TEST(Engine, CheckEndsTestsBothEndsFirst) {
  Bisection b = Linear(16);
  FakeCandidates c;
  RunOptions o;
  o.check_ends = true;
  o.old_end = Id(0);
  RunReport r = RunBisection(b, c, o, nullptr);
  ASSERT_EQ(r.outcome, RunReport::kFound);
  EXPECT_EQ(c.tested, (std::vector<int>{16, 0, 8, 4, 6, 5}));
  // A pool checks both at once.
  Bisection b2 = Linear(16);
  FakeCandidates pool;
  pool.machines = 2;
  RunReport r2 = RunBisection(b2, pool, o, nullptr);
  ASSERT_EQ(r2.outcome, RunReport::kFound);
  const std::vector<std::pair<int, int>> first(pool.boots.begin(), pool.boots.begin() + 2), want = {{0, 16}, {1, 0}};
  EXPECT_EQ(first, want);
}

TEST(Engine, CheckEndsStopsOnAWrongEndEitherWay) {
  {
    Bisection b = Linear(16);
    FakeCandidates c;
    c.culprit = 99;  // nothing fails: the bad end passes
    RunOptions o;
    o.check_ends = true;
    o.old_end = Id(0);
    RunReport r = RunBisection(b, c, o, nullptr);
    EXPECT_EQ(r.outcome, RunReport::kEndsWrong);
    EXPECT_EQ(r.why, "the bad end " + Id(16).substr(0, 12) + " is good (1 pass: good)");
    EXPECT_EQ(c.tested, (std::vector<int>{16}));  // one machine: the old end is not booted then
  }
  {
    Bisection b = Linear(16);
    FakeCandidates c;
    c.culprit = 0;  // everything fails: the good end too
    RunOptions o;
    o.check_ends = true;
    o.old_end = Id(0);
    RunReport r = RunBisection(b, c, o, nullptr);
    EXPECT_EQ(r.outcome, RunReport::kEndsWrong);
    EXPECT_EQ(r.why, "the good end " + Id(0).substr(0, 12) + " is bad (1 fail: bad)");
  }
}

TEST(Engine, DecideFollowsTheDocumentedRule) {
  auto counts = [](int pass, int fail, int hang, int skip) { return Counts{pass, fail, hang, skip}; };
  int more = 0;
  const FlakyRule any = FlakyRule::kAnyFailure, maj = FlakyRule::kMajority;
  EXPECT_EQ(Decide(counts(0, 0, 0, 0), 1, 3, any, false, &more), Decision::kOpen);
  EXPECT_EQ(more, 1);
  EXPECT_EQ(Decide(counts(1, 0, 0, 0), 1, 3, any, false), Decision::kGood);
  EXPECT_EQ(Decide(counts(0, 0, 1, 0), 1, 3, any, false), Decision::kBad);  // a hang is a failure
  EXPECT_EQ(Decide(counts(0, 0, 0, 1), 1, 3, any, false), Decision::kSkip);
  EXPECT_EQ(Decide(counts(2, 0, 0, 0), 3, 9, any, false, &more), Decision::kOpen);
  EXPECT_EQ(more, 1);
  // Flaky: run to max_runs, then any failure is bad, or the majority.
  EXPECT_EQ(Decide(counts(2, 1, 0, 0), 3, 9, any, true, &more), Decision::kOpen);
  EXPECT_EQ(more, 6);
  EXPECT_EQ(Decide(counts(8, 1, 0, 0), 3, 9, any, true), Decision::kBad);
  EXPECT_EQ(Decide(counts(8, 1, 0, 0), 3, 9, maj, true), Decision::kGood);
  EXPECT_EQ(Decide(counts(3, 6, 0, 0), 3, 9, maj, true), Decision::kBad);
  EXPECT_EQ(Decide(counts(2, 2, 0, 0), 2, 4, maj, true), Decision::kSkip);  // a tie
  // All passing, once the regression has shown flaky: max_runs passes (any), runs (majority).
  EXPECT_EQ(Decide(counts(3, 0, 0, 0), 3, 9, any, true, &more), Decision::kOpen);
  EXPECT_EQ(more, 6);
  EXPECT_EQ(Decide(counts(9, 0, 0, 0), 3, 9, any, true), Decision::kGood);
  EXPECT_EQ(Decide(counts(3, 0, 0, 0), 3, 9, maj, true), Decision::kGood);
}

TEST(Engine, RepeatIsRunsEqualToMaxRunsAFailureEndsACommitsRuns) {
  // --repeat 3: runs = max_runs = 3, as ktest's BISECT_TRIES.
  Bisection b = Linear(16);
  FakeCandidates c;
  c.culprit = 6;
  c.sequence[6] = {Verdict::kGood, Verdict::kBad};  // its test fails only sometimes
  RunOptions o;
  o.runs = 3;
  o.max_runs = 3;
  RunReport r = RunBisection(b, c, o, nullptr);
  ASSERT_EQ(r.outcome, RunReport::kFound) << r.why;
  EXPECT_EQ(r.culprit, Id(6));
  EXPECT_EQ(std::count(c.tested.begin(), c.tested.end(), 8), 1);  // a failure ends its runs
  EXPECT_EQ(std::count(c.tested.begin(), c.tested.end(), 6), 2);
  EXPECT_EQ(std::count(c.tested.begin(), c.tested.end(), 4), 3);  // a pass needs all three
  EXPECT_EQ(std::count(c.tested.begin(), c.tested.end(), 5), 3);
}

TEST(Engine, ACommitWhoseRunsKeepComingBackSkippedIsDecidedFromWhatItHas) {
  // 4 passes once, then every boot asks for a skip: after max_runs attempts its
  // one pass decides (no endless re-queueing).
  Bisection b = Linear(16);
  FakeCandidates c;
  c.sequence[4] = {Verdict::kGood, Verdict::kSkip, Verdict::kSkip, Verdict::kSkip, Verdict::kSkip, Verdict::kSkip};
  RunOptions o;
  o.runs = 2;
  o.max_runs = 4;
  RunReport r = RunBisection(b, c, o, nullptr);
  ASSERT_EQ(r.outcome, RunReport::kFound) << r.why;
  EXPECT_EQ(r.culprit, Id(5));
  EXPECT_EQ(std::count(c.tested.begin(), c.tested.end(), 4), 4);
}

TEST(Engine, AnIntermittentRegressionIsFoundWithItsCountsAndHowSure) {
  // From commit 9 on the kernel fails one boot in three; three runs a commit.
  Bisection b = Linear(16);
  FakeCandidates c;
  c.culprit = 9;
  c.every = 3;
  RunOptions o;
  o.runs = 3;
  o.max_runs = 6;
  o.verify = true;
  RunReport r = RunBisection(b, c, o, nullptr);
  ASSERT_EQ(r.outcome, RunReport::kFound) << r.why;
  EXPECT_EQ(r.culprit, Id(9));
  EXPECT_EQ(r.verified, Verified::kYes);
  EXPECT_TRUE(r.counts[Id(9)].Flaky()) << r.counts[Id(9)].Text();
  // The parent passed max_runs runs (at least) before it was called good.
  EXPECT_GE(r.counts[Id(8)].pass, 6);
  EXPECT_EQ(r.counts[Id(8)].Bad(), 0);
  EXPECT_NE(r.sureness.find("the regression is intermittent: it showed in "), std::string::npos) << r.sureness;
  EXPECT_NE(r.sureness.find("confidence"), std::string::npos) << r.sureness;
}

TEST(Engine, ACommitWhoseRunsDisagreeIsRunToMaxRunsAndTheRuleDecides) {
  // Commit 8 fails once in its first three runs; without the regression (the
  // culprit is 11) its other runs pass: a flaky test. Any failure: 8 is bad; by
  // majority it is good and the culprit is 11.
  for (FlakyRule rule : {FlakyRule::kAnyFailure, FlakyRule::kMajority}) {
    Bisection b = Linear(16);
    FakeCandidates c;
    c.culprit = 11;
    c.sequence[8] = {Verdict::kGood, Verdict::kBad, Verdict::kGood};
    RunOptions o;
    o.runs = 3;
    o.max_runs = 5;
    o.rule = rule;
    RunReport r = RunBisection(b, c, o, nullptr);
    ASSERT_EQ(r.outcome, RunReport::kFound) << r.why;
    EXPECT_EQ(r.counts[Id(8)].Runs(), 5);
    EXPECT_EQ(r.culprit, rule == FlakyRule::kMajority ? Id(11) : Id(8));
  }
}

TEST(Engine, VerdictsThatContradictAreRunAgainAndSaidWhenTheyStillDo) {
  // Three machines: 4 fails once (a false failure), 8 passes, 12 fails: 4 bad
  // and 8 good cannot both hold.
  for (FlakyRule rule : {FlakyRule::kAnyFailure, FlakyRule::kMajority}) {
    Bisection b = Linear(16);
    FakeCandidates c;
    c.machines = 3;
    c.culprit = 10;
    c.sequence[4] = {Verdict::kBad};
    RunOptions o;
    o.rule = rule;
    std::vector<std::string> lines;
    RunReport r = RunBisection(b, c, o, [&](const std::string& l) { lines.push_back(l); });
    EXPECT_NE(std::find(lines.begin(), lines.end(),
                        "contradiction: 0008aaaaaaaa good contains 0004aaaaaaaa bad: running them again"),
              lines.end());
    if (rule == FlakyRule::kMajority) {
      // 4 is run again, passes, and is good by majority: the answer is right.
      ASSERT_EQ(r.outcome, RunReport::kFound) << r.why;
      EXPECT_EQ(r.culprit, Id(10));
    } else {
      // The failure stands; 8 passes every run: no answer, and why.
      EXPECT_EQ(r.outcome, RunReport::kContradiction);
      EXPECT_EQ(r.why, "0008aaaaaaaa is good (3 pass) but it contains 0004aaaaaaaa, which is bad (1 fail): the test "
                       "fails without the regression too? (--flaky majority)");
    }
  }
}

TEST(Engine, TheCulpritsCheckRunsOnTwoMachinesAndMovesTheBisectionWhenItDisagrees) {
  {
    Bisection b = Linear(16);
    FakeCandidates c;
    c.machines = 2;
    RunOptions o;
    o.verify = true;
    RunReport r = RunBisection(b, c, o, nullptr);
    ASSERT_EQ(r.outcome, RunReport::kFound);
    EXPECT_EQ(r.verified, Verified::kYes);
    std::vector<RunRecord> check;
    for (const RunRecord& x : r.runs)
      if (x.phase == "check") check.push_back(x);
    ASSERT_EQ(check.size(), 2u);
    EXPECT_EQ(Num(check[0].commit), 5);
    EXPECT_EQ(Num(check[1].commit), 4);
    EXPECT_NE(check[0].machine, check[1].machine);
  }
  {
    // 5 fails once by chance (the culprit is 6); by majority the check's passes
    // make it good again, and the bisection goes on to 6.
    Bisection b = Linear(16);
    FakeCandidates c;
    c.culprit = 6;
    c.sequence[5] = {Verdict::kBad};
    RunOptions o;
    o.verify = true;
    o.rule = FlakyRule::kMajority;
    std::vector<std::string> lines;
    RunReport r = RunBisection(b, c, o, [&](const std::string& l) { lines.push_back(l); });
    ASSERT_EQ(r.outcome, RunReport::kFound) << r.why;
    EXPECT_EQ(r.culprit, Id(6));
    EXPECT_EQ(r.verified, Verified::kYes);
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
      return l.find("the check changed a verdict") != std::string::npos;
    }));
  }
  {
    // The parent fails too, and it is the good end: nothing to go on with.
    CommitGraph g;
    for (int i = 1; i <= 4; ++i) g.nodes.push_back({Id(i), i == 1 ? std::vector<int>{} : std::vector<int>{i - 2}});
    Bisection b(g, 3);
    FakeCandidates c;
    c.culprit = 1;
    c.special[0] = Verdict::kBad;
    RunOptions o;
    o.verify = true;
    RunReport r = RunBisection(b, c, o, nullptr);
    ASSERT_EQ(r.outcome, RunReport::kFound);
    EXPECT_EQ(r.VerifiedText(), "no (the culprit is bad, its parent bad: the good end itself is not good)");
  }
}

TEST(Engine, ACulpritWhoseKernelIsItsParentsIsRejectedAndTheSearchGoesOn) {
  // 5 has the regression, which shows only sometimes; 6 changes nothing built
  // (its kernel is 5's). 5 passes its first runs, 6 fails: 6 looks like the
  // culprit, and its parent 5 passes the check too.
  Bisection b = Linear(16);
  FakeCandidates c;
  c.culprit = 5;
  c.sequence[5] = {Verdict::kGood, Verdict::kGood, Verdict::kGood};
  c.code = {{4, "k4"}, {5, "k5"}, {6, "k5"}};
  RunOptions o;
  o.verify = true;
  std::vector<std::string> lines;
  RunReport r = RunBisection(b, c, o, [&](const std::string& l) { lines.push_back(l); });
  ASSERT_EQ(r.outcome, RunReport::kFound) << r.why;
  EXPECT_EQ(r.culprit, Id(5));
  EXPECT_EQ(r.verified, Verified::kYes);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0], Id(6) + " (its kernel is its parent's: code k5)");
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.rfind("check: 0006aaaaaaaa and its parent 0005aaaaaaaa have identical kernels: it cannot be the culprit", 0) == 0;
  }));
  // Without the codes, the same runs name 6 and the check cannot tell.
  Bisection b2 = Linear(16);
  FakeCandidates blind;
  blind.culprit = 5;
  blind.sequence[5] = {Verdict::kGood, Verdict::kGood, Verdict::kGood};
  RunReport r2 = RunBisection(b2, blind, o, nullptr);
  EXPECT_EQ(r2.culprit, Id(6));
  EXPECT_TRUE(r2.rejected.empty());
}

TEST(Engine, SkipsNextToTheCulpritLeaveSuspects) {
  Bisection b = Linear(16);
  FakeCandidates c;
  c.special[4] = Verdict::kSkip;
  RunReport r = RunBisection(b, c, {}, nullptr);
  EXPECT_EQ(r.outcome, RunReport::kOnlySkipped);
  EXPECT_EQ(r.suspects, (std::vector<std::string>{Id(4), Id(5)}));
  EXPECT_EQ(r.why, "only skipped commits are left: the first bad commit is one of them");
}

TEST(Engine, ResumeReplaysRunsWithoutTestingThem) {
  Bisection b = Linear(16);
  FakeCandidates c;
  RunOptions o;
  o.replay = {{Id(8), Ran::kFail}, {Id(4), Ran::kPass}};
  RunReport r = RunBisection(b, c, o, nullptr);
  ASSERT_EQ(r.outcome, RunReport::kFound);
  EXPECT_EQ(r.culprit, Id(5));
  EXPECT_EQ(c.tested, (std::vector<int>{6, 5}));
  // A commit outside the range is refused before anything runs.
  Bisection b2 = Linear(16);
  FakeCandidates c2;
  RunOptions o2;
  o2.replay = {{Id(99), Ran::kFail}};
  RunReport r2 = RunBisection(b2, c2, o2, nullptr);
  EXPECT_EQ(r2.outcome, RunReport::kAborted);
  EXPECT_EQ(r2.why, "resume: commit " + Id(99) + " is not in the range");
  EXPECT_TRUE(c2.tested.empty());
}

TEST(Engine, ReplayLinesRoundTripAndBadOnesAreRefused) {
  std::pair<std::string, Ran> got;
  std::string why;
  ASSERT_TRUE(ParseReplayLine(ReplayLine(Id(7), Ran::kHang), false, &got, &why)) << why;
  EXPECT_EQ(got.first, Id(7));
  EXPECT_EQ(got.second, Ran::kHang);
  // A decided commit of an older log: old and new in the bisection's terms.
  ASSERT_TRUE(ParseReplayLine(Id(7) + " new", false, &got, &why));
  EXPECT_EQ(got.second, Ran::kFail);
  ASSERT_TRUE(ParseReplayLine(Id(7) + " new", true, &got, &why));
  EXPECT_EQ(got.second, Ran::kPass);
  EXPECT_FALSE(ParseReplayLine("abc fail", false, &got, &why));
  EXPECT_EQ(why, "not a full commit id: abc");
  EXPECT_FALSE(ParseReplayLine(Id(7) + " maybe", false, &got, &why));
  EXPECT_EQ(why, "not pass, fail, hang or skip: maybe");
  EXPECT_FALSE(ParseReplayLine(Id(7), false, &got, &why));
  EXPECT_FALSE(ParseReplayLine(Id(7) + " fail extra", false, &got, &why));
  EXPECT_FALSE(ParseReplayLine(" fail", false, &got, &why));
  EXPECT_FALSE(ParseReplayLine(std::string(40, 'G') + " fail", false, &got, &why));
}

TEST(Engine, BadInputIsRefusedBeforeAnyTest) {
  CommitGraph cycle;
  cycle.nodes = {{Id(1), {1}}, {Id(2), {0}}};
  Bisection b(cycle, 1);
  FakeCandidates c;
  EXPECT_EQ(RunBisection(b, c, {}, nullptr).why, "the commits' parents form a cycle");
  Bisection ok = Linear(4);
  RunOptions o;
  o.runs = 0;
  EXPECT_EQ(RunBisection(ok, c, o, nullptr).why, "runs must be at least 1");
  o.runs = 3;
  o.max_runs = 2;
  EXPECT_EQ(RunBisection(ok, c, o, nullptr).why, "max-runs must be at least runs");
  FakeCandidates none;
  none.machines = 0;
  EXPECT_EQ(RunBisection(ok, none, {}, nullptr).why, "no machine to test on");
  EXPECT_TRUE(c.tested.empty());
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

TEST(Terms, DefaultsReversedAndNamed) {
  EXPECT_EQ(TermsOf("", "", false).old_name, "good");
  EXPECT_EQ(TermsOf("", "", false).new_name, "bad");
  EXPECT_EQ(TermsOf("", "", true).old_name, "bad");
  EXPECT_EQ(TermsOf("", "", true).new_name, "good");
  EXPECT_EQ(TermsOf("fast", "slow", true).old_name, "fast");
  EXPECT_EQ(TermsOf("fast", "", false).new_name, "bad");
}

TEST(Verified, TextForTheLogAndTheReport) {
  RunReport r;
  EXPECT_EQ(r.VerifiedText(), "");
  r.verified = Verified::kYes;
  EXPECT_EQ(r.VerifiedText(), "yes");
  r.verified = Verified::kNo;
  r.verified_why = "the culprit is good";
  EXPECT_EQ(r.VerifiedText(), "no (the culprit is good)");
}

}  // namespace
}  // namespace kb
