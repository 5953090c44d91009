#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "builder/build.h"
#include "builder/builder.h"
#include "builder/config.h"
#include "lib/git.h"
#include "builder/state.h"
#include "common/fileio.h"
#include "common/test_temp_dir.h"
#include "store/store.h"

namespace kb {
namespace {

const char kGood[] =
    "[builder]\nrepo = /srv/linux.git\nimages = /srv/images\nstate = /var/lib/kbisect\nwork = /var/cache/kb\n"
    "jobs = 4\nccache = yes\npoll = 30\nfirst_parent = no\ndistcc = 127.0.0.2/4  farm-1.lab:3700/16\n"
    "[mail]\nto = gfx@example.org\nfrom = kbisect@example.org\n"
    "[branch drm-intel-fixes]\nref = refs/heads/drm-intel-fixes\nremote = origin\n"
    "[branch local]\n"
    "[arch x86_64]\nconfig = tinyconfig\nfragments = /etc/a.config /etc/b.config\ntargets = bzImage modules\n"
    "[arch i386]\nconfig = /etc/i386.config\n[keep]\nper_branch_arch = 100\n";

TEST(BuilderConfig, ReadsEveryKey) {
  TempDir d;
  BuilderConfig c;
  std::string err;
  ASSERT_TRUE(LoadBuilderConfig(d.Write("b.ini", kGood), &c, &err)) << err;
  EXPECT_EQ(c.repo, "/srv/linux.git");
  EXPECT_EQ(c.jobs, 4);
  EXPECT_TRUE(c.ccache);
  ASSERT_EQ(c.distcc.size(), 2u);
  EXPECT_EQ(c.distcc[0].host, "127.0.0.2");
  EXPECT_EQ(c.distcc[0].port, 3632) << "distccd's port unless told";
  EXPECT_EQ(c.distcc[0].slots, 4);
  EXPECT_EQ(c.distcc[1].host, "farm-1.lab");
  EXPECT_EQ(c.distcc[1].port, 3700);
  EXPECT_EQ(c.distcc[1].slots, 16);
  EXPECT_FALSE(c.first_parent);
  ASSERT_EQ(c.branches.size(), 2u);
  EXPECT_EQ(c.branches[0].remote, "origin");
  EXPECT_EQ(c.branches[1].name, "local");
  EXPECT_EQ(c.branches[1].ref, "refs/heads/local");
  ASSERT_EQ(c.arches.size(), 2u);
  EXPECT_EQ(c.arches[0].fragments.size(), 2u);
  EXPECT_EQ(c.arches[0].targets, (std::vector<std::string>{"bzImage", "modules"}));
  EXPECT_EQ(c.arches[1].targets, std::vector<std::string>{"bzImage"});
  EXPECT_EQ(c.keep_per_branch_arch, 100);
  EXPECT_TRUE(c.confine) << "builds are confined unless told otherwise";
  EXPECT_FALSE(c.sign);
}

TEST(BuilderConfig, NamesTheFileAndLineOfEveryBadInput) {
  TempDir d;
  const std::string base = "[builder]\nrepo=/r\nimages=/i\nstate=/s\nwork=/w\n[branch b]\n[arch x86_64]\nconfig=tinyconfig\n";
  const std::pair<std::string, std::string> kCases[] = {
      {base + "colour = blue\n", "b.ini:9: [arch x86_64] colour: unknown key"},
      {"[builder]\njobs = many\n", "b.ini:2: [builder] jobs: not a number"},
      {"[builder]\npoll = 0\n", "b.ini:2: [builder] poll: not between 1 and 86400"},
      {"[builder]\nccache = maybe\n", "b.ini:2: [builder] ccache: not yes or no"},
      {"[builder]\ndistcc =\n", "b.ini:2: [builder] distcc: no host (HOST/N ...)"},
      {"[builder]\ndistcc = farm1\n", "b.ini:2: [builder] distcc: 'farm1' is not HOST/N or HOST:PORT/N (N: the jobs"},
      {"[builder]\ndistcc = farm1/0\n", "b.ini:2: [builder] distcc: 'farm1/0' is not HOST/N or HOST:PORT/N: N is not between 1 and 64"},
      {"[builder]\ndistcc = farm1/x\n", "b.ini:2: [builder] distcc: 'farm1/x' is not HOST/N or HOST:PORT/N: N is not a number"},
      {"[builder]\ndistcc = farm1:0/2\n", "'farm1:0/2' is not HOST/N or HOST:PORT/N: PORT is not between 1 and 65535"},
      {"[builder]\ndistcc = /2\n", "'/2' is not HOST/N or HOST:PORT/N: no host"},
      {"[builder]\ndistcc = a_b/2\n", "the host is not a name or an IPv4 address"},
      {"[builder]\ndistcc = -a/2\n", "the host starts with '-'"},
      {"[builder]\ndistcc = localhost/2\n", "the local jobs are [builder] jobs"},
      {"[builder]\ndistcc = farm1/2 farm1:3632/4\n", "b.ini:2: [builder] distcc: 'farm1:3632/4': host given twice"},
      {"[builder]\nrepo = relative/path\n", "b.ini:2: [builder] repo: not an absolute path"},
      {"[bulider]\n", "b.ini:1: [bulider]: unknown section"},
      {"[arch arm64]\n", "b.ini:1: [arch arm64]: unsupported arch"},
      {base + "[arch x86_64]\n", "b.ini:9: [arch x86_64]: arch given twice"},
      {base + "fragments = rel.config\n", "b.ini:9: [arch x86_64] fragments: fragment rel.config is not an absolute"},
      {base + "targets = vmlinux\n", "b.ini:9: [arch x86_64] targets: target vmlinux is not bzImage or modules"},
      {base + "make = NOEQUALS\n", "'NOEQUALS' is not VAR=value"},
      {"[branch b]\nref = heads/b\n", "b.ini:2: [branch b] ref: not refs/..."},
      {"[mail]\nto = nobody\n", "b.ini:2: [mail] to: not a mail address"},
      {"garbage\n", "b.ini:1: not 'key = value'"},
      {"[builder]\nimages=/i\nstate=/s\nwork=/w\n", "b.ini: [builder] repo is missing"},
      {"[builder]\nrepo=/r\nimages=/i\nstate=/s\nwork=/w\n[arch i386]\nconfig=tinyconfig\n", "no [branch NAME] section"},
      {"[builder]\nrepo=/r\nimages=/i\nstate=/s\nwork=/w\n[branch b]\n", "no [arch NAME] section"},
      {"[builder]\nrepo=/r\nimages=/i\nstate=/s\nwork=/w\n[branch b]\n[arch i386]\n", "[arch i386] config is missing"},
      {base + "[mail]\nto = a@b\n", "[mail] needs both to and from"},
      {"[builder]\nrepo=/r\nimages=/i\nstate=/s\nwork=/s/work\n[branch b]\n[arch i386]\nconfig=tinyconfig\n",
       "b.ini: [builder] work /s/work is inside /s, which builds see read-only (put it elsewhere, or confine = no)"},
      {"[builder]\nconfine = perhaps\n", "b.ini:2: [builder] confine: not yes or no"},
      {"[builder]\nsigning_key = /nonexistent/key.pem\n" + base.substr(10),
       "b.ini: [builder] signing_key: cannot open /nonexistent/key.pem: No such file or directory"},
      {"[builder]\nkernel_signing_key = /nonexistent/db.key\n" + base.substr(10),
       "b.ini: [builder] kernel_signing_cert is not set (the key and its certificate go together)"},
  };
  for (const auto& [text, want] : kCases) {
    BuilderConfig c;
    std::string err;
    ASSERT_FALSE(LoadBuilderConfig(d.Write("b.ini", text), &c, &err)) << text;
    EXPECT_NE(err.find(want), std::string::npos) << "want: " << want << "\ngot:  " << err;
  }
  BuilderConfig c;
  std::string err;
  EXPECT_FALSE(LoadBuilderConfig(d.path() + "/none.ini", &c, &err));
  EXPECT_NE(err.find("none.ini: cannot read: No such file"), std::string::npos) << err;
}

const std::string kS1(40, '1'), kS2(40, '2'), kS3(40, '3');

TEST(BuilderState, QueueKeepsPriorityOrderAndSkipsWhatIsBuiltOrQueued) {
  TempDir d;
  BuilderState s(d.path());
  std::string err;
  ASSERT_TRUE(s.Init(&err)) << err;
  int added = 0;
  ASSERT_TRUE(s.Enqueue({{kBetween, kS1, "x86_64", "b"}, {kTip, kS2, "x86_64", "b"}}, &added, &err)) << err;
  EXPECT_EQ(added, 2);
  ASSERT_TRUE(s.SetResult(kS3, "x86_64", "ok img", &err));
  ASSERT_TRUE(s.Enqueue({{kRequest, kS1, "x86_64", "b"}, {kTip, kS3, "x86_64", "b"}, {kTip, kS2, "i386", "b"}}, &added,
                        &err))
      << err;
  EXPECT_EQ(added, 1) << "the request raises the queued item; the built one is skipped";
  std::vector<QueueItem> q;
  s.Queue(&q);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].sha, kS1);
  EXPECT_EQ(q[0].prio, kRequest);
  EXPECT_EQ(q[1].sha, kS2);
  EXPECT_EQ(q[2].arch, "i386");
  ASSERT_TRUE(s.Dequeue(kS2, "x86_64", &err));
  s.Queue(&q);
  EXPECT_EQ(q.size(), 2u);
}

