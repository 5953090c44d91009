#include "common/rootdev.h"

#include <cstring>

#include "common/cmdline.h"
#include "common/text.h"

namespace kb {
namespace {

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// Hex digits and dashes, 1 to 36 of them, at least one digit.
bool LooksLikeUuid(std::string_view v) {
  if (v.empty() || v.size() > 36) return false;
  bool digit = false;
  for (char c : v) {
    if (c == '-') continue;
    if (!IsHex(c)) return false;
    digit = true;
  }
  return digit;
}

uint16_t Le16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }
uint32_t Le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint64_t Le64(const uint8_t* p) { return uint64_t(Le32(p)) | uint64_t(Le32(p + 4)) << 32; }

// Writes bytes as hex into out, advancing it.
void PutHex(const uint8_t* b, size_t n, char** out) { *out += FormatHex({b, n}, *out).size(); }

// 16 bytes in order, as 8-4-4-4-12 (a filesystem's UUID).
void FormatUuid(const uint8_t* b, char out[37]) {
  char* p = out;
  static constexpr size_t kGroups[] = {4, 2, 2, 2, 6};
  for (size_t g = 0; g < 5; ++g) {
    if (g) *p++ = '-';
    PutHex(b, kGroups[g], &p);
    b += kGroups[g];
  }
  *p = '\0';
}

// A GPT GUID: its first three fields are little-endian.
void FormatGuid(const uint8_t* b, char out[37]) {
  uint8_t swapped[16] = {b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]};
  memcpy(swapped + 8, b + 8, 8);
  FormatUuid(swapped, out);
}

constexpr size_t kSuperblock = 1024;
constexpr uint16_t kExtMagic = 0xEF53;

Error ReadGpt(std::span<const uint8_t> head, size_t sector_size, std::span<PartitionId> out, size_t* count) {
  if (head.size() < 2 * sector_size) return "the disk's head is too short for a GPT header";
  const uint8_t* h = head.data() + sector_size;
  if (memcmp(h, "EFI PART", 8) != 0) return "protective MBR but no GPT header at LBA 1";
  uint64_t first_lba = Le64(h + 72);
  uint32_t entries = Le32(h + 80);
  uint32_t entry_size = Le32(h + 84);
  if (entry_size < 128 || entry_size > 4096 || entry_size % 8 != 0) return "GPT entry size is not 128 to 4096 bytes";
  if (entries > kMaxPartitions) return "GPT has more than 128 entries";
  if (first_lba < 2 || first_lba > head.size() / sector_size ||
      (head.size() - first_lba * sector_size) / entry_size < entries) {
    return "GPT entries lie beyond the disk's first 64 KiB";
  }
  static constexpr uint8_t kZero[16] = {};
  for (uint32_t i = 0; i < entries; ++i) {
    const uint8_t* e = head.data() + first_lba * sector_size + size_t(i) * entry_size;
    if (memcmp(e, kZero, 16) == 0) continue;  // no type: unused
    if (*count == out.size()) return "more partitions than the reader has room for";
    PartitionId& p = out[(*count)++];
    p.number = i + 1;
    FormatGuid(e + 16, p.partuuid);
  }
  return nullptr;
}

}  // namespace

Error ParseRootSpec(std::string_view root, RootSpec* out) {
  auto take = [&](std::string_view prefix, RootKind kind) {
    if (root.substr(0, prefix.size()) != prefix) return false;
    *out = RootSpec{kind, root.substr(prefix.size())};
    return true;
  };
  if (take("/dev/", RootKind::kDevice)) {
    if (out->value.empty()) return "root=/dev/ names no device";
    if (out->value.find('/') != std::string_view::npos)
      return "root= names a path below /dev (a udev link, absent before the root is mounted): use UUID=, LABEL= or PARTUUID=";
    return nullptr;
  }
  if (take("UUID=", RootKind::kUuid)) {
    return LooksLikeUuid(out->value) ? nullptr : "root=UUID= is not a UUID (hex digits and dashes)";
  }
  if (take("PARTUUID=", RootKind::kPartUuid)) {
    if (out->value.find('/') != std::string_view::npos) return "root=PARTUUID=.../PARTNROFF= is not supported";
    return LooksLikeUuid(out->value) ? nullptr : "root=PARTUUID= is not a partition UUID (hex digits and dashes)";
  }
  if (take("LABEL=", RootKind::kLabel)) {
    if (out->value.empty() || out->value.size() > 16) return "root=LABEL= is empty or longer than 16 characters";
    return nullptr;
  }
  if (root.empty()) return "root= is empty";
  return "root= is not /dev/NAME, UUID=, LABEL= or PARTUUID=";
}

