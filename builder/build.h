// One build: commit x arch -> a published image, or a failure with its log.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "builder/config.h"
#include "builder/state.h"
#include "lib/git.h"
#include "lib/run.h"

namespace kb {

enum class Outcome {
  kPublished,  // the image is in the store
  kFailed,     // the commit does not build: remembered, mailed
  kStopped,    // SIGTERM: nothing published, nothing remembered
  kBusy,       // another builder uses this arch's work tree now
  kError,      // the builder's own trouble (disk, git): not remembered, retried
};

struct BuildReport {
  Outcome outcome = Outcome::kError;
  std::string image;        // kPublished
  std::string log;          // the build log (kept under the state for kFailed)
  std::string make_command;
  std::vector<std::string> first_errors;  // kFailed
  std::string error;        // kError
  double seconds = 0;       // the whole build
  double make_seconds = 0;  // make alone
};

// Whether a change to `path` (relative to the kernel tree) can change what
// `make <config>`, merge_config.sh and olddefconfig make of the configuration:
// Kconfig files, the config fragments and defconfigs in the tree, the top and
// arch Makefiles, and scripts/ (kconfig itself and the tool probes Kconfig runs).
// When no changed path does, and nothing outside the tree that feeds the
// configuration changed, the builder keeps the last configuration.
bool FeedsConfig(std::string_view path);

// The compiler a kernel configuration names (CONFIG_CC_VERSION_TEXT without its
// quotes: "gcc (Debian 12.2.0-14+deb12u1) 12.2.0"), for image.ini's compiler; ""
// when it names none (a kernel before 5.8) or none image.ini can hold.
std::string ConfigCompiler(std::string_view config);

// What a build acts on besides git and the store: the commands it runs (the
// commit's make, confined) and the free space of the disks it writes, which
// decides whether a failed step is the commit's or the disk's. Tests give a fake.
class BuildHost {
 public:
  virtual ~BuildHost() = default;
  virtual Runner& Commands() = 0;
  // Free bytes for an unprivileged writer on path's file system; -1 when unknown.
  virtual long long FreeBytes(const std::string& path) = 0;
};
BuildHost& RealBuildHost();

// Under this much free space, a failed step is the disk's fault, not the commit's.
constexpr long long kLowSpace = 64ll << 20;

// One build of commit for arch, its steps (checkout, config, make, package and
// publish) run through host. The outcome rules: a step's command that fails is
// the commit's (kFailed, its log kept under the state), unless a disk the build
// writes has less than kLowSpace free (kError: the builder's, retried, not
// remembered); a stop is kStopped; a command that cannot start, kError.
BuildReport BuildOne(const BuilderConfig& c, Git& git, const BuilderState& state, const CommitInfo& commit,
                     const std::string& branch, const ArchConfig& arch, BuildHost& host = RealBuildHost());

}  // namespace kb
