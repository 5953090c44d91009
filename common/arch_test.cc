#include "common/arch.h"

#include <gtest/gtest.h>

namespace kb {
namespace {

TEST(Arch, EveryRowIsFoundByItsNameAndNamesItsBootImage) {
  for (std::string_view name : {"x86_64", "i386"}) {
    const Arch* a = FindArch(name);
    ASSERT_NE(a, nullptr) << name;
    EXPECT_EQ(a->name, name);
    EXPECT_EQ(a->make_arch, name) << "make takes ARCH=x86_64 and ARCH=i386";
    EXPECT_EQ(a->image_file, "bzImage");
    EXPECT_EQ(a->image_path, "arch/x86/boot/bzImage");
    EXPECT_EQ(a->boot, BootProtocol::kBzImage);
  }
  EXPECT_EQ(FindArch("x86_64")->bits, 64);
  EXPECT_EQ(FindArch("i386")->qemu, "qemu-system-i386");
  EXPECT_EQ(FindArch("arm64"), nullptr);
  EXPECT_EQ(FindArch(""), nullptr);
  EXPECT_EQ(FindArch("X86_64"), nullptr);
  EXPECT_EQ(ArchNames(), "x86_64, i386");
  EXPECT_EQ(BaseName("a/b/c"), "c");
  EXPECT_EQ(BaseName("c"), "c");
}

}  // namespace
}  // namespace kb
