#include "control/revert.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "common/test_temp_dir.h"

// Debian's libgit2 1.5 leaks a PCRE2 match block on every regex search that does
// not match (git_regexp_search; fixed upstream in libgit2 PR #6382, after 1.5),
// which a revert's merge runs: not ours to free, so LeakSanitizer is told.
extern "C" const char* __lsan_default_suppressions() { return "leak:libpcre2-8.so\n"; }

namespace kb {
namespace {

// The output of a shell command run in dir ("" when it fails).
std::string Sh(const std::string& dir, const std::string& cmd) {
  std::string out;
  FILE* p = popen(("cd '" + dir + "' && " + cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return out;
  char buf[256];
  while (fgets(buf, sizeof buf, p)) out += buf;
  if (pclose(p) != 0) return "";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// A history: c0 writes a, c1 (the culprit) appends to it, c2 adds b, c3 appends
// to a right after c1's line (its revert then conflicts); a bare remote.
struct History {
  TempDir d;
  std::string repo = d.path() + "/repo", remote = d.path() + "/remote.git";
  std::string c[4];
  History() {
    Sh(d.path(), "git init -q repo && git init -q --bare remote.git");
    const char* steps[] = {"printf '1\\n' >a", "printf '1\\n2\\n' >a", "printf 'x\\n' >b", "printf '1\\n2\\n3\\n' >a"};
    for (int i = 0; i < 4; ++i)
      c[i] = Sh(repo, std::string(steps[i]) + " && git add -A && git -c user.name=t -c user.email=t@t commit -qm 'c" +
                          std::to_string(i) + "' && git rev-parse HEAD");
  }
};

// Machines that pass (or fail) whatever they boot, and say what they booted.
class Booter : public Candidates {
 public:
  Verdict verdict = Verdict::kGood;
  std::vector<Job> booted;
  int Machines() const override { return 2; }
  std::string MachineName(int m) const override { return "m" + std::to_string(m); }
  std::vector<StepResult> TestAll(const std::vector<Job>& jobs) override {
    std::vector<StepResult> out;
    for (const Job& j : jobs) {
      booted.push_back(j);
      StepResult r;
      r.verdict = verdict;
      r.why = verdict == Verdict::kGood ? "PASS" : "FAIL";
      out.push_back(r);
    }
    return out;
  }
  std::string FirstParent(const std::string&) override { return ""; }
  double Now() override { return 0; }
};

TEST(RevertCheck, TheRevertIsACommitOnTheNewEndPushedAndBooted) {
  History h;
  ASSERT_EQ(h.c[3].size(), 40u);
  Git git;
  std::string why;
  ASSERT_TRUE(git.Open(h.repo, &why)) << why;
  Options o;
  o.revert_remote = h.remote;
  o.runs = 2;
  RunReport rep;
  rep.culprit = h.c[1];
  rep.dropped = {"m0: the power switch failed: exit 1"};
  Booter b;
  const std::string status_before = Sh(h.repo, "git status --porcelain && git rev-parse HEAD");
  RevertResult r = RevertCheck(git, b, o, h.c[2], rep);
  const std::string ref = "refs/kbisect/revert/" + h.c[1].substr(0, 12);
  const std::string pushed = Sh(h.remote, "git rev-parse " + ref);
  ASSERT_EQ(pushed.size(), 40u) << r.line;
  EXPECT_EQ(r.line, "revert check: " + h.c[2].substr(0, 12) + " with " + h.c[1].substr(0, 12) + " reverted (" +
                        pushed.substr(0, 12) + ", " + ref + ") is good (1 pass: PASS): the culprit is what makes it bad");
  EXPECT_FALSE(r.failed);
  ASSERT_EQ(b.booted.size(), 1u) << "only m1 is left in the pool";
  EXPECT_EQ(b.booted[0].machine, 1);
  EXPECT_EQ(b.booted[0].commit, pushed);
  // On the new end, with the culprit's change undone and nothing else.
  EXPECT_EQ(Sh(h.remote, "git rev-parse " + pushed + "^"), h.c[2]);
  EXPECT_EQ(Sh(h.remote, "git show " + pushed + ":a"), "1");
  EXPECT_EQ(Sh(h.remote, "git show " + pushed + ":b"), "x");
  EXPECT_EQ(Sh(h.remote, "git log -1 --format='%an|%s' " + pushed), "kbisect|Revert \"c1\"");
  EXPECT_EQ(Sh(h.repo, "git status --porcelain && git rev-parse HEAD"), status_before) << "the work tree is not touched";
  b.verdict = Verdict::kBad;
  r = RevertCheck(git, b, o, h.c[2], rep);
  EXPECT_TRUE(r.failed);
  EXPECT_NE(r.line.find(") is bad (1 fail: FAIL): reverting the culprit is not enough"), std::string::npos) << r.line;
}

TEST(RevertCheck, AConflictOrAPushThatFailsIsSaidAndNothingBoots) {
  History h;
  Git git;
  std::string why;
  ASSERT_TRUE(git.Open(h.repo, &why)) << why;
  Options o;
  o.revert_remote = h.remote;
  RunReport rep;
  rep.culprit = h.c[1];
  Booter b;
  RevertResult r = RevertCheck(git, b, o, h.c[3], rep);
  EXPECT_EQ(r.line, "revert check: " + h.c[3].substr(0, 12) + " with " + h.c[1].substr(0, 12) +
                        " reverted: it does not revert cleanly (a conflict in a): not checked");
  EXPECT_FALSE(r.failed);
  o.revert_remote = h.d.path() + "/nowhere";
  r = RevertCheck(git, b, o, h.c[2], rep);
  EXPECT_NE(r.line.find(": cannot push it to " + o.revert_remote + " (refs/kbisect/revert/"), std::string::npos)
      << r.line;
  EXPECT_TRUE(b.booted.empty());
}

}  // namespace
}  // namespace kb
