#include "builder/build.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "builder/run.h"
#include "common/names.h"

namespace kb {
namespace {

namespace fs = std::filesystem;

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string Utc(int64_t t, const char* fmt) {
  time_t tt = time_t(t);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[64];
  strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

bool Sha256File(const std::string& path, std::string* hex) {
  FILE* f = fopen(path.c_str(), "rbe");
  if (!f) return false;
  br_sha256_context ctx;
  br_sha256_init(&ctx);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) br_sha256_update(&ctx, buf, n);
  bool ok = !ferror(f);
  fclose(f);
  unsigned char sum[32];
  br_sha256_out(&ctx, sum);
  static const char kHex[] = "0123456789abcdef";
  hex->clear();
  for (unsigned char b : sum) *hex += std::string{kHex[b >> 4], kHex[b & 15]};
  return ok;
}

// Copies with read and write so that the error is the real one (copy_file's
// in-kernel paths report a full tmpfs as EIO). "" or the reason.
std::string CopyFile(const std::string& from, const std::string& to) {
  int in = open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return "cannot read " + from + ": " + strerror(errno);
  int out = open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    std::string e = "cannot create " + to + ": " + strerror(errno);
    close(in);
    return e;
  }
  std::string err;
  static char buf[1 << 16];
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = "cannot read " + from + ": " + strerror(errno);
      break;
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out, buf + off, size_t(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        err = "cannot write " + to + ": " + strerror(w < 0 ? errno : EIO);
        break;
      }
      off += w;
    }
    if (!err.empty()) break;
  }
  if (err.empty() && fsync(out) != 0) err = "cannot write " + to + ": " + strerror(errno);
  close(in);
  if (close(out) != 0 && err.empty()) err = "cannot write " + to + ": " + strerror(errno);
  return err;
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
      out.push_back(line);
  return out;
}

bool LogHas(const std::string& log, const std::string& text) {
  std::string all;
  return ReadSmallFile(log, &all) && all.find(text) != std::string::npos;
}

// Prints "kbisect-builder: <sha12> <arch>: <step> (<seconds> s)".
void Progress(const CommitInfo& c, const ArchConfig& a, const std::string& step, double secs) {
  printf("kbisect-builder: %.12s %s: %s (%.1f s)\n", c.sha.c_str(), a.name.c_str(), step.c_str(), secs);
  fflush(stdout);
}

}  // namespace

