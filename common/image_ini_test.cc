#include "common/image_ini.h"

#include <gtest/gtest.h>

#include <string>

namespace kb {
namespace {

const std::string kSum(64, 'a');

TEST(ImageIni, ReadsTheContractKeys) {
  std::string text = "; written by kbisect-builder\n[image]\nname = n\ncommit=" + std::string(40, 'c') +
                     "\nbranch = drm/fixes\narch = x86_64\nkernel = bzImage\nkernel_sha256 = " + kSum +
                     "\ninitrd = initrd.img\ninitrd_sha256 = " + std::string(64, 'B') +
                     "\ncmdline = console=ttyS0 quiet\nfuture_key = ignored\n[other]\nkernel = not-this\n";
  ImageIni ini;
  size_t line;
  ASSERT_EQ(ParseImageIni(text, &ini, &line), nullptr);
  EXPECT_EQ(ini.kernel, "bzImage");
  EXPECT_EQ(ini.kernel_sha256[0], 0xaa);
  EXPECT_EQ(ini.initrd, "initrd.img");
  EXPECT_EQ(ini.initrd_sha256[31], 0xbb);
  EXPECT_EQ(ini.branch, "drm/fixes");
  EXPECT_TRUE(ini.has_cmdline);
  EXPECT_EQ(ini.cmdline, "console=ttyS0 quiet");
}

TEST(ImageIni, RejectsBadFilesNamingTheLine) {
  const std::string head = "[image]\nkernel = bzImage\nkernel_sha256 = " + kSum + "\n";
  struct Case {
    std::string text, part;
    size_t line;
  };
  const Case kCases[] = {
      {"", "no [image] section", 0},
      {"[image]\nkernel_sha256 = " + kSum + "\n", "no kernel", 0},
      {"[image]\nkernel = bzImage\n", "no kernel_sha256", 0},
      {head + "initrd = i\n", "initrd without initrd_sha256", 0},
      {"[image]\nkernel = ../../etc/shadow\n", "starts with '.'", 2},
      {"[image]\nkernel = a/b\n", "'/'", 2},
      {"[image]\nkernel_sha256 = abc\n", "64 hex", 2},
      {"[image]\nkernel_sha256 = " + std::string(64, 'g') + "\n", "64 hex", 2},
      {head + "garbage line\n", "not 'key = value'", 4},
      {head + "[image\n", "without ']'", 4},
      {head + "= value\n", "empty key", 4},
      {head + "cmdline = a\x01z\n", "control byte", 4},
      {head + "cmdline = " + std::string(2049, 'x') + "\n", "longer than 2048", 4},
  };
  for (const Case& c : kCases) {
    ImageIni ini;
    size_t line = 99;
    Error e = ParseImageIni(c.text, &ini, &line);
    ASSERT_NE(e, nullptr) << c.text;
    EXPECT_NE(std::string(e).find(c.part), std::string::npos) << c.text << ": " << e;
    EXPECT_EQ(line, c.line) << c.text;
  }
}

}  // namespace
}  // namespace kb
