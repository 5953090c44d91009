// Finding the root device for stage-2 (doc/design.md, "Test machines that boot
// their own OS"): the kernel's root= forms, and the identities a block device
// can be named by, read from its first bytes (untrusted: whatever is on the
// disk). Pure: the init reads the bytes and walks /sys/class/block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

// root= as the kernel reads it: /dev/NAME, UUID=, LABEL=, PARTUUID=.
enum class RootKind { kDevice, kUuid, kLabel, kPartUuid };
struct RootSpec {
  RootKind kind = RootKind::kDevice;
  std::string_view value;  // "vda1" for /dev/vda1; the UUID, label or PARTUUID otherwise
};
Error ParseRootSpec(std::string_view root, RootSpec* out);

// How many bytes of a device the readers below want at most: the partition table
// (MBR, or a GPT header at LBA 1 and its entries) and a filesystem's superblock.
inline constexpr size_t kDeviceHeadBytes = 64 * 1024;

// A filesystem's identity from the device's first bytes: ext2/3/4 only (the
// superblock at 1024). uuid as blkid prints it (lower case); label may be empty.
struct FsIdentity {
  char type[5] = {};  // "ext4" (ext2/3/4 are told apart by their feature flags)
  char uuid[37] = {};
  char label[17] = {};
};
Error ReadFsIdentity(std::span<const uint8_t> head, FsIdentity* out);

// The partitions of a disk from its first bytes: a GPT (protective MBR, header at
// LBA 1, entries within head) or an MBR's four primary entries. partuuid as the
// kernel and blkid print it: a GPT entry's unique GUID, or an MBR's disk
// signature and partition number ("0a1b2c3d-01"). Unused entries are left out, and
// so are the logical partitions inside an MBR extended one (not read).
struct PartitionId {
  unsigned number = 0;  // 1-based, as in vda1
  char partuuid[37] = {};
};
inline constexpr size_t kMaxPartitions = 128;
Error ReadPartitions(std::span<const uint8_t> head, size_t sector_size, std::span<PartitionId> out,
                     size_t* count);

// The root keys of a candidate's command line, as the kernel reads them, for
// stage-2 (doc/design.md): root=, rootfstype=, rootflags=, ro / rw, rootwait,
// rootdelay=S, init=. Other parameters are ignored; the last of a repeated key wins
// (as in the kernel). Unlike the kernel, no wait is forever: rootdelay=S waits up
// to S seconds for the device, rootwait up to kRootWaitSeconds, neither
// kDefaultRootDelay.
inline constexpr unsigned kDefaultRootDelay = 30, kRootWaitSeconds = 300, kMaxRootDelay = 3600;
struct RootArgs {
  bool has_root = false;  // root= was given (then `root` is parsed)
  RootSpec root;
  std::string_view root_text;  // root='s value as written, for messages
  std::string_view fstype;  // empty: told from the superblock
  std::string_view flags;   // the mount's data, e.g. "data=journal"
  bool rw = false;
  unsigned delay_s = kDefaultRootDelay;
  std::string_view init = "/sbin/init";
};
// Errors name the parameter in *param (as written).
Error ParseRootArgs(std::string_view cmdline, RootArgs* out, std::string_view* param);

// The name of partition `number` of disk `disk` as the kernel names it: "vda" 1
// is "vda1", "nvme0n1" 1 is "nvme0n1p1" (a 'p' after a digit). NUL-terminated in
// out; false when it does not fit.
bool PartitionName(std::string_view disk, unsigned number, std::span<char> out);

// Whether two UUID texts are the same (hex case ignored).
bool SameUuid(std::string_view a, std::string_view b);

}  // namespace kb
