#include "common/bzimage.h"

#include <bearssl.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

extern "C" {
#include "init/purgatory/sha256.h"
}

namespace kb {
namespace {

void Put(std::vector<uint8_t>& f, size_t at, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) f[at + i] = uint8_t(v >> (8 * i));
}

struct Header {
  uint16_t protocol = 0x020f;
  uint8_t setup_sects = 3;
  size_t kernel = 64 * 1024;  // bytes after the setup code
  bool relocatable = true;
  uint32_t alignment = 0x200000;
  uint32_t init_size = 0x400000;
  uint64_t pref = 0x1000000;
  uint16_t xloadflags = 0;
  uint32_t cmdline_size = 2047;
  uint32_t initrd_max = 0x7fffffff;
  uint8_t loadflags = 0x01;
};

// A bzImage file with the header fields given and kernel bytes that count up.
std::vector<uint8_t> Make(const Header& h) {
  size_t setup = (h.setup_sects + 1) * 512;
  std::vector<uint8_t> f(setup + h.kernel);
  f[0x1f1] = h.setup_sects;
  Put(f, 0x1f4, h.kernel / 16, 4);
  Put(f, 0x1fe, 0xaa55, 2);
  f[0x200] = 0xeb;
  f[0x201] = 0x6a;  // the header ends at 0x26c
  memcpy(&f[0x202], "HdrS", 4);
  Put(f, 0x206, h.protocol, 2);
  f[0x211] = h.loadflags;
  Put(f, 0x214, 0x100000, 4);
  Put(f, 0x22c, h.initrd_max, 4);
  Put(f, 0x230, h.alignment, 4);
  f[0x234] = h.relocatable;
  Put(f, 0x236, h.xloadflags, 2);
  Put(f, 0x238, h.cmdline_size, 4);
  Put(f, 0x258, h.pref, 8);
  Put(f, 0x260, h.init_size, 4);
  for (size_t i = setup; i < f.size(); ++i) f[i] = uint8_t(i);
  return f;
}

// QEMU's memory map with 1 GiB: low RAM, the BIOS area, RAM to 1 GiB.
const E820Entry kMap[] = {{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0xf0000, 0x10000, 2}, {0x100000, 0x3fee0000, 1},
                          {0x3ffe0000, 0x20000, 2}, {0xfffc0000, 0x40000, 2}};

std::vector<MemRange> Ram(std::span<const E820Entry> map = kMap) {
  std::vector<MemRange> r(16);
  r.resize(RamOf(map, r));
  return r;
}

TEST(BzImage, KnowsAKernelWithAnEfiStub) {
  std::vector<uint8_t> f(0x100, 0);
  f[0] = 'M', f[1] = 'Z', f[0x3c] = 0x80;
  memcpy(&f[0x80], "PE\0\0", 4);
  EXPECT_TRUE(HasEfiStub(f));
  EXPECT_FALSE(HasEfiStub({}));
  EXPECT_FALSE(HasEfiStub(std::span(f).first(2)));  // cut before e_lfanew
  auto spoilt = [&](size_t at, uint8_t v) {
    std::vector<uint8_t> g = f;
    g[at] = v;
    return HasEfiStub(g);
  };
  EXPECT_FALSE(spoilt(1, 'X'));     // no DOS header
  EXPECT_FALSE(spoilt(0x3c, 0xfd));  // e_lfanew past what was read
  EXPECT_FALSE(spoilt(0x3f, 0x80));  // e_lfanew far past it (no overflow)
  EXPECT_FALSE(spoilt(0x82, 'X'));   // no PE signature there
}

TEST(BzImage, ReadsTheHeader) {
  Header h;
  h.xloadflags = 1;
  std::vector<uint8_t> f = Make(h);
  BzImage bz;
  ASSERT_EQ(ParseBzImage(f, &bz), nullptr);
  EXPECT_EQ(bz.protocol, 0x020f);
  EXPECT_EQ(bz.setup_size, 4u * 512);
  EXPECT_EQ(bz.kernel_size, 64u * 1024);
  EXPECT_EQ(bz.header_end, 0x26cu);
  EXPECT_TRUE(bz.relocatable);
  EXPECT_EQ(bz.kernel_alignment, 0x200000u);
  EXPECT_EQ(bz.init_size, 0x400000u);
  EXPECT_EQ(bz.pref_address, 0x1000000u);
  EXPECT_EQ(bz.cmdline_size, 2047u);
  EXPECT_TRUE(bz.Kernel64());
  h.xloadflags = 0;
  ASSERT_EQ(ParseBzImage(Make(h), &bz), nullptr);
  EXPECT_FALSE(bz.Kernel64()) << "a 32-bit kernel";
}

TEST(BzImage, ZeroSetupSectorsMeanFour) {
  Header h;
  h.setup_sects = 4;
  std::vector<uint8_t> f = Make(h);
  f[0x1f1] = 0;
  BzImage bz;
  ASSERT_EQ(ParseBzImage(f, &bz), nullptr);
  EXPECT_EQ(bz.setup_size, 5u * 512);
}

TEST(BzImage, RefusesWhatIsNotABzImageItCanLoad) {
  BzImage bz;
  std::vector<uint8_t> f = Make({});
  EXPECT_STREQ(ParseBzImage(std::span(f).first(0x100), &bz), "not a bzImage, or truncated: shorter than a bzImage's setup header");
  EXPECT_STREQ(ParseBzImage(std::span(f).first(0x600), &bz), "truncated: the file ends in its setup code");
  EXPECT_STREQ(ParseBzImage(std::span(f).first(f.size() - 1), &bz),
               "truncated: the file is shorter than its header says");
  std::vector<uint8_t> g = f;
  g[0x202] = 'X';
  EXPECT_STREQ(ParseBzImage(g, &bz), "not a bzImage (no x86 boot protocol header)");
  const char text[] = "this is not a kernel\n";
  std::vector<uint8_t> t(text, text + sizeof text - 1);
  EXPECT_STREQ(ParseBzImage(t, &bz), "not a bzImage, or truncated: shorter than a bzImage's setup header");
  t.resize(0x1000, ' ');
  EXPECT_STREQ(ParseBzImage(t, &bz), "not a bzImage (no x86 boot protocol header)");
  Header old;
  old.protocol = 0x0209;
  bz = {};
  EXPECT_STREQ(ParseBzImage(Make(old), &bz), "its boot protocol is older than 2.10, the oldest kexec_load takes here");
  EXPECT_EQ(bz.protocol, 0x0209) << "set for the message";
  Header low;
  low.loadflags = 0;
  EXPECT_STREQ(ParseBzImage(Make(low), &bz), "a zImage (loaded low): only bzImages are taken");
  Header odd;
  odd.alignment = 0x3000;
  EXPECT_STREQ(ParseBzImage(Make(odd), &bz), "its kernel_alignment is not a power of two of at least 4 KiB");
  Header zero;
  zero.init_size = 0;
  EXPECT_STREQ(ParseBzImage(Make(zero), &bz), "its init_size is 0");
}

TEST(Memmap, ReadsSysfsEntries) {
  E820Entry e;
  ASSERT_EQ(ParseMemmapEntry("0x100000\n", "0x3ffdffff\n", "System RAM\n", &e), nullptr);
  EXPECT_EQ(e.addr, 0x100000u);
  EXPECT_EQ(e.size, 0x3fee0000u);
  EXPECT_EQ(e.type, 1u);
  ASSERT_EQ(ParseMemmapEntry("0x0", "0xFFF", "ACPI Non-volatile Storage", &e), nullptr);
  EXPECT_EQ(e.type, 4u);
  ASSERT_EQ(ParseMemmapEntry("0x0", "0xfff", "something new", &e), nullptr);
  EXPECT_EQ(e.type, 2u) << "an unknown type is reserved";
  EXPECT_STREQ(ParseMemmapEntry("100000", "0x1", "System RAM", &e), "its start or end is not a 0x number");
  EXPECT_STREQ(ParseMemmapEntry("0x10", "0xg", "System RAM", &e), "its start or end is not a 0x number");
  EXPECT_STREQ(ParseMemmapEntry("0x10", "0x1", "System RAM", &e), "its end is before its start");
  EXPECT_STREQ(ParseMemmapEntry("0x0", "0xffffffffffffffff", "System RAM", &e), "its end is before its start");
}

TEST(Memmap, RamIsTheType1EntriesMerged) {
  const E820Entry map[] = {{0x100000, 0x100000, 1}, {0, 0x9f000, 1}, {0x200000, 0x100000, 1}, {0xf0000, 0x10000, 2}};
  std::vector<MemRange> r = Ram(map);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].start, 0x100000u);
  EXPECT_EQ(r[0].end, 0x300000u);
  EXPECT_EQ(r[1].start, 0u);
}

