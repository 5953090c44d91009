// The steps of one build (build.h's BuildOne), shared by build.cc (checkout,
// make and the outcome rules), configure.cc (the configuration) and package.cc
// (naming, packing, publishing). Internal to the builder.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "builder/build.h"
#include "common/arch.h"
#include "common/text.h"
#include "lib/confine.h"
#include "lib/run.h"

namespace kb {

using Clock = std::chrono::steady_clock;

inline double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

inline std::string Utc(int64_t t, const char* fmt) {
  char buf[64];
  return std::string(FormatUtc(t, fmt, buf));
}

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
bool CommitFailed(Build& b);

// The configuration in the build's out/ (build.h: FeedsConfig).
bool Configure(Build& b);
// The image named and published.
bool Package(Build& b);

// The build time the kernel is given (KBUILD_BUILD_TIMESTAMP): the commit's.
std::string BuildTimestamp(const CommitInfo& commit);

}  // namespace kb