BuildReport BuildOne(const BuilderConfig& c, Git& git, const BuilderState& state, const CommitInfo& commit,
                     const std::string& branch, const ArchConfig& arch) {
  BuildReport r;
  auto start = std::chrono::steady_clock::now();
  std::string work = c.work + "/" + arch.name, src = work + "/src", out = work + "/out", cfgdir = work + "/config";
  if (!MakeDirs(work, &r.error) || !MakeDirs(out, &r.error)) return r;

  // One build at a time in an arch's work tree, across builders sharing it.
  int lock_fd = open((work + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (lock_fd >= 0) close(lock_fd);
    r.outcome = Outcome::kBusy;
    return r;
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{lock_fd};

  r.log = work + "/build.log";
  int log = open(r.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log < 0) return r.error = "cannot write " + r.log + ": " + strerror(errno), r;
  struct LogCloser {
    int fd;
    ~LogCloser() { close(fd); }
  } log_closer{log};
  dprintf(log, "kbisect-builder: %s (%s) for %s on %s\n", commit.sha.c_str(), commit.summary.c_str(),
          arch.name.c_str(), branch.c_str());

  auto step = std::chrono::steady_clock::now();
  if (!git.Checkout("kbisect-" + arch.name, src, commit.sha, &r.error)) return r;
  Progress(commit, arch, "checkout", Since(step));

  std::string jobs = std::to_string(c.jobs > 0 ? c.jobs : int(std::thread::hardware_concurrency()));
  std::vector<std::string> env = {"ARCH=" + arch.name, "KBUILD_BUILD_USER=kbisect", "KBUILD_BUILD_HOST=kbisect",
                                  "KBUILD_BUILD_VERSION=1",
                                  "KBUILD_BUILD_TIMESTAMP=" + Utc(commit.time, "%a %b %e %H:%M:%S UTC %Y"),
                                  "LC_ALL=C"};
  if (c.ccache) env.push_back("CCACHE_DIR=" + c.work + "/ccache");
  std::vector<std::string> make = {"make", "-C", src, "ARCH=" + arch.name};
  auto run = [&](std::vector<std::string> argv, int fd) -> int {
    std::string e;
    int rc = RunCommand(argv, "", env, fd, "", &e);
    if (rc == -1) r.error = e;
    return rc;
  };
  auto stopped = [&](int rc) {
    if (rc == -2) r.outcome = Outcome::kStopped;
    return rc == -2;
  };

  // The configuration is made apart and copied over only when it changed: a new
  // .config would make kbuild rebuild more than the commit's change needs.
  step = std::chrono::steady_clock::now();
  if (!MakeDirs(cfgdir, &r.error)) return r;
  std::vector<std::string> mk_cfg = make;
  mk_cfg.push_back("O=" + cfgdir);
  int rc;
  if (arch.config.front() == '/') {
    std::error_code ec;
    fs::copy_file(arch.config, cfgdir + "/.config", fs::copy_options::overwrite_existing, ec);
    if (ec) return r.error = "cannot copy " + arch.config + ": " + ec.message(), r;
    rc = 0;
  } else {
    auto argv = mk_cfg;
    argv.push_back(arch.config);
    rc = run(argv, log);
  }
  if (stopped(rc)) return r;
  if (rc == 0 && !arch.fragments.empty()) {
    std::vector<std::string> merge = {src + "/scripts/kconfig/merge_config.sh", "-m", "-O", cfgdir,
                                      cfgdir + "/.config"};
    merge.insert(merge.end(), arch.fragments.begin(), arch.fragments.end());
    rc = run(merge, log);
    if (stopped(rc)) return r;
  }
  if (rc == 0) {
    auto argv = mk_cfg;
    argv.push_back("olddefconfig");
    rc = run(argv, log);
    if (stopped(rc)) return r;
  }
  if (rc == 0 && !SameFile(cfgdir + "/.config", out + "/.config")) {
    std::error_code ec;
    fs::copy_file(cfgdir + "/.config", out + "/.config", fs::copy_options::overwrite_existing, ec);
    if (ec) return r.error = "cannot copy the configuration: " + ec.message(), r;
  }
  Progress(commit, arch, "config", Since(step));

  step = std::chrono::steady_clock::now();
  std::vector<std::string> build = make;
  build.insert(build.end(), {"O=" + out, "-j" + jobs});
  if (c.ccache) build.push_back("CC=ccache gcc");
  build.insert(build.end(), arch.make_vars.begin(), arch.make_vars.end());
  build.insert(build.end(), arch.targets.begin(), arch.targets.end());
  for (const std::string& a : build) r.make_command += (r.make_command.empty() ? "" : " ") + a;
  if (rc == 0) rc = run(build, log);
  if (stopped(rc)) return r;
  r.make_seconds = Since(step);
  Progress(commit, arch, "make", r.make_seconds);
  if (rc != 0) {
    // A full disk or a broken tool is the builder's trouble, not the commit's.
    if (rc < 0 || LogHas(r.log, "No space left on device")) {
      r.error = rc < 0 ? r.error : "no space left on device (see " + r.log + ")";
      return r;
    }
    std::string kept = state.LogPath(commit.sha, arch.name);
    std::error_code ec;
    fs::copy_file(r.log, kept, fs::copy_options::overwrite_existing, ec);
    if (!ec) r.log = kept;
    r.first_errors = FirstErrors(r.log);
    r.outcome = Outcome::kFailed;
    r.seconds = Since(start);
    return r;
  }

  // Package into a hidden directory of the store, then publish by rename.
  step = std::chrono::steady_clock::now();
  std::string release_file = work + "/kernelrelease";
  int rel_fd = open(release_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  auto rel_argv = make;
  rel_argv.insert(rel_argv.end(), {"-s", "O=" + out, "kernelrelease"});
  rc = run(rel_argv, rel_fd);
  close(rel_fd);
  if (stopped(rc)) return r;
  std::string release;
  ReadSmallFile(release_file, &release);
  while (!release.empty() && (release.back() == '\n' || release.back() == ' ')) release.pop_back();
  if (rc != 0 || release.empty()) return r.error = "make kernelrelease failed", r;

  std::string date = Utc(commit.time, "%Y%m%d");
  char name_buf[kMaxImageName];
  size_t name_len = 0;
  if (Error e = FormatImageName({release, branch, commit.sha, date, arch.name}, name_buf, &name_len))
    return r.error = std::string("no image name: ") + e, r;
  std::string name(name_buf, name_len);
  std::string tmp = c.images + "/.tmp-" + name + "." + std::to_string(getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  auto fail_io = [&](const std::string& what) {
    std::error_code ignore;
    fs::remove_all(tmp, ignore);
    r.error = what;
    return r;
  };
  if (!fs::create_directories(tmp, ec) && ec) return fail_io("cannot create " + tmp + ": " + ec.message());
  const std::pair<std::string, std::string> files[] = {{out + "/arch/x86/boot/bzImage", "bzImage"},
                                                       {out + "/.config", "config"},
                                                       {out + "/System.map", "System.map"},
                                                       {r.log, "build.log"}};
  for (const auto& [from, to] : files)
    if (std::string e = CopyFile(from, tmp + "/" + to); !e.empty()) return fail_io(e);
  bool modules = false;
  for (const std::string& t : arch.targets) modules = modules || t == "modules";
  if (modules) {
    std::string mods = work + "/modules";
    fs::remove_all(mods, ec);
    auto argv = make;
    argv.insert(argv.end(), {"O=" + out, "INSTALL_MOD_PATH=" + mods, "modules_install"});
    rc = run(argv, log);
    if (stopped(rc)) return fail_io("stopped");
    if (rc == 0) rc = run({"tar", "-cJf", tmp + "/modules.tar.xz", "-C", mods, "lib"}, log);
    if (rc != 0) return fail_io("cannot package the modules (see " + r.log + ")");
  }
  std::string sum, initrd_sum;
  if (!Sha256File(tmp + "/bzImage", &sum)) return fail_io("cannot read back the bzImage");
  if (!arch.initrd.empty()) {
    if (std::string e = CopyFile(arch.initrd, tmp + "/initrd"); !e.empty()) return fail_io(e);
    if (!Sha256File(tmp + "/initrd", &initrd_sum)) return fail_io("cannot read back " + tmp + "/initrd");
  }
  std::ostringstream ini;
  ini << "[image]\nname = " << name << "\ncommit = " << commit.sha << "\nbranch = " << branch
      << "\narch = " << arch.name << "\nkernelrelease = " << release << "\nbuilt = "
      << Utc(time(nullptr), "%Y-%m-%dT%H:%M:%SZ") << "\nkernel = bzImage\nkernel_sha256 = " << sum << "\n";
  if (!arch.initrd.empty()) ini << "initrd = initrd\ninitrd_sha256 = " << initrd_sum << "\n";
  if (!arch.cmdline.empty()) ini << "cmdline = " << arch.cmdline << "\n";
  std::string werr;
  if (!WriteFileAtomic(tmp + "/image.ini", ini.str(), &werr)) return fail_io(werr);
  for (const char* f : {"bzImage", "config", "System.map", "build.log", "modules.tar.xz", "initrd"})
    chmod((tmp + "/" + f).c_str(), 0644);
  chmod(tmp.c_str(), 0755);
  std::string final_dir = c.images + "/" + name;
  if (rename(tmp.c_str(), final_dir.c_str()) != 0) {
    if (errno != EEXIST && errno != ENOTEMPTY) return fail_io("cannot publish " + final_dir + ": " + strerror(errno));
    fs::remove_all(tmp, ec);  // the same image is already there: it is built once
  }
  Progress(commit, arch, "package and publish", Since(step));
  r.image = name;
  r.outcome = Outcome::kPublished;
  r.seconds = Since(start);
  return r;
}

}  // namespace kb
