#include "builder/build.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "builder/build_steps.h"
#include "common/fd.h"
#include "common/fileio.h"

namespace kb {
namespace {

std::vector<std::string> FirstErrors(const std::string& log) {
  std::ifstream in(log);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line) && out.size() < 10;)
    if (line.find("error:") != std::string::npos || line.find("Error ") != std::string::npos ||
        line.find("undefined reference") != std::string::npos)
      out.push_back(line.size() > 300 ? line.substr(0, 300) + " [...]" : line);  // a mail's line, not a log's
  return out;
}

// The free space (MiB) of the file system of the first of `paths` that is low on
// it, or -1 when none is.
long long LowSpace(BuildHost& host, std::initializer_list<const std::string*> paths) {
  for (const std::string* p : paths) {
    long long avail = host.FreeBytes(*p);
    if (avail >= 0 && avail < kLowSpace) return avail >> 20;
  }
  return -1;
}

class RealHost : public BuildHost {
 public:
  Runner& Commands() override { return SystemRunner(); }
  long long FreeBytes(const std::string& path) override {
    struct statvfs s;
    if (statvfs(path.c_str(), &s) != 0) return -1;
    return (long long)(uint64_t(s.f_bavail) * s.f_frsize);
  }
};

}  // namespace

bool CommitFailed(Build& b) {
  const std::string state_dir = b.state.LogPath(b.commit.sha, b.arch.name);
  const std::string logs = state_dir.substr(0, state_dir.rfind('/'));
  if (long long mib = LowSpace(b.host, {&b.out, &b.work, &logs}); mib >= 0) {
    b.r.error = "no space left for the build (" + std::to_string(mib) + " MiB free; see " + b.r.log + ")";
    return false;
  }
  std::string kept = b.state.LogPath(b.commit.sha, b.arch.name), why;
  if (CopyFile(b.r.log, kept, &why)) b.r.log = kept;
  b.r.first_errors = FirstErrors(b.r.log);
  b.r.outcome = Outcome::kFailed;
  return false;
}

namespace {

bool Checkout(Build& b) { return b.git.Checkout("kbisect-" + b.arch.name, b.src, b.commit.sha, &b.r.error); }
// distcc's masquerade directory (Debian's distcc package): a `gcc` there is
// distcc, which finds the real one further down PATH. Put first in PATH it sends
// the kernel's compiles to the farm while make's commands stay "gcc ...", so that
// the kbuild's recorded command lines, and so the build, do not change with it.
constexpr char kDistccBin[] = "/usr/lib/distcc";
// ccache's, the same way (Debian's ccache package): `ccache = yes` changes no
// command line either, so a tree does not build again from clean when it is
// turned on or off.
constexpr char kCcacheBin[] = "/usr/lib/ccache";

// Debug information names the directories a file was compiled in and from (the
// kernel maps them away only for __FILE__, -fmacro-prefix-map): with it, the
// compiler is told to write them relative (KCFLAGS and KAFLAGS, which the kernel
// appends to its own), so that two work trees give the same bytes. Without it no
// path reaches the image, and the flags would only make every work tree build
// again from clean once.
void MapPaths(Build& b) {
  std::string config;
  if (!ReadSmallFile(b.out + "/.config", &config) || config.find("\nCONFIG_DEBUG_INFO=y\n") == std::string::npos)
    return;
  std::error_code e1, e2;
  std::string src = std::filesystem::canonical(b.src, e1).string(), out = std::filesystem::canonical(b.out, e2).string();
  if (e1 || e2) return;
  const std::string maps = "-fdebug-prefix-map=" + src + "/= -fdebug-prefix-map=" + out + "=.";
  b.env.push_back("KCFLAGS=" + maps);
  b.env.push_back("KAFLAGS=" + maps);
}

bool Compile(Build& b) {
  MapPaths(b);
  const int local = b.c.jobs > 0 ? b.c.jobs : int(std::thread::hardware_concurrency());
  int jobs = local;
  std::vector<std::string> env = b.env;
  const char* path = getenv("PATH");
  const std::string rest = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  if (b.c.ccache) {
    if (access((std::string(kCcacheBin) + "/gcc").c_str(), X_OK) != 0) {
      b.r.error = std::string("[builder] ccache = yes but there is no ") + kCcacheBin + "/gcc (install Debian's ccache)";
      return false;
    }
    env.push_back(std::string("PATH=") + kCcacheBin + ":" + rest);
  }
  if (!b.c.distcc.empty()) {
    // The farm's slots first, then the local ones: distcc fills hosts in the
    // order listed, and compiles here itself when a host cannot be reached.
    std::string hosts;
    for (const DistccHost& h : b.c.distcc) {
      hosts += h.host + (h.port != 3632 ? ":" + std::to_string(h.port) : "") + "/" + std::to_string(h.slots) + " ";
      jobs += h.slots;
    }
    hosts += "localhost/" + std::to_string(local);
    if (access((std::string(kDistccBin) + "/gcc").c_str(), X_OK) != 0) {
      b.r.error = std::string("[builder] distcc is set but there is no ") + kDistccBin + "/gcc (install Debian's distcc)";
      return false;
    }
    env.push_back("DISTCC_HOSTS=" + hosts);
    env.push_back("DISTCC_DIR=" + b.c.work + "/distcc");
    // distcc would run `gcc` as x86_64-linux-gnu-gcc (here and on the farm), which
    // names itself so in `gcc --version`: the kernel's CONFIG_CC_VERSION_TEXT would
    // change, and with it the configuration and every object. The farm's gcc must
    // be this one anyway for the same bytes (design.md, [builder] distcc).
    env.push_back("DISTCC_NO_REWRITE_CROSS=1");
    // Through ccache, what it does not have is compiled on the farm.
    if (b.c.ccache)
      env.push_back("CCACHE_PREFIX=distcc");
    else
      env.push_back(std::string("PATH=") + kDistccBin + ":" + rest);
    dprintf(b.log, "kbisect-builder: compiling on the farm: DISTCC_HOSTS='%s', -j%d\n", hosts.c_str(), jobs);
  }
  std::vector<std::string> argv = b.Make({"O=" + b.out, "-j" + std::to_string(jobs)});
  argv.insert(argv.end(), b.arch.make_vars.begin(), b.arch.make_vars.end());
  argv.insert(argv.end(), b.arch.targets.begin(), b.arch.targets.end());
  for (const std::string& a : argv) b.r.make_command += (b.r.make_command.empty() ? "" : " ") + a;
  auto start = Clock::now();
  std::swap(env, b.env);
  int rc = b.Run(argv, b.log);
  std::swap(env, b.env);
  b.r.make_seconds = Since(start);
  if (rc < 0) return false;
  return rc == 0 || CommitFailed(b);
}
// Prints "kbisect-builder: <sha12> <arch>: <step><note> (<seconds> s)".
void Progress(const Build& b, const char* step, double secs) {
  printf("kbisect-builder: %.12s %s: %s%s (%.2f s)\n", b.commit.sha.c_str(), b.arch.name.c_str(), step,
         b.note.c_str(), secs);
  fflush(stdout);
}
}  // namespace

