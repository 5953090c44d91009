// Stage-2's search for the root= device (stage2.h): the storage drivers its
// devices need (coldplug from /sys/devices), and the block device that root=
// names (a device name, UUID= or PARTUUID=, read from the devices themselves).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/modalias.h"
#include "common/rootdev.h"
#include "init/load_modules.h"

namespace kb {

// Coldplug: the drivers of the devices under /sys/devices that `wanted` takes
// (stage-2: storage, IsStorageModalias; stage-1: network, IsNetworkModalias),
// each modalias once. Bounded in depth and entries.
class Coldplug {
 public:
  explicit Coldplug(ModuleIndex* index, bool (*wanted)(std::string_view) = IsStorageModalias)
      : index_(index), wanted_(wanted) {}
  // Walks the devices; returns the number of modules loaded.
  int Scan();

 private:
  int Walk(char* path, size_t len, int depth);
  // True the first time a modalias is seen.
  bool Remember(std::string_view m);
  ModuleIndex* index_;
  bool (*wanted_)(std::string_view);
  uint64_t seen_[512] = {};
  size_t seen_count_ = 0;
  size_t entries_ = 0;
};

// The root device's name, or false when none matches yet. `seen` lists the
// block devices there were, for the failure's message.
bool FindRoot(const RootSpec& spec, char (&found)[64], FsIdentity* fs, char (&seen)[256]);

}  // namespace kb