TEST(PlanKexec, RelocatableAtItsPreferredAddressInitrdHigh) {
  BzImage bz;
  ASSERT_EQ(ParseBzImage(Make({}), &bz), nullptr);
  KexecPlan p;
  ASSERT_EQ(PlanKexec(bz, Ram(), 5 << 20, 100, &p), nullptr);
  EXPECT_EQ(p.kernel, 0x1000000u);
  EXPECT_EQ(p.kernel_mem, 0x400000u) << "init_size";
  EXPECT_EQ(p.initrd, 0x3ffe0000u - (5 << 20)) << "the top of RAM";
  EXPECT_EQ(p.cmdline_mem, 4096u);
  ASSERT_EQ(PlanKexec(bz, Ram(), 0, 100, &p), nullptr);
  EXPECT_EQ(p.initrd, 0u);
}

TEST(PlanKexec, ARelocatableKernelGoesHigherWhenItsAddressIsNotRam) {
  BzImage bz;
  ASSERT_EQ(ParseBzImage(Make({}), &bz), nullptr);
  const E820Entry map[] = {{0, 0x9fc00, 1}, {0x100000, 0xf00000, 1}, {0x3000000, 0x1000000, 1}};
  KexecPlan p;
  ASSERT_EQ(PlanKexec(bz, Ram(map), 0, 10, &p), nullptr);
  EXPECT_EQ(p.kernel, 0x3000000u);
}

