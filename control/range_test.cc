#include "control/range.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace kb {
namespace {

int Sh(const std::string& cmd) { return system(("set -e; " + cmd + " >/dev/null 2>&1").c_str()); }

class Repo : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kbisect-range.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // base - one - two ------ merge - after
    //          \             /
    //           side1 - side2
    ASSERT_EQ(Sh("cd " + dir_ + " && git init -q -b main . && git config user.email t@t && git config user.name t"
                 " && echo 0 > f && git add f && git commit -qm base && git tag base"
                 " && echo 1 > f && git commit -qam one"
                 " && git checkout -qb side && echo s > s && git add s && git commit -qm side1"
                 " && echo s2 > s && git commit -qam side2"
                 " && git checkout -q main && echo 2 > f && git commit -qam two"
                 " && git merge -q --no-edit side -m merge && echo 3 > f && git commit -qam after"),
              0);
    std::string err;
    ASSERT_TRUE(git_.Open(dir_, &err)) << err;
  }
  void TearDown() override { Sh("rm -rf " + dir_); }
  std::string Sha(const std::string& rev) {
    std::string sha, err;
    EXPECT_TRUE(git_.Resolve(rev, &sha, &err)) << err;
    return sha;
  }
  std::string dir_;
  Git git_;
};

TEST_F(Repo, TheRangeIsTheGraphOfARealHistory) {
  CommitGraph g;
  int end = -1;
  std::string why;
  ASSERT_TRUE(LoadRange(git_, "base", "main", &g, &end, &why)) << why;
  ASSERT_EQ(g.nodes.size(), 6u);  // one, side1, side2, two, merge, after
  EXPECT_EQ(g.nodes[end].id, Sha("main"));
  const CommitGraph::Node& merge = g.nodes[g.Find(Sha("main~1"))];
  ASSERT_EQ(merge.parents.size(), 2u);
  EXPECT_EQ(g.nodes[merge.parents[0]].id, Sha("main~2"));  // two, first parent first
  EXPECT_EQ(g.nodes[merge.parents[1]].id, Sha("side"));
  EXPECT_TRUE(g.nodes[g.Find(Sha("main~3"))].parents.empty()) << "one's parent, base, is the old end";

  // Bisected: side1 broke it (new are side1, side2, merge, after).
  Bisection b(g, end);
  ASSERT_EQ(b.Error(), "");
  const std::string side1 = Sha("side~1");
  std::vector<std::string> bad = {side1, Sha("side"), Sha("main~1"), Sha("main")};
  for (int i = 0; i < 10; ++i) {
    Bisection::Next n = b.Step();
    if (n.kind == Bisection::Next::kDone) {
      EXPECT_EQ(g.nodes[n.commit].id, side1);
      return;
    }
    ASSERT_EQ(n.kind, Bisection::Next::kTest);
    const std::string& id = g.nodes[n.commit].id;
    bool is_bad = std::find(bad.begin(), bad.end(), id) != bad.end();
    ASSERT_TRUE(b.Record(n.commit, is_bad ? Mark::kNew : Mark::kOld, &why)) << why;
  }
  FAIL() << "no end";
}

TEST_F(Repo, BadEndsAreRefusedWithWhy) {
  CommitGraph g;
  int end = -1;
  std::string why;
  EXPECT_FALSE(LoadRange(git_, "base", "no-such-branch", &g, &end, &why));
  EXPECT_NE(why.find("no commit no-such-branch"), std::string::npos) << why;
  EXPECT_FALSE(LoadRange(git_, "main", "base", &g, &end, &why));
  EXPECT_EQ(why, "the old end " + Sha("main").substr(0, 12) + " is not an ancestor of the new end " +
                     Sha("base").substr(0, 12));
  EXPECT_FALSE(LoadRange(git_, "main", "main", &g, &end, &why));
  EXPECT_EQ(why, "the two ends are the same commit " + Sha("main").substr(0, 12));
}

}  // namespace
}  // namespace kb
