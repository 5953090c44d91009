#include "common/bzimage.h"

#include <cstring>

#include "common/chars.h"

namespace kb {
namespace {

// Offsets of the setup header (and of the zero page, which holds a copy of it at
// the same offsets).
constexpr size_t kSetupSects = 0x1f1;
constexpr size_t kSyssize = 0x1f4;
constexpr size_t kBootFlag = 0x1fe;
constexpr size_t kJump = 0x200;
constexpr size_t kHeaderMagic = 0x202;
constexpr size_t kVersion = 0x206;
constexpr size_t kTypeOfLoader = 0x210;
constexpr size_t kLoadflags = 0x211;
constexpr size_t kCode32Start = 0x214;
constexpr size_t kRamdiskImage = 0x218;
constexpr size_t kRamdiskSize = 0x21c;
constexpr size_t kCmdLinePtr = 0x228;
constexpr size_t kInitrdAddrMax = 0x22c;
constexpr size_t kKernelAlignment = 0x230;
constexpr size_t kRelocatable = 0x234;
constexpr size_t kXloadflags = 0x236;
constexpr size_t kCmdlineSize = 0x238;
constexpr size_t kPrefAddress = 0x258;
constexpr size_t kInitSize = 0x260;
constexpr size_t kHeaderMin = 0x264;  // through init_size (protocol 2.10)
constexpr size_t kHeaderMax = 0x290;  // where the zero page's copy of it ends
// Zero-page fields outside the header.
constexpr size_t kScreenInfo = 0x000;
constexpr size_t kScreenInfoSize = 0x40;
constexpr size_t kAcpiRsdp = 0x070;
constexpr size_t kE820Entries = 0x1e8;
constexpr size_t kE820Table = 0x2d0;

constexpr uint8_t kLoadedHigh = 0x01;
constexpr uint8_t kCanUseHeap = 0x80;
constexpr uint64_t k4G = 0x100000000ull;
constexpr uint64_t kPage = 4096;
constexpr uint64_t k1M = 0x100000;  // below it: the BIOS's, the real-mode code's and ours

uint64_t Le(std::span<const uint8_t> b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = v << 8 | b[at + i];
  return v;
}

void PutLe(uint8_t* b, size_t at, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) b[at + i] = uint8_t(v >> (8 * i));
}

uint64_t RoundUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

bool Overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end) { return a < b_end && b < a_end; }

bool InRam(std::span<const MemRange> ram, uint64_t start, uint64_t end) {
  for (const MemRange& r : ram)
    if (r.start <= start && end <= r.end) return true;
  return false;
}

// The highest page-aligned address a with [a, a + size) in RAM, below `top`, and
// clear of the `busy` intervals; false when there is none.
bool Highest(std::span<const MemRange> ram, uint64_t size, uint64_t top, std::span<const MemRange> busy,
             uint64_t* out) {
  bool found = false;
  for (const MemRange& r : ram) {
    uint64_t hi = r.end < top ? r.end : top;
    // Walk down from the range's top, stepping below each busy interval met.
    for (int guard = 0; guard < 8 && hi > r.start && hi - r.start >= size; ++guard) {
      uint64_t a = (hi - size) / kPage * kPage;
      if (a < r.start) break;
      const MemRange* hit = nullptr;
      for (const MemRange& b : busy)
        if (Overlaps(a, a + size, b.start, b.end)) hit = &b;
      if (!hit) {
        if (!found || a > *out) *out = a;
        found = true;
        break;
      }
      hi = hit->start;
    }
  }
  return found;
}

}  // namespace

bool HasEfiStub(std::span<const uint8_t> head) {
  if (head.size() < 0x40 || head[0] != 'M' || head[1] != 'Z') return false;
  uint32_t pe = uint32_t(head[0x3c]) | uint32_t(head[0x3d]) << 8 | uint32_t(head[0x3e]) << 16 |
                uint32_t(head[0x3f]) << 24;
  return pe <= head.size() - 4 && memcmp(head.data() + pe, "PE\0\0", 4) == 0;
}