TEST(BuilderState, LocksAreExclusiveAndStaleOnesAreTakenOver) {
  TempDir d;
  BuilderState s(d.path());
  std::string err;
  ASSERT_TRUE(s.Init(&err));
  EXPECT_TRUE(s.TryLock(kS1, "x86_64"));
  EXPECT_FALSE(s.TryLock(kS1, "x86_64")) << "held by this (live) process";
  EXPECT_TRUE(s.TryLock(kS1, "i386"));
  s.Unlock(kS1, "x86_64");
  EXPECT_TRUE(s.TryLock(kS1, "x86_64"));
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  d.Write("builder/locks/" + kS2 + "-x86_64", "999999999 " + std::string(host) + "\n");
  EXPECT_TRUE(s.TryLock(kS2, "x86_64")) << "the owner is dead";
  std::string boot;
  ReadSmallFile("/proc/sys/kernel/random/boot_id", &boot);
  boot.pop_back();
  d.Write("builder/locks/" + kS2 + "-i386", std::to_string(getpid()) + " " + host + " another-boot\n");
  EXPECT_TRUE(s.TryLock(kS2, "i386")) << "a claim from an earlier boot of this host, its pid reused";
  d.Write("builder/locks/" + kS1 + "-arm64", std::to_string(getpid()) + " " + host + " " + boot + "\n");
  EXPECT_FALSE(s.TryLock(kS1, "arm64")) << "a live claim of this boot";
  const std::string other = "builder/locks/" + kS3 + "-x86_64";
  d.Write(other, "999999999 another-host some-boot\n");
  EXPECT_FALSE(s.TryLock(kS3, "x86_64")) << "another host's recent claim is kept";
  const std::string old = d.path() + "/" + other;
  struct timespec times[2] = {{time(nullptr) - 7 * 3600, 0}, {time(nullptr) - 7 * 3600, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, old.c_str(), times, 0), 0);
  EXPECT_TRUE(s.TryLock(kS3, "x86_64")) << "another host's claim of 7 hours ago: that host died mid-build";
}