TEST(PlanKexec, ANonRelocatableKernelAtAnAddressThatIsNotRamIsRefused) {
  Header h;
  h.relocatable = false;
  BzImage bz;
  ASSERT_EQ(ParseBzImage(Make(h), &bz), nullptr);
  KexecPlan p;
  ASSERT_EQ(PlanKexec(bz, Ram(), 0, 10, &p), nullptr);
  EXPECT_EQ(p.kernel, 0x100000u) << "code32_start";
  EXPECT_EQ(p.busy_start, 0x100000u);
  EXPECT_EQ(p.busy_end, 0x1400000u) << "through where it unpacks";
  const E820Entry map[] = {{0, 0x9fc00, 1}, {0x2000000, 0x10000000, 1}};
  EXPECT_STREQ(PlanKexec(bz, Ram(map), 0, 10, &p),
               "it is not relocatable, and the fixed address it loads or runs at is not free RAM here");
}

TEST(PlanKexec, AnInitrdAboveTheKernelsLimitIsRefused) {
  Header h;
  h.initrd_max = 0x1800000;  // 24 MiB: the kernel takes 16-20 MiB
  BzImage bz;
  ASSERT_EQ(ParseBzImage(Make(h), &bz), nullptr);
  KexecPlan p;
  ASSERT_EQ(PlanKexec(bz, Ram(), 3 << 20, 10, &p), nullptr);
  EXPECT_EQ(p.initrd, 0x1800000u - (3 << 20)) << "below the limit, above the kernel";
  ASSERT_EQ(PlanKexec(bz, Ram(), 5 << 20, 10, &p), nullptr);
  EXPECT_EQ(p.initrd, 0x1000000u - (5 << 20)) << "below the kernel when it does not fit above";
  EXPECT_STREQ(PlanKexec(bz, Ram(), 20 << 20, 10, &p),
               "the initrd does not fit in free RAM below the kernel's initrd limit (its initrd_addr_max)");
}

