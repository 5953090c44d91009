#include "common/modalias.h"

#include <fnmatch.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace kb {
namespace {

std::vector<std::string> Names(std::span<std::string_view> v, size_t n) {
  return std::vector<std::string>(v.begin(), v.begin() + long(n));
}

TEST(Glob, MatchesModaliasPatterns) {
  EXPECT_TRUE(GlobMatch("virtio:d00000002v*", "virtio:d00000002v00001AF4"));
  EXPECT_FALSE(GlobMatch("virtio:d00000001v*", "virtio:d00000002v00001AF4"));
  EXPECT_TRUE(GlobMatch("pci:v00001AF4d00001000sv*sd*bc*sc*i*", "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00"));
  EXPECT_TRUE(GlobMatch("a?c", "abc"));
  EXPECT_TRUE(GlobMatch("[a-c]x", "bx"));
  EXPECT_FALSE(GlobMatch("[!a-c]x", "bx"));
  EXPECT_TRUE(GlobMatch("[]]", "]"));
  EXPECT_TRUE(GlobMatch("[", "["));
  EXPECT_TRUE(GlobMatch("**", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
}

// The same answers as glibc's fnmatch(3), over many small random cases.
TEST(Glob, AgreesWithFnmatch) {
  std::mt19937 rng(7);
  const std::string pchars = "ab*?[]!-", tchars = "ab-[]!";
  for (int i = 0; i < 20000; ++i) {
    std::string p, t;
    for (int n = int(rng() % 7); n > 0; --n) p += pchars[rng() % pchars.size()];
    for (int n = int(rng() % 7); n > 0; --n) t += tchars[rng() % tchars.size()];
    EXPECT_EQ(GlobMatch(p, t), fnmatch(p.c_str(), t.c_str(), 0) == 0) << "pattern '" << p << "' text '" << t << "'";
  }
}

TEST(Glob, ManyStarsStayCheap) {
  std::string p(200, '*'), t(5000, 'a');
  p += "b";
  EXPECT_FALSE(GlobMatch(p, t));
}

const char kAliases[] =
    "# Aliases extracted from modules themselves.\n"
    "alias virtio:d00000002v* virtio_blk\n"
    "alias virtio:d00000001v* virtio_net\n"
    "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n"
    "alias fs-ext4 ext4\n"
    "alias virtio:d0000000?v* virtio_any\n"
    "alias virtio:d00000002v00001AF4 virtio_blk\n";

TEST(Modalias, FindsTheModulesOfADevice) {
  std::string_view out[8];
  size_t n = 0;
  ASSERT_EQ(ModulesForModalias(kAliases, "virtio:d00000002v00001AF4", out, &n), nullptr);
  EXPECT_EQ(Names(out, n), (std::vector<std::string>{"virtio_blk", "virtio_any"}));
  ASSERT_EQ(ModulesForModalias(kAliases, "fs-ext4", out, &n), nullptr);
  EXPECT_EQ(Names(out, n), std::vector<std::string>{"ext4"});
  ASSERT_EQ(ModulesForModalias(kAliases, "usb:v1234", out, &n), nullptr);
  EXPECT_EQ(n, 0u);
  EXPECT_STREQ(ModulesForModalias(kAliases, "virtio:d00000002v00001AF4", std::span(out, 1), &n),
               "more modules than there is room for");
  EXPECT_STREQ(ModulesForModalias("alias lonely\n", "x", out, &n),
               "modules.alias: an alias line without a pattern and a module");
}

TEST(Modalias, SoftdepPreDependencies) {
  const char kSoftdeps[] =
      "# Soft dependencies extracted from modules themselves.\n"
      "softdep ext4 pre: crc32c\n"
      "softdep nfs post: nfsv4\n"
      "softdep drm pre: a b post: c pre: d\n";
  std::string_view out[8];
  size_t n = 9;
  ASSERT_EQ(SoftdepPre(kSoftdeps, "ext4", out, &n), nullptr);
  EXPECT_EQ(Names(out, n), std::vector<std::string>{"crc32c"});
  ASSERT_EQ(SoftdepPre(kSoftdeps, "nfs", out, &n), nullptr);
  EXPECT_EQ(n, 0u);
  ASSERT_EQ(SoftdepPre(kSoftdeps, "drm", out, &n), nullptr);
  EXPECT_EQ(Names(out, n), (std::vector<std::string>{"a", "b", "d"}));
  ASSERT_EQ(SoftdepPre(kSoftdeps, "virtio_blk", out, &n), nullptr);
  EXPECT_EQ(n, 0u);
}

TEST(Modalias, StorageDevicesOnly) {
  // The lab's disk (virtio-blk-pci: class 0100) and its virtio device.
  EXPECT_TRUE(IsStorageModalias("pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00"));
  EXPECT_TRUE(IsStorageModalias("virtio:d00000002v00001AF4"));
  EXPECT_TRUE(IsStorageModalias("virtio:d00000008v00001AF4"));  // virtio-scsi
  EXPECT_TRUE(IsStorageModalias("pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01"));  // AHCI
  EXPECT_TRUE(IsStorageModalias("pci:v0000144Dd0000A808sv0000144Dsd0000A801bc01sc08i02"));  // NVMe
  EXPECT_TRUE(IsStorageModalias("pci:v00008086d000024CDsv00001AF4sd00001100bc0Csc03i20"));  // EHCI
  EXPECT_TRUE(IsStorageModalias("pci:v00001217d00008621sv00001028sd00000A7Fbc08sc05i01"));  // SD host
  EXPECT_TRUE(IsStorageModalias("usb:v0781p5567d0100dc00dsc00dp00ic08isc06ip50in00"));      // a USB stick
  EXPECT_TRUE(IsStorageModalias("scsi:t-0x00"));
  EXPECT_TRUE(IsStorageModalias("mmc:block"));
  // Not on the way to a root filesystem: the OS's udev loads these.
  EXPECT_FALSE(IsStorageModalias("pci:v00008086d00003E92sv00001028sd0000085Cbc03sc00i00"));  // i915
  EXPECT_FALSE(IsStorageModalias("pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00"));  // virtio-net
  EXPECT_FALSE(IsStorageModalias("virtio:d00000001v00001AF4"));
  EXPECT_FALSE(IsStorageModalias("usb:v046DpC52Bd1211dc00dsc00dp00ic03isc01ip01in00"));     // a keyboard
  EXPECT_FALSE(IsStorageModalias("pci:v00008086d00001237sv00001AF4sd00001100bc06sc00i00"));   // host bridge
  EXPECT_FALSE(IsStorageModalias("cpu:type:x86,ven0000fam0006mod003A:feature:,0000,0001"));
  EXPECT_FALSE(IsStorageModalias("acpi:PNP0501:"));
  EXPECT_FALSE(IsStorageModalias("pci:"));
  EXPECT_FALSE(IsStorageModalias(""));
}

TEST(Modalias, NetworkDevices) {
  EXPECT_TRUE(IsNetworkModalias("pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00"));  // e1000e (QEMU's)
  EXPECT_TRUE(IsNetworkModalias("pci:v000015B3d00001017sv000015B3sd00000020bc02sc00i00"));  // ConnectX-5
  EXPECT_TRUE(IsNetworkModalias("virtio:d00000001v00001AF4"));
  EXPECT_FALSE(IsNetworkModalias("virtio:d00000002v00001AF4"));  // virtio block
  EXPECT_FALSE(IsNetworkModalias("pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01"));  // AHCI
  EXPECT_FALSE(IsNetworkModalias("pci:v00001234d00001111sv00001AF4sd00001100bc03sc00i00"));  // VGA
  EXPECT_FALSE(IsNetworkModalias("usb:v0BDAp8153d3000dc00dsc00dp00icFFisc00ip00in00"));
  EXPECT_FALSE(IsNetworkModalias(""));
}

}  // namespace
}  // namespace kb