Error ParseBzImage(std::span<const uint8_t> file, BzImage* out) {
  if (file.size() < kHeaderMin) return "not a bzImage, or truncated: shorter than a bzImage's setup header";
  if (Le(file, kBootFlag, 2) != 0xaa55 || Le(file, kHeaderMagic, 4) != 0x53726448)  // "HdrS"
    return "not a bzImage (no x86 boot protocol header)";
  uint16_t protocol = uint16_t(Le(file, kVersion, 2));
  out->protocol = protocol;
  if (protocol < kOldestBootProtocol) return "its boot protocol is older than 2.10, the oldest kexec_load takes here";
  if (!(file[kLoadflags] & kLoadedHigh)) return "a zImage (loaded low): only bzImages are taken";
  size_t header_end = kJump + 2 + file[kJump + 1];
  size_t sects = file[kSetupSects] ? file[kSetupSects] : 4;
  size_t setup_size = (sects + 1) * 512;
  if (header_end < kHeaderMin || header_end > setup_size) return "its setup header has a bad length";
  if (setup_size >= file.size()) return "truncated: the file ends in its setup code";
  uint64_t syssize = Le(file, kSyssize, 4) * 16;
  if (syssize > file.size() - setup_size) return "truncated: the file is shorter than its header says";
  BzImage bz;
  bz.protocol = protocol;
  bz.setup_size = setup_size;
  bz.kernel_size = file.size() - setup_size;
  bz.header_end = header_end;
  bz.code32_start = uint32_t(Le(file, kCode32Start, 4));
  bz.relocatable = file[kRelocatable] != 0;
  bz.kernel_alignment = uint32_t(Le(file, kKernelAlignment, 4));
  bz.init_size = uint32_t(Le(file, kInitSize, 4));
  bz.cmdline_size = uint32_t(Le(file, kCmdlineSize, 4));
  bz.initrd_addr_max = uint32_t(Le(file, kInitrdAddrMax, 4));
  bz.pref_address = Le(file, kPrefAddress, 8);
  bz.xloadflags = protocol >= 0x020c ? uint16_t(Le(file, kXloadflags, 2)) : 0;
  if (bz.relocatable && (bz.kernel_alignment < kPage || (bz.kernel_alignment & (bz.kernel_alignment - 1))))
    return "its kernel_alignment is not a power of two of at least 4 KiB";
  if (bz.init_size == 0) return "its init_size is 0";
  *out = bz;
  return nullptr;
}

Error ParseMemmapEntry(std::string_view start, std::string_view end, std::string_view type, E820Entry* out) {
  auto hex = [](std::string_view s, uint64_t* v) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
    if (s.size() < 3 || s.size() > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
    uint64_t r = 0;
    for (char c : s.substr(2)) {
      int d = HexValue(c);
      if (d < 0) return false;
      r = r << 4 | uint64_t(d);
    }
    *v = r;
    return true;
  };
  uint64_t s = 0, e = 0;
  if (!hex(start, &s) || !hex(end, &e)) return "its start or end is not a 0x number";
  if (e < s || e == ~0ull) return "its end is before its start";
  while (!type.empty() && type.back() == '\n') type.remove_suffix(1);
  struct Named {
    std::string_view name;
    uint32_t type;
  };
  static constexpr Named kTypes[] = {{"System RAM", 1},
                                     {"Reserved", 2},
                                     {"ACPI Tables", 3},
                                     {"ACPI Non-volatile Storage", 4},
                                     {"Unusable memory", 5},
                                     {"Persistent Memory", 7},
                                     {"Persistent Memory (legacy)", 12},
                                     {"Soft Reserved", 0xefffffff}};
  uint32_t t = 2;
  for (const Named& n : kTypes)
    if (n.name == type) t = n.type;
  *out = {s, e - s + 1, t};
  return nullptr;
}

size_t RamOf(std::span<const E820Entry> map, std::span<MemRange> out) {
  size_t n = 0;
  for (const E820Entry& e : map) {
    if (e.type != 1 || e.size == 0) continue;
    MemRange r{e.addr, e.addr + e.size};
    bool merged = false;
    for (size_t i = 0; i < n && !merged; ++i) {
      if (out[i].end == r.start) out[i].end = r.end, merged = true;
      else if (r.end == out[i].start) out[i].start = r.start, merged = true;
    }
    if (!merged && n < out.size()) out[n++] = r;
  }
  return n;
}

