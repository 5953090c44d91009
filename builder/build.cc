#include "builder/build.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "lib/run.h"
#include "common/arch.h"
#include "common/fd.h"
#include "common/fileio.h"
#include "common/names.h"
#include "common/signature.h"
#include "common/text.h"
#include "store/store.h"

namespace kb {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string Utc(int64_t t, const char* fmt) {
  char buf[64];
  return std::string(FormatUtc(t, fmt, buf));
}

bool SameFile(const std::string& a, const std::string& b) {
  std::string x, y;
  return ReadSmallFile(a, &x) && ReadSmallFile(b, &y) && x == y;
}

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

// What the steps of one build share. A step returns true to go on; false when it
// has set the report's outcome (and error).
struct Build {
  const BuilderConfig& c;
  Git& git;
  const BuilderState& state;
  const CommitInfo& commit;
  const std::string& branch;
  const ArchConfig& arch;
  const Arch& target;  // arch's row of common/arches.def (the config was checked against it)
  BuildReport& r;
  BuildHost& host;
  std::string work, src, out, cfgdir, mods;
  Confinement confine;  // for every command of the build
  int log = -1;
  std::vector<std::string> env, make;
  std::string note;  // said after the step's name in its progress line

  // Runs a command with the build's environment, its output to `fd` (its stdout
  // to *capture instead, when given). A stop request makes the outcome kStopped;
  // a command that cannot start, kError. Returns the exit status, or -1 when the
  // build must end now.
  int Run(const std::vector<std::string>& argv, int fd, std::string* capture = nullptr) {
    std::string e;
    // The commit's own code runs here: confined, it writes only its output
    // directories (and runs in one of them), sees no signing key, reaches no network.
    Command cmd;
    cmd.argv = argv;
    cmd.cwd = cfgdir;
    cmd.env = env;
    cmd.log_fd = fd;
    cmd.capture = capture;
    cmd.confine = c.confine ? &confine : nullptr;
    int rc = host.Commands().Run(cmd, &e);
    if (rc == -2) r.outcome = Outcome::kStopped;
    if (rc == -1) r.error = e;
    return rc < 0 ? -1 : rc;
  }
  std::vector<std::string> Make(std::initializer_list<std::string> args) const {
    std::vector<std::string> argv = make;
    argv.insert(argv.end(), args);
    return argv;
  }
};

// A step's command failed: the commit does not build (its log is kept under the
// state), unless a disk the build writes is (nearly) full, which is the builder's
// trouble (retried, never remembered). Returns false.
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

bool Checkout(Build& b) { return b.git.Checkout("kbisect-" + b.arch.name, b.src, b.commit.sha, &b.r.error); }

// What outside the tree feeds the configuration, as one hash: the config target
// or file, the fragments, the make variables and the compiler. "" when it cannot
// be told (the configuration is then made again).
std::string ConfigInputs(Build& b) {
  std::string all = b.arch.config + "\n", text;
  if (b.arch.config.front() == '/' && !ReadSmallFile(b.arch.config, &text)) return "";
  all += text;
  for (const std::string& f : b.arch.fragments) {
    if (!ReadSmallFile(f, &text)) return "";
    all += f + "\n" + text;
  }
  for (const std::string& v : b.arch.make_vars) all += v + "\n";
  if (b.Run({"gcc", "--version"}, b.log, &text) != 0) return "";
  all += text;
  uint8_t sum[32];
  Sha256(all, sum);
  char hex[64];
  return std::string(FormatHex(sum, hex));
}

// Whether the configuration in out/ (made for the commit and inputs the stamp
// names) still holds for this commit.
bool ConfigHolds(Build& b, const std::string& stamp, const std::string& inputs) {
  std::string text, why;
  struct stat st;
  if (inputs.empty() || !ReadSmallFile(stamp, &text) || stat((b.out + "/.config").c_str(), &st) != 0) return false;
  size_t nl = text.find('\n');
  if (nl == std::string::npos || text.substr(nl + 1) != inputs + "\n") return false;
  std::vector<std::string> changed;
  if (!b.git.ChangedPaths(text.substr(0, nl), b.commit.sha, &changed, &why)) return false;
  for (const std::string& p : changed)
    if (FeedsConfig(p)) return false;
  return true;
}

// The configuration is made apart (O=config) and copied over only when it
// changed: a new .config would make kbuild rebuild more than the commit needs.
// It is not made at all when nothing that feeds it changed since the last one
// (config.stamp: that commit and ConfigInputs).
bool Configure(Build& b) {
  if (!MakeDirs(b.cfgdir, &b.r.error)) return false;
  std::string stamp = b.work + "/config.stamp", inputs = ConfigInputs(b);
  if (b.r.outcome == Outcome::kStopped) return false;
  if (ConfigHolds(b, stamp, inputs)) {
    b.note = ", kept: nothing that feeds it changed";
    return true;
  }
  unlink(stamp.c_str());
  int rc = 0;
  if (b.arch.config.front() == '/') {
    if (!CopyFile(b.arch.config, b.cfgdir + "/.config", &b.r.error)) return false;
  } else {
    rc = b.Run(b.Make({"O=" + b.cfgdir, b.arch.config}), b.log);
  }
  if (rc == 0 && !b.arch.fragments.empty()) {
    std::vector<std::string> merge = {b.src + "/scripts/kconfig/merge_config.sh", "-m", "-O", b.cfgdir,
                                      b.cfgdir + "/.config"};
    merge.insert(merge.end(), b.arch.fragments.begin(), b.arch.fragments.end());
    rc = b.Run(merge, b.log);
  }
  if (rc == 0) rc = b.Run(b.Make({"O=" + b.cfgdir, "olddefconfig"}), b.log);
  if (rc < 0) return false;
  if (rc != 0) return CommitFailed(b);
  if (!SameFile(b.cfgdir + "/.config", b.out + "/.config") &&
      !CopyFile(b.cfgdir + "/.config", b.out + "/.config", &b.r.error))
    return false;
  if (!inputs.empty()) WriteFileAtomic(stamp, b.commit.sha + "\n" + inputs + "\n", &b.r.error);
  return true;
}

// distcc's masquerade directory (Debian's distcc package): a `gcc` there is
// distcc, which finds the real one further down PATH. Put first in PATH it sends
// the kernel's compiles to the farm while make's commands stay "gcc ...", so that
// the kbuild's recorded command lines, and so the build, do not change with it.
constexpr char kDistccBin[] = "/usr/lib/distcc";

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
    const char* path = getenv("PATH");
    env.push_back("DISTCC_HOSTS=" + hosts);
    env.push_back("DISTCC_DIR=" + b.c.work + "/distcc");
    // distcc would run `gcc` as x86_64-linux-gnu-gcc (here and on the farm), which
    // names itself so in `gcc --version`: the kernel's CONFIG_CC_VERSION_TEXT would
    // change, and with it the configuration and every object. The farm's gcc must
    // be this one anyway for the same bytes (design.md, [builder] distcc).
    env.push_back("DISTCC_NO_REWRITE_CROSS=1");
    if (b.c.ccache)
      env.push_back("CCACHE_PREFIX=distcc");
    else
      env.push_back(std::string("PATH=") + kDistccBin + ":" + (path && *path ? path : "/usr/local/bin:/usr/bin:/bin"));
    dprintf(b.log, "kbisect-builder: compiling on the farm: DISTCC_HOSTS='%s', -j%d\n", hosts.c_str(), jobs);
  }
  std::vector<std::string> argv = b.Make({"O=" + b.out, "-j" + std::to_string(jobs)});
  if (b.c.ccache) argv.push_back("CC=ccache gcc");
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

