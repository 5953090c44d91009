// A disk's first bytes (partition tables, an ext superblock) and root= values:
// whatever is on a test machine's disk or its command line.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/rootdev.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> head(data, size);
  kb::PartitionId parts[kb::kMaxPartitions];
  size_t n = 0;
  kb::ReadPartitions(head, 512, parts, &n);
  kb::ReadPartitions(head, 4096, std::span(parts, 2), &n);
  kb::FsIdentity id;
  kb::ReadFsIdentity(head, &id);
  kb::RootSpec root;
  std::string_view text(reinterpret_cast<const char*>(data), size < 64 ? size : 64);
  if (kb::ParseRootSpec(text, &root) == nullptr && root.kind == kb::RootKind::kUuid) {
    kb::SameUuid(root.value, id.uuid);
  }
  kb::RootArgs args;
  std::string_view param;
  kb::ParseRootArgs(std::string_view(reinterpret_cast<const char*>(data), size), &args, &param);
  char name[32];
  kb::PartitionName(text.substr(0, 16), size, name);
  return 0;
}
