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
  std::vector<int> tested;
  double now = 0, step_seconds = 60;

  StepResult Test(const std::string& commit) override {
    int n = Num(commit);
    tested.push_back(n);
    now += step_seconds;
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
    }
    r.why = VerdictName(r.verdict);
    if (r.verdict == Verdict::kAbort) r.why = "the server answered 500";
    return r;
  }
  std::string FirstParent(const std::string& commit) override { return Num(commit) > 0 ? Id(Num(commit) - 1) : ""; }
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
  EXPECT_EQ(r.steps.size(), 4u);
  EXPECT_EQ(r.verified, "");
}

TEST(Engine, AnAbortedStepStopsTheRunWithWhy) {
  Bisection b = Linear(16);
  FakeCandidates c;
  c.special[4] = Verdict::kAbort;
  RunReport r = RunBisection(b, c, {}, nullptr);
  EXPECT_EQ(r.outcome, RunReport::kAborted);
  EXPECT_EQ(r.why, Id(4).substr(0, 12) + ": the server answered 500");
  EXPECT_EQ(c.tested, (std::vector<int>{8, 4}));
}

TEST(Engine, EveryDecidedCommitIsToldForTheResumeLogAndAnAbortIsNot) {
  Bisection b = Linear(16);
  FakeCandidates c;
  c.special[6] = Verdict::kAbort;
  RunOptions o;
  std::vector<std::string> decided;
  o.decided = [&](const std::string& id, Mark m) { decided.push_back(ReplayLine(id, m)); };
  RunReport r = RunBisection(b, c, o, nullptr);
  EXPECT_EQ(r.outcome, RunReport::kAborted);
  EXPECT_EQ(decided, (std::vector<std::string>{ReplayLine(Id(8), Mark::kNew), ReplayLine(Id(4), Mark::kOld)}));
  // Resumed from those lines, the run tests only what was left.
  Bisection b2 = Linear(16);
  FakeCandidates c2;
  RunOptions o2;
  for (const std::string& l : decided) {
    std::pair<std::string, Mark> d;
    std::string why;
    ASSERT_TRUE(ParseReplayLine(l, &d, &why)) << why;
    o2.replay.push_back(d);
  }
  RunReport r2 = RunBisection(b2, c2, o2, nullptr);
  ASSERT_EQ(r2.outcome, RunReport::kFound) << r2.why;
  EXPECT_EQ(r2.culprit, Id(5));
  EXPECT_EQ(c2.tested, (std::vector<int>{6, 5}));
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
    EXPECT_EQ(r.why, "the bad end " + Id(16).substr(0, 12) + " is good: good");
    EXPECT_EQ(c.tested, (std::vector<int>{16}));
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
    EXPECT_EQ(r.why, "the good end " + Id(0).substr(0, 12) + " is bad: bad");
  }
}

TEST(Engine, RepeatCallsACommitGoodOnlyIfEveryRunPasses) {
  {
    Bisection b = Linear(16);
    FakeCandidates c;
    RunOptions o;
    o.repeat = 3;
    RunReport r = RunBisection(b, c, o, nullptr);
    ASSERT_EQ(r.outcome, RunReport::kFound);
    EXPECT_EQ(r.culprit, Id(5));
    EXPECT_EQ(std::count(c.tested.begin(), c.tested.end(), 8), 1);  // a failure stops its repeats
    EXPECT_EQ(std::count(c.tested.begin(), c.tested.end(), 4), 3);  // a pass needs all three
  }
  {
    // Commit 8 broke it, but its test fails only one time in three (flaky).
    Bisection b = Linear(16);
    FakeCandidates c;
    c.culprit = 9;
    c.sequence[8] = {Verdict::kGood, Verdict::kGood, Verdict::kBad};
    RunOptions o;
    o.repeat = 3;
    RunReport r = RunBisection(b, c, o, nullptr);
    ASSERT_EQ(r.outcome, RunReport::kFound);
    EXPECT_EQ(r.culprit, Id(8));
  }
}

