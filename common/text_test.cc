#include "common/text.h"

#include <gtest/gtest.h>

#include <string>

namespace kb {
namespace {

TEST(Text, Numbers) {
  char buf[24];
  EXPECT_EQ(FormatUnsigned(0, buf), "0");
  EXPECT_EQ(FormatUnsigned(18446744073709551615ul, buf), "18446744073709551615");
  EXPECT_EQ(FormatHexNumber(0, buf), "0");
  EXPECT_EQ(FormatHexNumber(0x1000000, buf), "1000000");
  EXPECT_EQ(FormatHexNumber(0xffffffffffffffffull, buf), "ffffffffffffffff");
  EXPECT_EQ(std::string(FormatMiB(0, buf)), "0.0 MiB");
  EXPECT_EQ(std::string(FormatMiB(1572864, buf)), "1.5 MiB");
  EXPECT_EQ(std::string(FormatMiB(1024ull * 1024 * 1024 * 1024, buf)), "1048576.0 MiB");
  const uint8_t bytes[] = {0x00, 0xab, 0x7f};
  char hex[6];
  EXPECT_EQ(FormatHex(bytes, hex), "00ab7f");
  char ip[16];
  EXPECT_STREQ(FormatIpv4(0x0a00020f, ip), "10.0.2.15");
  EXPECT_STREQ(FormatIpv4(0xffffffff, ip), "255.255.255.255");
}

TEST(Text, JoinPathFitsOrRefuses) {
  char buf[8];
  EXPECT_TRUE(JoinPath(buf, {"/a", "/", "bc"}));
  EXPECT_STREQ(buf, "/a/bc");
  EXPECT_TRUE(JoinPath(buf, {"1234567"}));
  EXPECT_FALSE(JoinPath(buf, {"12345678"})) << "no room for the NUL";
  EXPECT_FALSE(JoinPath(buf, {"1234", "5678"}));
  EXPECT_TRUE(JoinPath(buf, {}));
  EXPECT_STREQ(buf, "");
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

TEST(Text, FormatUtc) {
  char buf[32];
  EXPECT_EQ(FormatUtc(1795784475, kUtcIso, buf), "2026-11-27T13:01:15Z");
  EXPECT_EQ(FormatUtc(0, "%Y%m%d", buf), "19700101");
  char small[8];
  EXPECT_EQ(FormatUtc(1795784475, kUtcIso, small), "") << "does not fit: empty";
}

}  // namespace
}  // namespace kb
