// The x86 boot protocol of a bzImage (the kernel tree's Documentation/x86/boot.rst)
// as kexec_load needs it: the setup header read and checked, where each part goes
// in the machine's memory, and the zero page (struct boot_params) the kernel is
// entered with. The stage-1 uses it for 32-bit images (and for 64-bit ones on a
// kernel without kexec_file_load), entering every kernel by its 32-bit
// protected-mode entry through the purgatory (common/purgatory.h). Pure code: no
// heap, no syscalls; built for the musl init, the unit tests and a fuzz target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

// The oldest boot protocol taken: 2.10 gave init_size and pref_address, which the
// layout needs (kernels since 2.6.31 have it).
inline constexpr uint16_t kOldestBootProtocol = 0x020a;

struct BzImage {
  uint16_t protocol = 0;       // 0x020f is 2.15
  size_t setup_size = 0;       // the real-mode part, not loaded (boot sector included)
  size_t kernel_size = 0;      // the protected-mode kernel: the file's bytes after it
  size_t header_end = 0;       // file offset past the setup header
  uint32_t code32_start = 0;   // where a non-relocatable kernel is loaded
  bool relocatable = false;
  uint32_t kernel_alignment = 0;
  uint32_t init_size = 0;      // memory from the load address the kernel unpacks into
  uint32_t cmdline_size = 0;   // the longest command line, without its NUL
  uint32_t initrd_addr_max = 0;
  uint64_t pref_address = 0;   // where it runs; a relocatable one may run higher
  uint16_t xloadflags = 0;
  bool Kernel64() const { return (xloadflags & 1) != 0; }  // XLF_KERNEL_64
};

// Reads and checks the header of a bzImage file. Errors say what is wrong
// ("truncated: ...", "not a bzImage ...", "its boot protocol is older than 2.10",
// ...). When the header was found, out->protocol is set even on error, for the
// message; the rest of *out only on success.
Error ParseBzImage(std::span<const uint8_t> file, BzImage* out);

// Whether a kernel file starts a PE/COFF image ("MZ", then "PE\0\0" where the
// DOS header's e_lfanew points, within `head`): a bzImage built with
// CONFIG_EFI_STUB, which firmware can start and Secure Boot tools can sign.
bool HasEfiStub(std::span<const uint8_t> head);

// A range of usable RAM, [start, end).
struct MemRange {
  uint64_t start, end;
};

// One entry of the firmware's memory map (e820 types: 1 RAM, 2 reserved, 3 ACPI
// tables, 4 ACPI NVS, 5 unusable, 7 persistent memory, ...).
struct E820Entry {
  uint64_t addr, size;
  uint32_t type;
};

// One /sys/firmware/memmap/N entry: its start and end files ("0x...", end
// inclusive, a trailing newline allowed) and its type file ("System RAM", ...;
// unknown types are reserved).
Error ParseMemmapEntry(std::string_view start, std::string_view end, std::string_view type, E820Entry* out);

// The fixed low-memory area kexec_load uses: the purgatory (with its stack), then
// the zero page, then the command line. It must be RAM on the machine.
inline constexpr uint64_t kLowAreaStart = 0x80000;
inline constexpr uint64_t kBootParamsAddr = 0x90000;
inline constexpr uint64_t kCmdlineAddr = 0x91000;
inline constexpr uint64_t kLowAreaEnd = 0x9f000;  // below the extended BIOS data area

// Where the kernel, its working memory and the initrd go.
struct KexecPlan {
  uint64_t kernel = 0;      // the protected-mode kernel's address: its 32-bit entry
  uint64_t kernel_mem = 0;  // bytes of the kernel's segment (file part zero-padded to init_size)
  uint64_t busy_start = 0;  // memory the kernel works in until it runs: the initrd avoids it
  uint64_t busy_end = 0;
  uint64_t initrd = 0;      // 0 when there is none
  uint64_t cmdline_mem = 0; // bytes from kCmdlineAddr (page-rounded)
};

// Plans a kexec of `bz` with an initrd of initrd_size bytes (0: none) and a
// command line of cmdline_len bytes (without its NUL) on a machine whose usable
// RAM is `ram`, all below 4 GiB (the kernel is entered in 32-bit protected mode).
// Errors say what does not fit ("not relocatable, and ...", "the initrd does not
// fit below the kernel's initrd limit", ...).
Error PlanKexec(const BzImage& bz, std::span<const MemRange> ram, uint64_t initrd_size, size_t cmdline_len,
                KexecPlan* out);

// The usable RAM of a memory map: its type-1 entries (merged when adjacent).
// Returns how many ranges were written (at most out.size()).
size_t RamOf(std::span<const E820Entry> map, std::span<MemRange> out);

inline constexpr size_t kZeroPageSize = 4096;
inline constexpr size_t kMaxZeroPageE820 = 128;

// Fills the zero page for the plan: the setup header copied from the file, the
// loader fields (type_of_loader, code32_start, the initrd, the command line), the
// memory map, and from the running stage-1 (when given) its screen_info (64
// bytes; zeros say "no video": a serial-only machine) and the ACPI RSDP address (0:
// the kernel searches the BIOS area).
Error FillZeroPage(std::span<const uint8_t> file, const BzImage& bz, const KexecPlan& plan, uint64_t initrd_size,
                   std::span<const E820Entry> map, std::span<const uint8_t> screen_info, uint64_t acpi_rsdp,
                   uint8_t page[kZeroPageSize]);

}  // namespace kb