TEST(PlanKexec, RefusesWhatDoesNotFit) {
  BzImage bz;
  ASSERT_EQ(ParseBzImage(Make({}), &bz), nullptr);
  KexecPlan p;
  EXPECT_STREQ(PlanKexec(bz, Ram(), 0, 2048, &p), "the command line is longer than the kernel takes (its cmdline_size)");
  const E820Entry no_low[] = {{0, 0x80000, 1}, {0x100000, 0x3fee0000, 1}};
  EXPECT_STREQ(PlanKexec(bz, Ram(no_low), 0, 10, &p),
               "the low memory it needs (0x80000-0x9f000: purgatory, zero page, command line) is not RAM here");
  const E820Entry small[] = {{0, 0x9fc00, 1}, {0x100000, 0x1000000, 1}};
  EXPECT_STREQ(PlanKexec(bz, Ram(small), 0, 10, &p),
               "no RAM below 4 GiB holds the kernel and the memory it unpacks into");
}

TEST(ZeroPage, HoldsTheHeaderTheLoaderFieldsAndTheMemoryMap) {
  std::vector<uint8_t> f = Make({});
  BzImage bz;
  ASSERT_EQ(ParseBzImage(f, &bz), nullptr);
  KexecPlan p;
  ASSERT_EQ(PlanKexec(bz, Ram(), 4096, 10, &p), nullptr);
  std::vector<uint8_t> page(kZeroPageSize, 0xee);
  uint8_t screen[64];
  for (int i = 0; i < 64; ++i) screen[i] = uint8_t(i + 1);
  ASSERT_EQ(FillZeroPage(f, bz, p, 4096, kMap, screen, 0xf5a40, page.data()), nullptr);
  auto le = [&](size_t at, size_t n) {
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = v << 8 | page[at + i];
    return v;
  };
  EXPECT_EQ(page[0], 1) << "screen_info";
  EXPECT_EQ(page[63], 64);
  EXPECT_EQ(le(0x70, 8), 0xf5a40u) << "acpi_rsdp_addr";
  EXPECT_EQ(le(0x202, 4), 0x53726448u) << "HdrS copied";
  EXPECT_EQ(le(0x260, 4), 0x400000u) << "init_size copied";
  EXPECT_EQ(page[0x210], 0xff) << "type_of_loader";
  EXPECT_EQ(le(0x214, 4), p.kernel) << "code32_start";
  EXPECT_EQ(le(0x218, 4), p.initrd);
  EXPECT_EQ(le(0x21c, 4), 4096u);
  EXPECT_EQ(le(0x228, 4), kCmdlineAddr);
  EXPECT_EQ(page[0x1e8], 6) << "e820_entries";
  EXPECT_EQ(le(0x2d0 + 20 * 3, 8), 0x100000u);
  EXPECT_EQ(le(0x2d0 + 20 * 3 + 8, 8), 0x3fee0000u);
  EXPECT_EQ(le(0x2d0 + 20 * 3 + 16, 4), 1u);
  EXPECT_EQ(page[0x1ef], 0) << "the sentinel: a loader that fills the page";
  EXPECT_EQ(page[0x290], 0) << "nothing past the header copied";
  std::vector<E820Entry> big(129, E820Entry{0, 4096, 1});
  EXPECT_STREQ(FillZeroPage(f, bz, p, 0, big, {}, 0, page.data()), "the memory map has more than 128 entries");
}

TEST(PurgatorySha256, AgreesWithBearSsl) {
  std::vector<uint8_t> data(300000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7 + (i >> 8));
  for (size_t n : {0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 300000}) {
    uint8_t a[32], b[32];
    kb_sha256(data.data(), n, a);
    br_sha256_context c;
    br_sha256_init(&c);
    br_sha256_update(&c, data.data(), n);
    br_sha256_out(&c, b);
    EXPECT_EQ(memcmp(a, b, 32), 0) << n << " bytes";
  }
}

}  // namespace
}  // namespace kb