TEST(BuilderState, TipsHealthAndRequests) {
  TempDir d;
  BuilderState s(d.path());
  std::string err;
  ASSERT_TRUE(s.Init(&err));
  EXPECT_EQ(s.Tip("main"), "");
  ASSERT_TRUE(s.SetTip("main", kS1, &err));
  EXPECT_EQ(s.Tip("main"), kS1);
  ASSERT_TRUE(s.SetHealth("main", "i386", "fail", &err));
  EXPECT_EQ(s.Health("main", "i386"), "fail");
  // Branch names may hold '/' (and '%'): each is one file, and names do not collide.
  ASSERT_TRUE(s.SetTip("drm/fixes", kS2, &err)) << err;
  ASSERT_TRUE(s.SetTip("drm%2Ffixes", kS3, &err)) << err;
  EXPECT_EQ(s.Tip("drm/fixes"), kS2);
  EXPECT_EQ(s.Tip("drm%2Ffixes"), kS3);
  ASSERT_TRUE(s.SetHealth("drm/fixes", "x86_64", "fail", &err)) << err;
  EXPECT_EQ(s.Health("drm/fixes", "x86_64"), "fail");
  EXPECT_EQ(s.Health("drm%2Ffixes", "x86_64"), "");
  EXPECT_EQ(BranchFileName("a/b%c"), "a%2Fb%25c");
  d.Write("requests/" + kS2, "");
  d.Write("requests/not-a-sha", "");
  EXPECT_EQ(s.Requests(), std::vector<std::string>{kS2});
  EXPECT_TRUE(s.RequestArches(kS2).empty()) << "an empty request: every arch";
  s.DropRequest(kS2);
  EXPECT_TRUE(s.Requests().empty());
  // The request CGI's: the arches asked for, a line each.
  d.Write("requests/" + kS3, "i386\n\nx86_64\n");
  EXPECT_EQ(s.RequestArches(kS3), (std::vector<std::string>{"i386", "x86_64"}));
  // The drop box is group-writable (the web server's user writes requests there).
  struct stat st;
  ASSERT_EQ(stat((d.path() + "/requests").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0070, 0070u);
}

int Sh(const std::string& cmd) { return system(("set -e; " + cmd + " >/dev/null 2>&1").c_str()); }

TEST(Git, NewCommitsFirstParentAndIncrementalCheckout) {
  TempDir d;
  std::string r = d.path() + "/repo";
  ASSERT_EQ(Sh("git init -q -b main " + r + " && cd " + r +
                " && git config user.email t@t && git config user.name t"
                " && echo a > a && echo b > b && git add . && git commit -qm one"
                " && echo a2 > a && git commit -qam two"
                " && git checkout -qb side && echo s > s && git add s && git commit -qm side"
                " && git checkout -q main && echo a3 > a && git commit -qam three"
                " && git merge -q --no-edit side"),
            0);
  Git git;
  std::string err, tip, one, two;
  ASSERT_TRUE(git.Open(r, &err)) << err;
  ASSERT_TRUE(git.Tip("", "refs/heads/main", "main", &tip, &err)) << err;
  ASSERT_TRUE(git.Resolve("main~2", &one, &err)) << err;
  std::vector<std::string> fp, all;
  ASSERT_TRUE(git.NewCommits(one, tip, true, &fp, &err));
  ASSERT_TRUE(git.NewCommits(one, tip, false, &all, &err));
  EXPECT_EQ(fp.size(), 2u) << "merge and three";
  EXPECT_EQ(all.size(), 3u) << "merge, three and side";
  EXPECT_EQ(fp[0], tip);
  std::vector<std::string> first;
  ASSERT_TRUE(git.NewCommits("", tip, true, &first, &err));
  EXPECT_EQ(first, std::vector<std::string>{tip}) << "a new branch: its tip only";
  CommitInfo info;
  ASSERT_TRUE(git.Info(one, &info, &err));
  EXPECT_EQ(info.summary, "two");
  EXPECT_TRUE(git.IsAncestor(one, tip));
  EXPECT_FALSE(git.IsAncestor(tip, one));
  EXPECT_FALSE(git.Resolve("no-such-rev", &two, &err));

  std::string wt = d.path() + "/wt";
  ASSERT_TRUE(git.Checkout("kbisect-x86_64", wt, one, &err)) << err;
  std::string text;
  ASSERT_TRUE(ReadSmallFile(wt + "/a", &text));
  EXPECT_EQ(text, "a2\n");
  ASSERT_EQ(Sh("touch -d '2001-01-01' " + wt + "/b " + wt + "/a"), 0);
  ASSERT_TRUE(git.Checkout("kbisect-x86_64", wt, tip, &err)) << err;
  struct stat sa, sb;
  stat((wt + "/a").c_str(), &sa);
  stat((wt + "/b").c_str(), &sb);
  EXPECT_GT(sa.st_mtime, 978307200 + 86400) << "a changed: rewritten";
  EXPECT_EQ(sb.st_mtime, 978307200) << "b did not change: untouched, so make keeps its objects";
  ASSERT_TRUE(ReadSmallFile(wt + "/a", &text));
  EXPECT_EQ(text, "a3\n");
  EXPECT_EQ(access((wt + "/s").c_str(), F_OK), 0);

  std::vector<std::string> changed;
  ASSERT_TRUE(git.ChangedPaths(one, tip, &changed, &err)) << err;
  std::sort(changed.begin(), changed.end());
  EXPECT_EQ(changed, (std::vector<std::string>{"a", "s"}));
  ASSERT_TRUE(git.ChangedPaths(tip, tip, &changed, &err));
  EXPECT_TRUE(changed.empty());
  EXPECT_FALSE(git.ChangedPaths(std::string(40, '0'), tip, &changed, &err));
}

TEST(Build, KnowsWhatFeedsTheConfiguration) {
  for (const char* p : {"init/Kconfig", "Kconfig", "drivers/gpu/drm/i915/Kconfig.debug", "scripts/kconfig/conf.c",
                        "scripts/cc-version.sh", "kernel/configs/tiny.config", "arch/x86/configs/i386_defconfig",
                        "Makefile", "arch/x86/Makefile"})
    EXPECT_TRUE(FeedsConfig(p)) << p;
  for (const char* p : {"init/main.c", "kernel/sched/sched.h", "arch/x86/boot/Makefile", "drivers/Makefile",
                        "Documentation/kbuild/kconfig.rst", "tools/scripts/Makefile.include", "mykconfig"})
    EXPECT_FALSE(FeedsConfig(p)) << p;
}

TEST(Build, ReadsTheCompilerTheConfigurationNames) {
  EXPECT_EQ(ConfigCompiler("#\n# Automatically generated file; DO NOT EDIT.\nCONFIG_CC_VERSION_TEXT=\"gcc (Debian "
                           "12.2.0-14+deb12u1) 12.2.0\"\nCONFIG_CC_IS_GCC=y\n"),
            "gcc (Debian 12.2.0-14+deb12u1) 12.2.0");
  EXPECT_EQ(ConfigCompiler("\nCONFIG_CC_VERSION_TEXT=\"clang version 14.0.6\""), "clang version 14.0.6");
  EXPECT_EQ(ConfigCompiler("\nCONFIG_CC_IS_GCC=y\n"), "") << "a kernel before 5.8 names none";
  EXPECT_EQ(ConfigCompiler("\n# CONFIG_CC_VERSION_TEXT=\"gcc\"\n"), "") << "a comment is not the key";
  EXPECT_EQ(ConfigCompiler("\nCONFIG_CC_VERSION_TEXT=\"gcc\n"), "") << "no closing quote";
  EXPECT_EQ(ConfigCompiler("\nCONFIG_CC_VERSION_TEXT=\"\"\n"), "") << "empty";
  EXPECT_EQ(ConfigCompiler("\nCONFIG_CC_VERSION_TEXT=\"" + std::string(201, 'g') + "\"\n"), "") << "too long";
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

// Prune keeps what a machine has chosen, whatever [keep] says, and says why.
TEST(Prune, KeepsTheImagesMachinesHaveChosen) {
  TempDir d;
  BuilderConfig c;
  c.images = d.path() + "/images";
  c.state = d.path() + "/state";
  c.keep_per_branch_arch = 1;
  std::filesystem::create_directories(c.images);
  std::string kernel = d.Write("bzImage", "k"), err;
  std::vector<std::string> names;
  for (int day = 20; day <= 23; ++day) {
    std::string name = "6.1.0-main_aaaaaaaaaa" + std::to_string(day) + "_202611" + std::to_string(day) + "_x86_64";
    std::string commit = "aaaaaaaaaa" + std::to_string(day) + std::string(28, '0');
    std::string built = "2026-11-" + std::to_string(day) + "T00:00:00Z";
    ImageIni ini;
    ini.name = name;
    ini.commit = commit;
    ini.branch = "main";
    ini.arch = "x86_64";
    ini.kernelrelease = "6.1.0";
    ini.built = built;
    ini.kernel = "bzImage";
    bool already;
    ASSERT_TRUE(PublishImage(c.images, ini, {{kernel, "bzImage"}}, nullptr, &already, &err)) << err;
    names.push_back(name);
  }
  d.Write("state/machines/m1/default", names[0] + "\n");
  d.Write("state/machines/m2/once", names[1] + "\n");
  Builder b(c);
  EXPECT_EQ(b.Prune(), 0);
  std::vector<StoreImage> left;
  ASSERT_TRUE(ListImages(c.images, "", &left, &err)) << err;
  std::vector<std::string> kept;
  for (const StoreImage& i : left) kept.push_back(i.name);
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<std::string>{names[0], names[1], names[3]}))
      << "the newest (keep 1) and the two chosen ones stay";
  // A machine state that cannot be read prunes nothing.
  d.Write("state/machines/m3/default", "not an image\n");
  c.keep_per_branch_arch = 0;
  c.keep_days = 1;
  EXPECT_EQ(b.Prune(), 3);
  ASSERT_TRUE(ListImages(c.images, "", &left, &err)) << err;
  EXPECT_EQ(left.size(), 3u);
}

}  // namespace
}  // namespace kb
