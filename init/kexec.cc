#include "init/kexec.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/bzimage.h"
#include "common/chars.h"
#include "common/purgatory.h"
#include "common/text.h"
#include "init/console.h"
#include "init/files.h"

// The purgatory program, built from init/purgatory/ (init/purgatory_blob.S).
extern "C" const unsigned char kb_purgatory_start[];
extern "C" const unsigned char kb_purgatory_end[];

namespace kb {
namespace {

constexpr unsigned long kKexecNoInitramfs = 0x4;  // KEXEC_FILE_NO_INITRAMFS
#if defined(__x86_64__)
constexpr bool kLongMode = true;
#else
constexpr bool kLongMode = false;
#endif

// A file mapped read-only for as long as the object lives.
class Mapping {
 public:
  // False when the file cannot be mapped (errno). An empty file maps to nothing.
  bool Map(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return false;
    size_ = size_t(st.st_size);
    if (size_ == 0) return true;
    void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) return size_ = 0, false;
    data_ = static_cast<const uint8_t*>(p);
    return true;
  }
  ~Mapping() {
    if (data_) munmap(const_cast<uint8_t*>(data_), size_);
  }
  std::span<const uint8_t> Bytes() const { return {data_, size_}; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

struct KexecSegment {  // struct kexec_segment of <linux/kexec.h>
  const void* buf;
  size_t bufsz;
  unsigned long mem;
  size_t memsz;
};

// The firmware's memory map, from /sys/firmware/memmap (as the running kernel got
// it, before its own changes), sorted. False when said why.
bool ReadMemmap(std::span<E820Entry> out, size_t* n, std::string_view step) {
  *n = 0;
  for (unsigned i = 0;; ++i) {
    char digits[24], path[96], a[32], b[32], t[64];
    std::string_view num = FormatUnsigned(i, digits);
    JoinPath(path, {"/sys/firmware/memmap/", num, "/start"});
    std::string_view start = ReadSmall(path, a);
    if (start.empty()) break;
    if (*n == out.size()) {
      Say({"kbisect: ", step, ": the memory map has more than 128 entries: kexec_load cannot pass it"});
      return false;
    }
    JoinPath(path, {"/sys/firmware/memmap/", num, "/end"});
    std::string_view end = ReadSmall(path, b);
    JoinPath(path, {"/sys/firmware/memmap/", num, "/type"});
    std::string_view type = ReadSmall(path, t);
    E820Entry e;
    if (Error err = ParseMemmapEntry(start, end, type, &e)) {
      Say({"kbisect: ", step, ": /sys/firmware/memmap/", num, ": ", err});
      return false;
    }
    size_t j = (*n)++;
    for (; j > 0 && out[j - 1].addr > e.addr; --j) out[j] = out[j - 1];
    out[j] = e;
  }
  if (*n == 0)
    Say({"kbisect: ", step, ": no /sys/firmware/memmap (CONFIG_FIRMWARE_MEMMAP): kexec_load needs the memory map"});
  return *n > 0;
}

// The ACPI RSDP address the stage-1's kernel was given (its zero page, or EFI's
// system table); 0 lets the new kernel search the BIOS area.
uint64_t AcpiRsdp(std::span<const uint8_t> own_zero_page) {
  uint64_t v = 0;
  if (own_zero_page.size() >= 0x78)
    for (int i = 7; i >= 0; --i) v = v << 8 | own_zero_page[0x70 + size_t(i)];
  if (v) return v;
  static char systab[1024];
  std::string_view text = ReadSmall("/sys/firmware/efi/systab", systab);
  for (std::string_view key : {"ACPI20=0x", "ACPI=0x"}) {
    size_t at = text.find(key);
    if (at == std::string_view::npos) continue;
    for (size_t i = at + key.size(); i < text.size(); ++i) {
      char c = text[i];
      int d = HexValue(c);
      if (d < 0) break;
      v = v << 4 | uint64_t(d);
    }
    if (v) return v;
  }
  return 0;
}

// The UART the stage-1's console is on (console=ttySN), for the purgatory to say
// what it does; 0 when none.
uint16_t SerialPort() {
  static char buf[4096];
  std::string_view line = ReadSmall("/proc/cmdline", buf);
  static constexpr uint16_t kPorts[] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};
  uint16_t port = 0;
  for (size_t at = line.find("console=ttyS"); at != std::string_view::npos; at = line.find("console=ttyS", at + 1)) {
    size_t d = at + 12;
    if (d < line.size() && line[d] >= '0' && line[d] <= '3') port = kPorts[line[d] - '0'];
  }
  return port;
}

// Whether /proc/cpuinfo's first CPU has the "lm" flag (long mode: 64-bit).
bool CpuHasLongMode() {
  static char buf[4096];
  Fd fd(open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC));
  ssize_t n = fd ? read(fd.get(), buf, sizeof buf) : -1;
  std::string_view text(buf, n > 0 ? size_t(n) : 0);
  size_t at = text.find("\nflags");
  if (at == std::string_view::npos) return true;  // cannot tell: let the kernel try
  std::string_view line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
  line = line.substr(line.find(':') == std::string_view::npos ? line.size() : line.find(':') + 1);
  for (size_t i = 0; i < line.size();) {
    size_t j = line.find(' ', i);
    if (j == std::string_view::npos) j = line.size();
    if (line.substr(i, j - i) == "lm") return true;
    i = j + 1;
  }
  return false;
}

void Sha256(std::span<const uint8_t> bytes, uint8_t out[32]) {
  br_sha256_context c;
  br_sha256_init(&c);
  br_sha256_update(&c, bytes.data(), bytes.size());
  br_sha256_out(&c, out);
}

// kexec_load of a checked bzImage through the purgatory. False when said why.
bool LoadWithPurgatory(const BzImage& bz, std::span<const uint8_t> kernel, std::span<const uint8_t> initrd,
                       const char* cmdline, std::string_view step, std::string_view what) {
  static E820Entry map[kMaxZeroPageE820];
  size_t map_n = 0;
  if (!ReadMemmap(map, &map_n, step)) return false;
  MemRange ram[kMaxZeroPageE820];
  size_t ram_n = RamOf(std::span(map, map_n), ram);
  size_t cmdline_len = strlen(cmdline);
  KexecPlan plan;
  if (Error e = PlanKexec(bz, std::span(ram, ram_n), initrd.size(), cmdline_len, &plan)) {
    Say({"kbisect: ", step, ": ", what, ": refused before kexec: ", e});
    return false;
  }
  // The zero page and the command line, one segment.
  static uint8_t low[kZeroPageSize + (kLowAreaEnd - kCmdlineAddr)];
  static uint8_t own[kZeroPageSize];
  size_t own_len = 0;
  bool have_own = ReadFile("/sys/kernel/boot_params/data", std::span(reinterpret_cast<char*>(own), sizeof own),
                           &own_len) == 0 && own_len == sizeof own;
  std::span<const uint8_t> screen = have_own ? std::span<const uint8_t>(own, 64) : std::span<const uint8_t>();
  uint64_t rsdp = AcpiRsdp(have_own ? std::span<const uint8_t>(own, own_len) : std::span<const uint8_t>());
  if (Error e = FillZeroPage(kernel, bz, plan, initrd.size(), std::span(map, map_n), screen, rsdp, low)) {
    Say({"kbisect: ", step, ": ", what, ": refused before kexec: ", e});
    return false;
  }
  memset(low + kZeroPageSize, 0, sizeof low - kZeroPageSize);
  memcpy(low + kZeroPageSize, cmdline, cmdline_len + 1);
  // The purgatory with its parameters.
  static uint8_t purgatory[KB_PURGATORY_SPAN];
  size_t purgatory_len = size_t(kb_purgatory_end - kb_purgatory_start);
  if (purgatory_len > sizeof purgatory || purgatory_len < KB_PURGATORY_PARAMS + sizeof(kb_purgatory_params)) {
    Say({"kbisect: ", step, ": the purgatory built into this init is damaged"});
    return false;
  }
  memcpy(purgatory, kb_purgatory_start, purgatory_len);
  kb_purgatory_params params{};
  params.magic = KB_PURGATORY_MAGIC;
  params.kernel_entry = uint32_t(plan.kernel);
  params.zero_page = uint32_t(kBootParamsAddr);
  params.serial_port = SerialPort();
  std::span<const uint8_t> k = kernel.subspan(bz.setup_size);
  auto add = [&](uint64_t addr, std::span<const uint8_t> bytes) {
    kb_purgatory_segment& s = params.segments[params.segment_count++];
    s.addr = uint32_t(addr);
    s.size = uint32_t(bytes.size());
    Sha256(bytes, s.sha256);
  };
  add(plan.kernel, k);
  add(kBootParamsAddr, std::span<const uint8_t>(low, kZeroPageSize));
  add(kCmdlineAddr, std::span<const uint8_t>(low + kZeroPageSize, cmdline_len + 1));
  if (!initrd.empty()) add(plan.initrd, initrd);
  memcpy(purgatory + KB_PURGATORY_PARAMS, &params, sizeof params);

  KexecSegment segs[4] = {
      {purgatory, purgatory_len, KB_PURGATORY_ADDR, KB_PURGATORY_SPAN},
      {low, size_t(kZeroPageSize + plan.cmdline_mem), kBootParamsAddr, size_t(kZeroPageSize + plan.cmdline_mem)},
      {k.data(), k.size(), static_cast<unsigned long>(plan.kernel), size_t(plan.kernel_mem)},
      {initrd.data(), initrd.size(), static_cast<unsigned long>(plan.initrd), size_t((initrd.size() + 4095) / 4096 * 4096)},
  };
  unsigned long entry = KB_PURGATORY_ADDR + (kLongMode ? KB_PURGATORY_ENTRY64 : KB_PURGATORY_ENTRY32);
  unsigned long count = initrd.empty() ? 3 : 4;
  if (syscall(SYS_kexec_load, entry, count, segs, 0ul) == 0) {
    char a[24], b[24];
    Say({"kbisect: ", step, ": kexec_load: ", bz.Kernel64() ? "64-bit" : "32-bit", " kernel at 0x",
         FormatHexNumber(plan.kernel, a), initrd.empty() ? "" : ", initrd at 0x",
         initrd.empty() ? "" : FormatHexNumber(plan.initrd, b), ", purgatory checks them"});
    return true;
  }
  int e = errno;
  std::string_view why = e == EPERM    ? "the stage-1's kernel refuses kexec_load (locked down, or kexec disabled): not bypassed"
                         : e == ENOSYS ? "the stage-1's kernel has no kexec_load (CONFIG_KEXEC)"
                         : e == EBUSY  ? "a kexec is already being loaded"
                                       : what;
  SayFailure(step, why, "kexec_load", e);
  return false;
}

}  // namespace

