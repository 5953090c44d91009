// The builder's outcome rules (build.h) over a fake host: the commands a build
// runs are answered as a kernel tree's make would (writing the files it would),
// and the free space is what the test says.
#include "builder/build.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <functional>

#include "builder/state.h"
#include "common/fileio.h"
#include "common/test_temp_dir.h"

namespace kb {
namespace {

// A make that does what kbuild would for the build's steps, unless `fail_at`
// names the step whose command fails (with an error line in the log) or `rc_at`
// gives it another result (-1 cannot start, -2 a stop).
class FakeMake : public Runner, public BuildHost {
 public:
  std::string fail_at;  // "config", "make", "kernelrelease"
  int rc_at = 2;
  long long free_bytes = 10ll << 30;
  std::vector<std::string> ran;  // a word per command: gcc, config, olddefconfig, make, kernelrelease

  Runner& Commands() override { return *this; }
  long long FreeBytes(const std::string&) override { return free_bytes; }
  int Run(const Command& c, std::string* err) override {
    const std::string step = Step(c.argv);
    ran.push_back(step);
    if (step == fail_at) {
      if (rc_at == -1) *err = "fork: Resource temporarily unavailable";
      dprintf(c.log_fd, "init/main.c:12:1: error: expected ';' before '}' token\nmake: *** [Makefile:1] Error 2\n");
      return rc_at;
    }
    const std::string out = Arg(c.argv, "O=");
    if (step == "gcc" && c.capture) *c.capture = "gcc (Debian 12.2.0-14) 12.2.0\n";
    if (step == "config") Write(out + "/.config", "CONFIG_64BIT=y\n");
    if (step == "make") {
      Write(out + "/arch/x86/boot/bzImage", std::string(4096, 'k'));
      Write(out + "/arch/x86/boot/compressed/vmlinux.bin", "code");
      Write(out + "/System.map", "ffffffff81000000 T _text\n");
    }
    if (step == "kernelrelease" && c.capture) *c.capture = "6.1.0-kb\n";
    return 0;
  }

 private:
  static std::string Step(const std::vector<std::string>& argv) {
    if (argv[0] == "gcc") return "gcc";
    for (const std::string& a : argv) {
      if (a == "tinyconfig") return "config";
      if (a == "olddefconfig") return "olddefconfig";
      if (a == "kernelrelease") return "kernelrelease";
    }
    return "make";
  }
  static std::string Arg(const std::vector<std::string>& argv, const std::string& prefix) {
    for (const std::string& a : argv)
      if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
    return "";
  }
  static void Write(const std::string& path, const std::string& text) {
    std::string err;
    MakeDirs(path.substr(0, path.rfind('/')), &err);
    WriteFileAtomic(path, text, &err);
  }
};

// A repository of one commit, the builder's directories and its config.
struct Fixture {
  TempDir d;
  BuilderConfig c;
  ArchConfig arch{"x86_64", "tinyconfig", {}, {"bzImage"}, {}, "", ""};
  BuilderState state{d.path() + "/state"};
  Git git;
  CommitInfo commit;
  Fixture() {
    const std::string repo = d.path() + "/repo";
    EXPECT_EQ(system(("git init -q -b main " + repo + " && cd " + repo +
                      " && echo 'VERSION = 6' >Makefile && git add . && git -c user.name=t -c user.email=t@t"
                      " commit -qm 'init: one' >/dev/null")
                         .c_str()),
              0);
    c.repo = repo;
    c.images = d.path() + "/images";
    c.state = d.path() + "/state";
    c.work = d.path() + "/work";
    c.jobs = 2;
    c.confine = false;
    c.arches = {arch};
    std::string err;
    EXPECT_TRUE(MakeDirs(c.images, &err) && MakeDirs(c.work, &err) && state.Init(&err)) << err;
    EXPECT_TRUE(git.Open(repo, &err)) << err;
    std::string sha;
    EXPECT_TRUE(git.Resolve("main", &sha, &err) && git.Info(sha, &commit, &err)) << err;
  }
  BuildReport Build(FakeMake& host) { return BuildOne(c, git, state, commit, "main", arch, host); }
};

TEST(BuildOne, ABuildThatWorksIsPublished) {
  Fixture f;
  FakeMake host;
  BuildReport r = f.Build(host);
  ASSERT_EQ(r.outcome, Outcome::kPublished) << r.error;
  EXPECT_EQ(host.ran, (std::vector<std::string>{"gcc", "config", "olddefconfig", "make", "kernelrelease"}));
  EXPECT_EQ(r.image.rfind("6.1.0-kb-main_" + f.commit.sha.substr(0, 12), 0), 0u) << r.image;
  std::string ini;
  EXPECT_TRUE(ReadSmallFile(f.c.images + "/" + r.image + "/image.ini", &ini)) << r.image;
  EXPECT_NE(ini.find("\nkernel = bzImage\n"), std::string::npos) << ini;
  // The configuration is kept the next time: nothing that feeds it changed.
  FakeMake again;
  ASSERT_EQ(f.Build(again).outcome, Outcome::kPublished);
  EXPECT_EQ(again.ran, (std::vector<std::string>{"gcc", "make", "kernelrelease"}));
}

TEST(BuildOne, AFailingStepIsTheCommitsWithItsLogKept) {
  for (const char* step : {"config", "make", "kernelrelease"}) {
    Fixture f;
    FakeMake host;
    host.fail_at = step;
    BuildReport r = f.Build(host);
    EXPECT_EQ(r.outcome, Outcome::kFailed) << step << ": " << r.error;
    EXPECT_EQ(r.log, f.state.LogPath(f.commit.sha, "x86_64")) << "kept under the state";
    std::string log;
    EXPECT_TRUE(ReadSmallFile(r.log, &log));
    EXPECT_EQ(r.first_errors, (std::vector<std::string>{"init/main.c:12:1: error: expected ';' before '}' token",
                                                       "make: *** [Makefile:1] Error 2"}))
        << step;
    EXPECT_TRUE(TempDir::Entries(f.c.images).empty()) << "nothing published";
  }
}

TEST(BuildOne, AFailureOnAFullDiskIsTheBuildersNotTheCommits) {
  Fixture f;
  FakeMake host;
  host.fail_at = "make";
  host.free_bytes = 10ll << 20;
  BuildReport r = f.Build(host);
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.error.rfind("no space left for the build (10 MiB free; see ", 0), 0u) << r.error;
  std::string line;
  EXPECT_FALSE(f.state.Result(f.commit.sha, "x86_64", &line) && !line.empty()) << "not remembered";
  host.free_bytes = kLowSpace;  // exactly the limit: enough
  EXPECT_EQ(f.Build(host).outcome, Outcome::kFailed);
}

TEST(BuildOne, AStopAndACommandThatCannotStart) {
  Fixture f;
  FakeMake stop;
  stop.fail_at = "make";
  stop.rc_at = -2;
  BuildReport r = f.Build(stop);
  EXPECT_EQ(r.outcome, Outcome::kStopped);
  EXPECT_EQ(stop.ran.back(), "make") << "nothing after the stop";
  FakeMake cannot;
  cannot.fail_at = "make";
  cannot.rc_at = -1;
  r = f.Build(cannot);
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.error, "fork: Resource temporarily unavailable");
  EXPECT_TRUE(TempDir::Entries(f.c.images).empty());
}

}  // namespace
}  // namespace kb
