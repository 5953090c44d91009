// Loading kernel modules the way modprobe would, from /lib/modules/<running
// release>/ of the initramfs: the stage-1's own (step 2), and in stage-2 the
// candidate's, for its root device.
#pragma once

#include <string_view>

namespace kb {

// Which of a list's modules to load: all but the NFS client's
// (IsNfsClientModule), or only those.
enum class ModuleSet { kNotNfs, kNfs };

// Loads the comma- or newline-separated module names in `names` (the
// kbisect.modules value, or /etc/kbisect/modules when the cmdline has none)
// that are in `set`, with finit_module, dependencies first. Says every failure;
// returns the number of modules that failed.
int LoadModules(std::string_view names, ModuleSet set);

// depmod's indexes of the running kernel's modules (modules.dep, modules.alias,
// modules.softdep), mapped read-only, and the modules loaded through them.
class ModuleIndex {
 public:
  // Maps the indexes of /lib/modules/<release>; false (said) when there is no
  // modules.dep. A missing alias or softdep file is an empty one.
  // quiet: no word when there is none (a stage-1 without network drivers).
  bool Open(std::string_view release, bool quiet = false);
  bool is_open() const { return !dep_.empty(); }

  // Loads `name` (a module name, '-' or '_', or an alias such as "fs-ext4" or
  // "crc32c") with its softdep pre-dependencies and its dependencies, each once.
  // Returns the number of modules loaded now; a name that is neither a module nor
  // an alias is nothing to load (it may be built in). Failures are said.
  int Load(std::string_view name);

  // Loads the modules whose aliases match a device's modalias.
  int LoadForDevice(std::string_view modalias);

 private:
  int LoadDepth(std::string_view name, int depth);
  int LoadPaths(std::string_view name, int depth);
  bool Tried(std::string_view path) const;

  std::string_view dep_, alias_, softdep_;
  char dir_[256] = {};
  static constexpr size_t kMaxLoaded = 256;
  std::string_view loaded_[kMaxLoaded];  // paths into dep_ tried, loaded or not
  size_t loaded_count_ = 0;
};

}  // namespace kb