// The modules as modules.cpio.gz (doc/design.md, stage-2), when the arch's
// targets include them: `make modules_install` (which runs depmod for the
// indexes) into a scratch root, then lib/modules/<release>/ as a gzip'd newc cpio,
// without the build and source links that point into this server's tree. gzip -6,
// not -9: on Debian 6.1's own modules (a 396 MB cpio) -9 took 119 s of CPU, -6 12 s,
// for an archive 1.3% smaller.
bool PackModules(Build& b, const std::string& release, std::vector<ImageFile>* files, ImageIni* ini) {
  bool wanted = false;
  for (const std::string& t : b.arch.targets) wanted = wanted || t == "modules";
  if (!wanted) return true;
  // Both in directories the confined build may write.
  const std::string& mods = b.mods;
  std::string archive = b.out + "/kbisect-modules.cpio.gz";
  std::error_code ec;
  std::filesystem::remove_all(mods, ec);
  if (!MakeDirs(mods, &b.r.error)) return false;
  int rc = b.Run(b.Make({"O=" + b.out, "INSTALL_MOD_PATH=" + mods, "modules_install"}), b.log);
  if (rc == 0) {
    static const char kPack[] =
        "cd \"$1\" && rm -f \"lib/modules/$3/build\" \"lib/modules/$3/source\" && "
        "test -f \"lib/modules/$3/modules.dep\" && "
        "find lib/modules/$3 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -6n >\"$2\"";
    rc = b.Run({"bash", "-o", "pipefail", "-c", kPack, "pack", mods, archive, release}, b.log);
  }
  if (rc < 0) return false;
  if (rc != 0) {
    b.r.error = "cannot package the modules (see " + b.r.log + ")";
    return false;
  }
  files->push_back({archive, "modules.cpio.gz"});
  ini->modules = "modules.cpio.gz";
  return true;
}

