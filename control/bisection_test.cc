#include "control/bisection.h"

#include <gtest/gtest.h>

#include <functional>

namespace kb {
namespace {

// c1..cN, each the parent of the next (c0, the old end, is outside the range).
CommitGraph Linear(int n) {
  CommitGraph g;
  for (int i = 1; i <= n; ++i) g.nodes.push_back({"c" + std::to_string(i), i == 1 ? std::vector<int>{} : std::vector<int>{i - 2}});
  return g;
}

struct Outcome {
  Bisection::Next last;
  std::vector<std::string> tested;
};

// Bisects with `verdict` deciding each tested commit; at most 64 steps.
Outcome Bisect(Bisection& b, const std::function<Mark(const std::string&)>& verdict) {
  Outcome o;
  for (int i = 0; i < 64; ++i) {
    o.last = b.Step();
    if (o.last.kind != Bisection::Next::kTest) return o;
    const std::string& id = b.Graph().nodes[o.last.commit].id;
    o.tested.push_back(id);
    std::string why;
    EXPECT_TRUE(b.Record(o.last.commit, verdict(id), &why)) << why;
  }
  ADD_FAILURE() << "no end after 64 steps";
  return o;
}

int Num(const std::string& id) { return std::stoi(id.substr(1)); }

TEST(Bisection, FirstStepHalvesALinearRange) {
  Bisection b(Linear(16), 15);
  ASSERT_EQ(b.Error(), "");
  EXPECT_EQ(b.Open(), 15);
  EXPECT_EQ(b.StepsLeft(), 4);
  Bisection::Next n = b.Step();
  ASSERT_EQ(n.kind, Bisection::Next::kTest);
  EXPECT_EQ(b.Graph().nodes[n.commit].id, "c8");
}

TEST(Bisection, FindsEveryCulpritOfALinearRangeInLog2Steps) {
  for (int culprit = 1; culprit <= 16; ++culprit) {
    Bisection b(Linear(16), 15);
    Outcome o = Bisect(b, [&](const std::string& id) { return Num(id) >= culprit ? Mark::kNew : Mark::kOld; });
    ASSERT_EQ(o.last.kind, Bisection::Next::kDone) << culprit;
    EXPECT_EQ(b.Graph().nodes[o.last.commit].id, "c" + std::to_string(culprit));
    EXPECT_LE(o.tested.size(), 4u) << culprit;
    EXPECT_EQ(b.Open(), 0);
  }
}

TEST(Bisection, TheSameVisitsAsTheDiskHistory) {
  // tests/bisect/make-history disk: 5 breaks, 6 hangs and 8 panics (both new).
  Bisection b(Linear(16), 15);
  Outcome o = Bisect(b, [](const std::string& id) { return Num(id) >= 5 ? Mark::kNew : Mark::kOld; });
  EXPECT_EQ(o.tested, (std::vector<std::string>{"c8", "c4", "c6", "c5"}));
}

// A merge: m (the new end) merges a side branch s1-s2 into the main line a1-a2.
//   a1 - a2 ------ m
//    \            /
//     s1 ----- s2
CommitGraph Merge() {
  CommitGraph g;
  g.nodes = {{"a1", {}}, {"a2", {0}}, {"s1", {0}}, {"s2", {2}}, {"m", {1, 3}}};
  return g;
}

TEST(Bisection, FindsACulpritOnAMergedBranch) {
  Bisection b(Merge(), 4);
  // s2 broke it: new are s2 and m (the commits that contain s2).
  Outcome o = Bisect(b, [](const std::string& id) { return id == "s2" || id == "m" ? Mark::kNew : Mark::kOld; });
  ASSERT_EQ(o.last.kind, Bisection::Next::kDone);
  EXPECT_EQ(b.Graph().nodes[o.last.commit].id, "s2");
}

TEST(Bisection, TheMergeItselfCanBeTheCulprit) {
  Bisection b(Merge(), 4);
  Outcome o = Bisect(b, [](const std::string& id) { return id == "m" ? Mark::kNew : Mark::kOld; });
  ASSERT_EQ(o.last.kind, Bisection::Next::kDone);
  EXPECT_EQ(b.Graph().nodes[o.last.commit].id, "m");
}

TEST(Bisection, ASkipAwayFromTheCulpritCostsAStepNotTheAnswer) {
  Bisection b(Linear(16), 15);
  Outcome o = Bisect(b, [](const std::string& id) {
    if (id == "c8") return Mark::kSkip;
    return Num(id) >= 11 ? Mark::kNew : Mark::kOld;
  });
  ASSERT_EQ(o.last.kind, Bisection::Next::kDone);
  EXPECT_EQ(b.Graph().nodes[o.last.commit].id, "c11");
  EXPECT_EQ(o.tested.front(), "c8");
  EXPECT_NE(o.tested[1], "c8");
}

TEST(Bisection, ASkipNextToTheCulpritNamesBothAsSuspects) {
  Bisection b(Linear(16), 15);
  Outcome o = Bisect(b, [](const std::string& id) {
    if (id == "c4") return Mark::kSkip;
    return Num(id) >= 5 ? Mark::kNew : Mark::kOld;
  });
  ASSERT_EQ(o.last.kind, Bisection::Next::kOnlySkipped);
  std::vector<std::string> suspects;
  for (int s : o.last.suspects) suspects.push_back(b.Graph().nodes[s].id);
  EXPECT_EQ(suspects, (std::vector<std::string>{"c4", "c5"}));
}

TEST(Bisection, EverythingSkippedLeavesTheWholeRangeSuspect) {
  Bisection b(Linear(3), 2);
  Outcome o = Bisect(b, [](const std::string&) { return Mark::kSkip; });
  ASSERT_EQ(o.last.kind, Bisection::Next::kOnlySkipped);
  EXPECT_EQ(o.last.suspects, (std::vector<int>{0, 1, 2}));
}

TEST(Bisection, VerdictsThatTheRangeAlreadyDecidesAreRefused) {
  Bisection b(Linear(16), 15);
  std::string why;
  ASSERT_TRUE(b.Record(7, Mark::kOld, &why)) << why;  // c8 old: c1..c8 decided
  EXPECT_FALSE(b.Record(2, Mark::kNew, &why));
  EXPECT_EQ(why, "commit c3 is no longer in the range: the verdicts so far decide it");
  EXPECT_FALSE(b.Record(15, Mark::kOld, &why));
  EXPECT_EQ(why, "commit c16 is the new end: it cannot be old");
  EXPECT_FALSE(b.Record(15, Mark::kSkip, &why));
  EXPECT_FALSE(b.Record(16, Mark::kOld, &why));
  EXPECT_EQ(why, "no such commit in the range");
  EXPECT_FALSE(b.Record(-1, Mark::kNew, &why));
  ASSERT_TRUE(b.Record(11, Mark::kNew, &why)) << why;  // c12 new: c13..c16 decided
  EXPECT_FALSE(b.Record(13, Mark::kOld, &why));
  EXPECT_EQ(b.Open(), 3);  // c9, c10, c11
  EXPECT_EQ(b.StepsLeft(), 2);
}

TEST(Bisection, BusyCommitsAreNotChosenAgain) {
  Bisection b(Linear(16), 15);
  std::set<int> busy;
  std::vector<std::string> chosen;
  for (int i = 0; i < 15; ++i) {
    Bisection::Next n = b.Step(busy);
    ASSERT_EQ(n.kind, Bisection::Next::kTest);
    busy.insert(n.commit);
    chosen.push_back(b.Graph().nodes[n.commit].id);
  }
  EXPECT_EQ(chosen[0], "c8");
  EXPECT_EQ(b.Step(busy).kind, Bisection::Next::kBusy);
  std::string why;
  ASSERT_TRUE(b.Record(7, Mark::kNew, &why)) << why;
  busy.erase(7);
  // c1..c7 are left, all busy: still waiting for them.
  EXPECT_EQ(b.Step(busy).kind, Bisection::Next::kBusy);
}

TEST(Bisection, BadGraphsAreRefusedWithWhy) {
  CommitGraph cycle;
  cycle.nodes = {{"a", {1}}, {"b", {0}}};
  EXPECT_EQ(Bisection(cycle, 1).Error(), "the commits' parents form a cycle");
  CommitGraph twice;
  twice.nodes = {{"a", {}}, {"a", {0}}};
  EXPECT_EQ(Bisection(twice, 1).Error(), "commit a is in the range twice");
  CommitGraph outside;
  outside.nodes = {{"a", {5}}};
  EXPECT_EQ(Bisection(outside, 0).Error(), "commit a has a parent outside the range's list");
  CommitGraph self;
  self.nodes = {{"a", {0}}};
  EXPECT_NE(Bisection(self, 0).Error(), "");
  CommitGraph unnamed;
  unnamed.nodes = {{"", {}}};
  EXPECT_EQ(Bisection(unnamed, 0).Error(), "commit #0 has no id");
  EXPECT_EQ(Bisection(Linear(3), 3).Error(), "the new end is not in the range");
  Bisection bad(cycle, 1);
  std::string why;
  EXPECT_FALSE(bad.Record(0, Mark::kOld, &why));
  EXPECT_EQ(why, "the commits' parents form a cycle");
}

TEST(Bisection, ARangeOfOneIsDoneAtOnce) {
  Bisection b(Linear(1), 0);
  Bisection::Next n = b.Step();
  EXPECT_EQ(n.kind, Bisection::Next::kDone);
  EXPECT_EQ(n.commit, 0);
  EXPECT_EQ(b.StepsLeft(), 0);
}

TEST(Bisection, ALongHistoryStaysFast) {
  // 5,000 commits in a line, the culprit near the old end: 13 steps.
  Bisection b(Linear(5000), 4999);
  Outcome o = Bisect(b, [](const std::string& id) { return Num(id) >= 17 ? Mark::kNew : Mark::kOld; });
  ASSERT_EQ(o.last.kind, Bisection::Next::kDone);
  EXPECT_EQ(b.Graph().nodes[o.last.commit].id, "c17");
  EXPECT_LE(o.tested.size(), 13u);
}

}  // namespace
}  // namespace kb