Error PlanKexec(const BzImage& bz, std::span<const MemRange> ram, uint64_t initrd_size, size_t cmdline_len,
                KexecPlan* out) {
  if (cmdline_len > bz.cmdline_size) return "the command line is longer than the kernel takes (its cmdline_size)";
  KexecPlan p;
  p.cmdline_mem = RoundUp(cmdline_len + 1, kPage);
  if (kCmdlineAddr + p.cmdline_mem > kLowAreaEnd) return "the command line is longer than the room below 640 KiB";
  if (!InRam(ram, kLowAreaStart, kCmdlineAddr + p.cmdline_mem))
    return "the low memory it needs (0x80000-0x9f000: purgatory, zero page, command line) is not RAM here";
  uint64_t need = RoundUp(bz.init_size > bz.kernel_size ? bz.init_size : bz.kernel_size, kPage);
  if (bz.relocatable) {
    // It runs at its load address rounded up to its alignment, but never below its
    // preferred address: load it there or higher.
    bool found = false;
    for (const MemRange& r : ram) {
      uint64_t a = RoundUp(r.start > bz.pref_address ? r.start : bz.pref_address, bz.kernel_alignment);
      if (a < k1M) a = RoundUp(k1M, bz.kernel_alignment);
      if (a + need > r.end || a + need > k4G) continue;
      if (!found || a < p.kernel) p.kernel = a;
      found = true;
    }
    if (!found) return "no RAM below 4 GiB holds the kernel and the memory it unpacks into";
    p.kernel_mem = need;
    p.busy_start = p.kernel;
    p.busy_end = p.kernel + need;
  } else {
    // Loaded at code32_start; it unpacks at its preferred address.
    uint64_t a = bz.code32_start, size = RoundUp(bz.kernel_size, kPage);
    uint64_t run = bz.pref_address ? bz.pref_address : a;
    if (a % kPage || a < k1M || run < k1M || !InRam(ram, a, a + size) || !InRam(ram, run, run + need) || run + need > k4G)
      return "it is not relocatable, and the fixed address it loads or runs at is not free RAM here";
    p.kernel = a;
    p.kernel_mem = size;
    p.busy_start = a < run ? a : run;
    p.busy_end = a + size > run + need ? a + size : run + need;
  }
  if (initrd_size) {
    uint64_t top = uint64_t(bz.initrd_addr_max) + 1;
    if (top > k4G) top = k4G;
    const MemRange busy[] = {{0, k1M}, {p.busy_start, p.busy_end}};
    if (!Highest(ram, RoundUp(initrd_size, kPage), top, busy, &p.initrd))
      return "the initrd does not fit in free RAM below the kernel's initrd limit (its initrd_addr_max)";
  }
  *out = p;
  return nullptr;
}

Error FillZeroPage(std::span<const uint8_t> file, const BzImage& bz, const KexecPlan& plan, uint64_t initrd_size,
                   std::span<const E820Entry> map, std::span<const uint8_t> screen_info, uint64_t acpi_rsdp,
                   uint8_t page[kZeroPageSize]) {
  if (map.size() > kMaxZeroPageE820) return "the memory map has more than 128 entries";
  if (bz.header_end > file.size() || bz.header_end < kHeaderMin) return "the setup header is not in the file";
  memset(page, 0, kZeroPageSize);
  if (screen_info.size() == kScreenInfoSize) memcpy(page + kScreenInfo, screen_info.data(), kScreenInfoSize);
  size_t end = bz.header_end < kHeaderMax ? bz.header_end : kHeaderMax;
  memcpy(page + kSetupSects, file.data() + kSetupSects, end - kSetupSects);
  page[kTypeOfLoader] = 0xff;  // a boot loader without an assigned id
  page[kLoadflags] = uint8_t(page[kLoadflags] & ~kCanUseHeap);  // no real-mode setup runs
  PutLe(page, kCode32Start, plan.kernel, 4);
  PutLe(page, kRamdiskImage, initrd_size ? plan.initrd : 0, 4);
  PutLe(page, kRamdiskSize, initrd_size, 4);
  PutLe(page, kCmdLinePtr, kCmdlineAddr, 4);
  PutLe(page, kAcpiRsdp, acpi_rsdp, 8);  // padding in kernels older than 5.0
  page[kE820Entries] = uint8_t(map.size());
  for (size_t i = 0; i < map.size(); ++i) {
    PutLe(page, kE820Table + 20 * i, map[i].addr, 8);
    PutLe(page, kE820Table + 20 * i + 8, map[i].size, 8);
    PutLe(page, kE820Table + 20 * i + 16, map[i].type, 4);
  }
  return nullptr;
}

}  // namespace kb