Error ReadFsIdentity(std::span<const uint8_t> head, FsIdentity* out) {
  *out = FsIdentity{};
  if (head.size() < kSuperblock + 256) return "too short for a filesystem superblock";
  const uint8_t* sb = head.data() + kSuperblock;
  if (Le16(sb + 0x38) != kExtMagic) return "no ext2/3/4 superblock";
  memcpy(out->type, "ext4", 5);  // the kernel's ext4 driver mounts all three
  FormatUuid(sb + 0x68, out->uuid);
  for (size_t i = 0; i < 16 && sb[0x78 + i] != 0; ++i) {
    uint8_t c = sb[0x78 + i];
    if (c < 0x20 || c == 0x7f) return "the filesystem's label has control characters";
    out->label[i] = char(c);
  }
  return nullptr;
}

Error ReadPartitions(std::span<const uint8_t> head, size_t sector_size, std::span<PartitionId> out,
                     size_t* count) {
  *count = 0;
  if (sector_size < 512 || sector_size > 4096 || (sector_size & (sector_size - 1)) != 0)
    return "sector size is not a power of two from 512 to 4096";
  if (head.size() < 512 || head[510] != 0x55 || head[511] != 0xAA) return nullptr;  // no table
  const uint8_t* mbr = head.data();
  for (size_t i = 0; i < 4; ++i) {
    if (mbr[446 + i * 16 + 4] == 0xEE) return ReadGpt(head, sector_size, out, count);
  }
  uint32_t signature = Le32(mbr + 440);
  for (unsigned i = 0; i < 4; ++i) {
    if (mbr[446 + i * 16 + 4] == 0) continue;
    if (*count == out.size()) return "more partitions than the reader has room for";
    PartitionId& p = out[(*count)++];
    p.number = i + 1;
    uint8_t b[5] = {uint8_t(signature >> 24), uint8_t(signature >> 16), uint8_t(signature >> 8),
                    uint8_t(signature), uint8_t(i + 1)};
    char* s = p.partuuid;
    PutHex(b, 4, &s);
    *s++ = '-';
    PutHex(b + 4, 1, &s);
    *s = '\0';
  }
  return nullptr;
}

bool SameUuid(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

Error ParseRootArgs(std::string_view cmdline, RootArgs* out, std::string_view* param) {
  RootArgs a;
  std::string_view rest = cmdline;
  CmdlineParam p;
  Error err = nullptr;
  while (NextParam(&rest, &p, &err)) {
    *param = p.key;
    if (p.key == "root") {
      if (!p.has_value) return "root needs a value (root=UUID=...)";
      if (Error e = ParseRootSpec(p.value, &a.root)) return e;
      a.has_root = true;
      a.root_text = p.value;
    } else if (p.key == "rootfstype") {
      if (p.value.empty() || p.value.size() > 32) return "rootfstype= is empty or longer than 32 characters";
      a.fstype = p.value;
    } else if (p.key == "rootflags") {
      if (p.value.size() > 256) return "rootflags= is longer than 256 characters";
      a.flags = p.value;
    } else if (p.key == "ro" && !p.has_value) {
      a.rw = false;
    } else if (p.key == "rw" && !p.has_value) {
      a.rw = true;
    } else if (p.key == "rootwait" && !p.has_value) {
      a.delay_s = kRootWaitSeconds;
    } else if (p.key == "rootdelay") {
      unsigned v = 0;
      if (p.value.empty() || p.value.size() > 4) return "rootdelay= is not a number of seconds up to 3600";
      for (char c : p.value) {
        if (c < '0' || c > '9') return "rootdelay= is not a number of seconds up to 3600";
        v = v * 10 + unsigned(c - '0');
      }
      if (v > kMaxRootDelay) return "rootdelay= is not a number of seconds up to 3600";
      a.delay_s = v;
    } else if (p.key == "init") {
      if (p.value.empty() || p.value.front() != '/' || p.value.size() > 255)
        return "init= is not an absolute path (of at most 255 characters)";
      a.init = p.value;
    }
  }
  if (err) {
    *param = cmdline;
    return err;
  }
  *param = {};
  *out = a;
  return nullptr;
}

bool PartitionName(std::string_view disk, unsigned number, std::span<char> out) {
  char digits[12];
  size_t n = 0;
  do {
    digits[n++] = char('0' + number % 10);
    number /= 10;
  } while (number && n < sizeof digits);
  bool p = !disk.empty() && disk.back() >= '0' && disk.back() <= '9';
  size_t need = disk.size() + (p ? 1 : 0) + n + 1;
  if (disk.empty() || need > out.size()) return false;
  char* o = out.data();
  memcpy(o, disk.data(), disk.size());
  o += disk.size();
  if (p) *o++ = 'p';
  while (n) *o++ = digits[--n];
  *o = '\0';
  return true;
}

}  // namespace kb
