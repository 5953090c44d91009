// A bzImage's header as the stage-1 reads it from a downloaded kernel file, then
// the kexec plan and the zero page for it.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/bzimage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> file(data, size);
  // What the builder checks before it signs a kernel for Secure Boot.
  if (kb::HasEfiStub(file) && (size < 0x44 || data[0] != 'M')) __builtin_trap();
  kb::BzImage bz;
  if (kb::ParseBzImage(file, &bz)) return 0;
  if (bz.setup_size + bz.kernel_size != size || bz.header_end > bz.setup_size) __builtin_trap();
  static const kb::E820Entry map[] = {{0, 0x9fc00, 1}, {0x100000, 0x3fee0000, 1}, {0xfffc0000, 0x40000, 2}};
  kb::MemRange ram[4];
  size_t n = kb::RamOf(map, ram);
  kb::KexecPlan plan;
  uint64_t initrd = size * 3;
  if (kb::PlanKexec(bz, std::span(ram, n), initrd, size % 3000, &plan)) return 0;
  // Nothing planned overlaps another part or leaves RAM below 4 GiB.
  if (plan.kernel < 0x100000 || plan.kernel + plan.kernel_mem > 0x100000000ull) __builtin_trap();
  if (plan.initrd && plan.initrd < plan.busy_end && plan.busy_start < plan.initrd + initrd) __builtin_trap();
  if (plan.initrd && (plan.initrd < 0x100000 || plan.initrd + initrd > 0x100000000ull)) __builtin_trap();
  static uint8_t page[kb::kZeroPageSize];
  if (kb::FillZeroPage(file, bz, plan, initrd, map, {}, 0, page)) __builtin_trap();
  if (memcmp(page + 0x202, "HdrS", 4) != 0) __builtin_trap();
  return 0;
}