// Names the image and publishes it into the store (store/store.h).
// The build time the kernel is given (KBUILD_BUILD_TIMESTAMP): the commit's.
std::string BuildTimestamp(const CommitInfo& commit) { return Utc(commit.time, "%a %b %e %H:%M:%S UTC %Y"); }

// A regular file of the build's output, whole (not through a link, not a FIFO:
// the commit's build wrote it); false when there is none such.
bool ReadOutputFile(const std::string& path, std::string* bytes) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  struct stat st;
  if (!fd || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t(1) << 30)) return false;
  bytes->assign(size_t(st.st_size), '\0');
  for (size_t at = 0; at < bytes->size();) {
    ssize_t n = pread(fd.get(), bytes->data() + at, bytes->size() - at, off_t(at));
    if (n <= 0) return false;
    at += size_t(n);
  }
  return true;
}

// The kernel's code sum (image.ini code_sha256): equal for two builds whose
// kernels differ in nothing but their build time. Over the kernel's loadable
// bytes (the build's arch/x86/boot/compressed/vmlinux.bin) with the build time
// and the build id zeroed wherever they are, and over each installed module (by
// path and content: the archive's file times differ from build to build). False
// when there is no kernel to read (not an error: the image is published without it).
bool CodeSha256(const Build& b, const std::string& release, bool modules, uint8_t sum[32]) {
  std::string bytes;
  if (!ReadOutputFile(b.out + "/" + std::string(b.target.code_path), &bytes)) return false;
  const std::string stamp = BuildTimestamp(b.commit);
  for (size_t at = 0; (at = bytes.find(stamp, at)) != std::string::npos; at += stamp.size())
    std::fill(bytes.begin() + long(at), bytes.begin() + long(at + stamp.size()), '\0');
  // The build id (the GNU note x86 keeps in the loaded image: namesz 4, descsz,
  // type 3 NT_GNU_BUILD_ID, "GNU\0", then the id) hashes the whole link, the time
  // included: zeroed too.
  static const char kNote[] = {3, 0, 0, 0, 'G', 'N', 'U', 0};
  const std::string note(kNote, sizeof kNote);
  for (size_t at = 8; (at = bytes.find(note, at)) != std::string::npos; at += note.size()) {
    uint32_t namesz, descsz;
    memcpy(&namesz, bytes.data() + at - 8, 4);
    memcpy(&descsz, bytes.data() + at - 4, 4);
    const size_t id = at + note.size();
    if (namesz == 4 && descsz > 0 && descsz <= 64 && id + descsz <= bytes.size())
      std::fill(bytes.begin() + long(id), bytes.begin() + long(id + descsz), '\0');
  }
  uint8_t part[32];
  Sha256(bytes, part);
  std::string all(reinterpret_cast<const char*>(part), sizeof part);
  if (modules) {
    // "<path>\0<sha256>" a file, in path order; links and the like by path alone.
    const std::filesystem::path root = b.mods + "/lib/modules/" + release;
    std::vector<std::string> paths;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
      paths.push_back(std::filesystem::relative(it->path(), root, ec).string());
    if (ec) return false;
    std::sort(paths.begin(), paths.end());
    for (const std::string& rel : paths) {
      all += rel + '\0';
      if (ReadOutputFile(root.string() + "/" + rel, &bytes)) {
        Sha256(bytes, part);
        all.append(reinterpret_cast<const char*>(part), sizeof part);
      }
    }
  }
  Sha256(all, sum);
  return true;
}