TEST(Engine, VerifyTestsTheCulpritAndItsParentWithTheRepeats) {
  Bisection b = Linear(16);
  FakeCandidates c;
  RunOptions o;
  o.verify = true;
  o.repeat = 2;
  RunReport r = RunBisection(b, c, o, nullptr);
  ASSERT_EQ(r.outcome, RunReport::kFound);
  EXPECT_EQ(r.verified, "yes");
  // The parent (4) twice in the bisection and twice more at the end.
  EXPECT_EQ(std::count(c.tested.begin(), c.tested.end(), 4), 4);
  Bisection b2 = Linear(16);
  FakeCandidates flaky;
  flaky.sequence[5] = {Verdict::kBad, Verdict::kGood, Verdict::kGood};  // bad once, then passes
  RunReport r2 = RunBisection(b2, flaky, o, nullptr);
  ASSERT_EQ(r2.outcome, RunReport::kFound);
  EXPECT_EQ(r2.verified, "no (the culprit is good, its parent good)");
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

TEST(Engine, ResumeReplaysDecidedCommitsWithoutTestingThem) {
  Bisection b = Linear(16);
  FakeCandidates c;
  RunOptions o;
  o.replay = {{Id(8), Mark::kNew}, {Id(4), Mark::kOld}};
  std::vector<std::string> lines;
  RunReport r = RunBisection(b, c, o, [&](const std::string& l) { lines.push_back(l); });
  ASSERT_EQ(r.outcome, RunReport::kFound);
  EXPECT_EQ(r.culprit, Id(5));
  EXPECT_EQ(c.tested, (std::vector<int>{6, 5}));
  EXPECT_EQ(lines[0], "resumed: 2 decided commits replayed, 3 left");
}

TEST(Engine, AResumeLogThatDoesNotFitIsRefused) {
  {
    Bisection b = Linear(16);
    FakeCandidates c;
    RunOptions o;
    o.replay = {{Id(99), Mark::kNew}};
    RunReport r = RunBisection(b, c, o, nullptr);
    EXPECT_EQ(r.outcome, RunReport::kAborted);
    EXPECT_EQ(r.why, "resume: commit " + Id(99) + " is not in the range");
    EXPECT_TRUE(c.tested.empty());
  }
  {
    Bisection b = Linear(16);
    FakeCandidates c;
    RunOptions o;
    o.replay = {{Id(8), Mark::kOld}, {Id(3), Mark::kNew}};  // 3 is decided by 8 old
    RunReport r = RunBisection(b, c, o, nullptr);
    EXPECT_EQ(r.outcome, RunReport::kAborted);
    EXPECT_EQ(r.why.rfind("resume: commit " + Id(3) + " is no longer in the range", 0), 0u) << r.why;
  }
}

TEST(Engine, ReplayLinesRoundTripAndBadOnesAreRefused) {
  std::pair<std::string, Mark> got;
  std::string why;
  ASSERT_TRUE(ParseReplayLine(ReplayLine(Id(7), Mark::kSkip), &got, &why)) << why;
  EXPECT_EQ(got.first, Id(7));
  EXPECT_EQ(got.second, Mark::kSkip);
  EXPECT_FALSE(ParseReplayLine("abc new", &got, &why));
  EXPECT_EQ(why, "not a full commit id: abc");
  EXPECT_FALSE(ParseReplayLine(Id(7) + " maybe", &got, &why));
  EXPECT_EQ(why, "not old, new or skip: maybe");
  EXPECT_FALSE(ParseReplayLine(Id(7), &got, &why));
  EXPECT_FALSE(ParseReplayLine(Id(7) + " new extra", &got, &why));
  EXPECT_FALSE(ParseReplayLine(" new", &got, &why));
  EXPECT_FALSE(ParseReplayLine(std::string(40, 'G') + " new", &got, &why));
}

TEST(Engine, BadInputIsRefusedBeforeAnyTest) {
  CommitGraph cycle;
  cycle.nodes = {{Id(1), {1}}, {Id(2), {0}}};
  Bisection b(cycle, 1);
  FakeCandidates c;
  EXPECT_EQ(RunBisection(b, c, {}, nullptr).why, "the commits' parents form a cycle");
  Bisection ok = Linear(4);
  RunOptions o;
  o.repeat = 0;
  EXPECT_EQ(RunBisection(ok, c, o, nullptr).why, "repeat must be at least 1");
  EXPECT_TRUE(c.tested.empty());
}

}  // namespace
}  // namespace kb