BuildHost& RealBuildHost() {
  static RealHost host;
  return host;
}

BuildReport BuildOne(const BuilderConfig& c, Git& git, const BuilderState& state, const CommitInfo& commit,
                     const std::string& branch, const ArchConfig& arch, BuildHost& host) {
  BuildReport r;
  auto start = Clock::now();
  std::string work = c.work + "/" + arch.name;
  const Arch* target = FindArch(arch.name);
  if (!target) return r.error = "unsupported arch " + arch.name, r;
  Build b{c,  git, state, commit, branch, arch, *target, r, host, work, work + "/src", work + "/out", work + "/config", work + "/modules",
          {}, -1, {}, {}, {}};
  // What a build writes: directories, never symbolic links (which a build could
  // have left to make the builder write elsewhere).
  std::vector<std::string> writable = {b.out, b.cfgdir, b.mods};
  if (c.ccache) writable.push_back(c.work + "/ccache");
  if (!c.distcc.empty()) writable.push_back(c.work + "/distcc");  // distcc's state (DISTCC_DIR)
  for (const std::string& d : writable)
    if (!MakeDirs(d, &r.error)) return r;
  for (const std::string& d : {b.work, b.out, b.cfgdir, b.mods}) {
    struct stat st;
    if (lstat(d.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return r.error = d + " is not a directory (a symbolic link?): refusing to build there", r;
  }
  // A build that compiles on the farm must reach it: it keeps the builder's
  // network (design.md "Control side", [builder] distcc).
  b.confine = {{c.repo, c.images, c.state, c.work}, writable, {}, c.distcc.empty()};
  if (c.sign) b.confine.hidden.push_back(c.signing_key);
  if (c.kernel_signing.enabled()) {
    b.confine.hidden.push_back(c.kernel_signing.key);
    b.confine.hidden.push_back(c.kernel_signing.cert);
  }

  // One build at a time in an arch's work tree, across builders sharing it.
  Fd lock(open((b.work + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!lock || flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    r.outcome = Outcome::kBusy;
    return r;
  }
  r.log = b.work + "/build.log";
  Fd log(open(r.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!log) return r.error = "cannot write " + r.log + ": " + strerror(errno), r;
  b.log = log.get();
  dprintf(b.log, "kbisect-builder: %s (%s) for %s on %s\n", commit.sha.c_str(), commit.summary.c_str(),
          arch.name.c_str(), branch.c_str());
  b.env = {"ARCH=" + std::string(target->make_arch),
           "KBUILD_BUILD_USER=kbisect",
           "KBUILD_BUILD_HOST=kbisect",
           "KBUILD_BUILD_VERSION=1",
           "KBUILD_BUILD_TIMESTAMP=" + BuildTimestamp(commit),
           "LC_ALL=C"};
  if (c.ccache) b.env.push_back("CCACHE_DIR=" + c.work + "/ccache");
  b.make = {"make", "-C", b.src, "ARCH=" + std::string(target->make_arch)};

  static const struct {
    const char* name;
    bool (*run)(Build&);
  } kSteps[] = {{"checkout", Checkout}, {"config", Configure}, {"make", Compile}, {"package and publish", Package}};
  for (const auto& step : kSteps) {
    auto t = Clock::now();
    b.note.clear();
    bool ok = step.run(b);
    if (ok || r.outcome == Outcome::kFailed) Progress(b, step.name, Since(t));
    if (!ok) break;
  }
  r.seconds = Since(start);
  return r;
}

}  // namespace kb
