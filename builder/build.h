// One build: commit x arch -> a published image, or a failure with its log.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "builder/config.h"
#include "lib/git.h"
#include "builder/state.h"

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

BuildReport BuildOne(const BuilderConfig& c, Git& git, const BuilderState& state, const CommitInfo& commit,
                     const std::string& branch, const ArchConfig& arch);

}  // namespace kb