bool Package(Build& b) {
  std::string release;
  int rc = b.Run(b.Make({"-s", "O=" + b.out, "kernelrelease"}), b.log, &release);
  if (rc < 0) return false;
  release = release.substr(0, release.find('\n'));
  while (!release.empty() && (release.back() == '\n' || release.back() == ' ')) release.pop_back();
  // The release comes from the commit's Makefile: a failure here is the commit's.
  if (rc != 0 || release.empty()) {
    dprintf(b.log, "kbisect-builder: make kernelrelease failed\n");
    return CommitFailed(b);
  }

  std::string date = Utc(b.commit.time, "%Y%m%d"), built = Utc(time(nullptr), kUtcIso);
  char name_buf[kMaxImageName];
  size_t name_len = 0;
  if (Error e = FormatImageName({release, b.branch, b.commit.sha, date, b.arch.name}, name_buf, &name_len)) {
    dprintf(b.log, "kbisect-builder: no image name from the kernel release '%s': %s\n", release.c_str(), e);
    return CommitFailed(b);
  }
  std::string name(name_buf, name_len);

  const std::string kernel(b.target.image_file);
  std::vector<ImageFile> files = {{b.out + "/" + std::string(b.target.image_path), kernel},
                                  {b.out + "/.config", "config"},
                                  {b.out + "/System.map", "System.map"},
                                  {b.r.log, "build.log"}};
  ImageIni ini;
  if (!PackModules(b, release, &files, &ini)) return false;
  ini.name = name;
  ini.commit = b.commit.sha;
  ini.branch = b.branch;
  ini.arch = b.arch.name;
  ini.kernelrelease = release;
  ini.built = built;
  ini.kernel = kernel;
  if (!b.arch.initrd.empty()) {
    files.push_back({b.arch.initrd, "initrd"});
    ini.initrd = "initrd";
  }
  ini.cmdline = b.arch.cmdline;
  ini.has_cmdline = !b.arch.cmdline.empty();
  ini.has_code = CodeSha256(b, release, !ini.modules.empty(), ini.code_sha256);
  // What went in: the configuration (its sum) and the compiler it names.
  std::string config, compiler;
  if (ReadSmallFile(b.out + "/.config", &config)) {
    Sha256(config, ini.config_sha256);
    ini.has_config_sum = true;
    compiler = ConfigCompiler(config);
    ini.compiler = compiler;
  }
  bool already = false;
  if (!PublishImage(b.c.images, ini, files, b.c.sign ? &b.c.key : nullptr, &already, &b.r.error)) return false;
  b.r.image = name;
  b.r.outcome = Outcome::kPublished;
  return true;
}

// Prints "kbisect-builder: <sha12> <arch>: <step><note> (<seconds> s)".
void Progress(const Build& b, const char* step, double secs) {
  printf("kbisect-builder: %.12s %s: %s%s (%.2f s)\n", b.commit.sha.c_str(), b.arch.name.c_str(), step,
         b.note.c_str(), secs);
  fflush(stdout);
}

}  // namespace

std::string ConfigCompiler(std::string_view config) {
  static constexpr std::string_view kKey = "\nCONFIG_CC_VERSION_TEXT=\"";
  size_t at = config.find(kKey);
  if (at == std::string_view::npos) return "";
  std::string_view v = config.substr(at + kKey.size());
  v = v.substr(0, v.find('\n'));
  if (v.empty() || v.back() != '"') return "";
  v.remove_suffix(1);
  for (char c : v)
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == '"') return "";
  return v.size() <= kMaxImageName ? std::string(v) : "";
}

bool FeedsConfig(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (base.substr(0, 7) == "Kconfig") return true;
  if (path.substr(0, 8) == "scripts/" || path.substr(0, 15) == "kernel/configs/") return true;
  if (path == "Makefile") return true;
  if (path.substr(0, 5) == "arch/") {
    std::string_view rest = path.substr(5);
    size_t s = rest.find('/');
    if (s != std::string_view::npos && rest.substr(s) == "/Makefile") return true;  // arch/<a>/Makefile
    if (rest.find("/configs/") != std::string_view::npos) return true;
  }
  return false;
}

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