bool LoadKernel(const Fd& kernel, const Fd& initrd, const char* cmdline, std::string_view step, std::string_view what,
                bool force_load) {
  Mapping k, i;
  if (!k.Map(kernel.get())) return SayFailure(step, what, "mmap", errno), false;
  BzImage bz;
  if (Error e = ParseBzImage(k.Bytes(), &bz)) {
    char v[24];
    bool old = bz.protocol && bz.protocol < kOldestBootProtocol;
    Say({"kbisect: ", step, ": ", what, ": refused before kexec: ", e, old ? " (it has 2." : "",
         old ? FormatUnsigned(bz.protocol & 0xff, v) : "", old ? ")" : ""});
    return false;
  }
  if (bz.Kernel64() && !kLongMode && !CpuHasLongMode()) {
    Say({"kbisect: ", step, ": ", what, ": refused before kexec: a 64-bit kernel, and this CPU has no long mode"});
    return false;
  }
  if (bz.Kernel64() && !kLongMode && !force_load)
    Say({"kbisect: ", step, ": a 64-bit image on a 32-bit stage-1, whose kernel has no kexec_file_load: using kexec_load"});
  if (kLongMode && bz.Kernel64() && !force_load) {
#ifdef SYS_kexec_file_load
    unsigned long flags = initrd ? 0 : kKexecNoInitramfs;
    if (syscall(SYS_kexec_file_load, kernel.get(), initrd.get(), strlen(cmdline) + 1, cmdline, flags) == 0) return true;
    int e = errno;
    if (e != ENOSYS) {
      // A kernel Secure Boot locked down (or one with CONFIG_KEXEC_SIG_FORCE) takes
      // only kernels whose signature it checks against its keys: the firmware's db,
      // shim's MOK list, its own built-in ones.
      std::string_view why =
          e == ENOEXEC        ? "the kernel file is not a bzImage this kernel can load"
          : e == ENODATA      ? "it demands a signed kernel (Secure Boot's lockdown) and this one has no signature"
          : e == ENOKEY       ? "it demands a signed kernel and trusts none of this one's signers (the firmware's db, "
                                "shim's MOK list)"
          : e == EKEYREJECTED ? "it demands a signed kernel and this one's signature does not verify"
          : e == EBADMSG      ? "it demands a signed kernel and cannot read this one's signature"
          : e == EPERM        ? "it refuses it (locked down, or kexec disabled)"
                              : "";
      if (why.empty()) return SayFailure(step, what, "kexec_file_load", e), false;
      Say({"kbisect: ", step, ": ", what, ": refused by the stage-1's kernel: ", why, " (kexec_file_load: ", ErrnoName(e),
           ")"});
      return false;
    }
    Say({"kbisect: ", step, ": the stage-1's kernel has no kexec_file_load (ENOSYS): using kexec_load"});
#endif
  }
  if (initrd && !i.Map(initrd.get())) return SayFailure(step, "the initrd", "mmap", errno), false;
  return LoadWithPurgatory(bz, k.Bytes(), i.Bytes(), cmdline, step, what);
}

}  // namespace kb
