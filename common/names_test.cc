#include "common/names.h"

#include <gtest/gtest.h>

#include <string>

namespace kb {
namespace {

struct BadCase {
  std::string input;
  std::string reason_part;
};

TEST(MachineName, AcceptsContractNames) {
  for (const std::string& ok : std::initializer_list<std::string>{"m", "lab-07", "skl.gfx_3", "A-Z.a_z-0.9", std::string(64, 'x')})
    EXPECT_EQ(CheckMachineName(ok), nullptr) << ok;
}

TEST(MachineName, RejectsBadNamesWithAReason) {
  const BadCase kCases[] = {
      {"", "empty"},
      {std::string(65, 'x'), "longer than 64"},
      {".hidden", "starts with '.'"},
      {"..", "starts with '.'"},
      {"a/b", "outside"},
      {"../etc", "starts with '.'"},
      {"a..b/c", "outside"},
      {std::string("a\0b", 3), "outside"},
      {"a\nb", "outside"},
      {"a b", "outside"},
      {"caf\xc3\xa9", "outside"},
      {"a%2fb", "outside"},
  };
  for (const BadCase& c : kCases) {
    Error e = CheckMachineName(c.input);
    ASSERT_NE(e, nullptr) << c.input;
    EXPECT_NE(std::string(e).find(c.reason_part), std::string::npos) << c.input << ": " << e;
  }
}

TEST(ImageName, ParsesFixedWidthFieldsFromTheEnd) {
  struct Case {
    std::string name, head, sha, date, arch;
  };
  const Case kCases[] = {
      {"6.1.0-rc7-drm-intel-fixes_363202ab12cd_20261122_x86_64", "6.1.0-rc7-drm-intel-fixes",
       "363202ab12cd", "20261122", "x86_64"},
      {"6.1.192+-main_0123456789ab_20240229_i386", "6.1.192+-main", "0123456789ab", "20240229", "i386"},
      // A head that itself looks like a tail: the head is greedy.
      {"x_aaaaaaaaaaaa_20260101_b_0123456789ab_20261122_x86_64", "x_aaaaaaaaaaaa_20260101_b",
       "0123456789ab", "20261122", "x86_64"},
  };
  for (const Case& c : kCases) {
    ImageName n;
    ASSERT_EQ(ParseImageName(c.name, &n), nullptr) << c.name;
    EXPECT_EQ(n.head, c.head);
    EXPECT_EQ(n.sha12, c.sha);
    EXPECT_EQ(n.date, c.date);
    EXPECT_EQ(n.arch, c.arch);
  }
}

TEST(ImageName, RejectsBadNamesWithAReason) {
  std::string longest = std::string(200 - 29, 'k') + "_0123456789ab_20261122_x86_64";
  ASSERT_EQ(longest.size(), 200u);
  EXPECT_EQ(CheckImageName(longest), nullptr);
  const BadCase kCases[] = {
      {"", "empty"},
      {"k" + longest, "longer than 200"},
      {".tmp-6.1_0123456789ab_20261122_x86_64", "starts with '.'"},
      {"..", "starts with '.'"},
      {"../x_0123456789ab_20261122_x86_64", "starts with '.'"},
      {"a/b_0123456789ab_20261122_x86_64", "outside"},
      {std::string("a\0b_0123456789ab_20261122_x86_64", 32), "outside"},
      {"a\tb_0123456789ab_20261122_x86_64", "outside"},
      {"a_0123456789AB_20261122_x86_64", "not <release>"},
      {"a_0123456789a_20261122_x86_64", "not <release>"},
      {"a_0123456789ab_2026112_x86_64", "not <release>"},
      {"a_0123456789ab_20261122_", "not <release>"},
      {"a_0123456789ab_20261122_X86", "not <release>"},
      {"_0123456789ab_20261122_x86_64", "not <release>"},
      {"a_0123456789ab_20261322_x86_64", "real day"},
      {"a_0123456789ab_20230229_x86_64", "real day"},
      {"a_0123456789ab_19691231_x86_64", "real day"},
      {"plain-name", "not <release>"},
  };
  for (const BadCase& c : kCases) {
    Error e = CheckImageName(c.input);
    ASSERT_NE(e, nullptr) << c.input;
    EXPECT_NE(std::string(e).find(c.reason_part), std::string::npos) << c.input << ": " << e;
  }
}

std::string Format(const ImageNameInput& in, Error* err) {
  char buf[kMaxImageName];
  size_t len = 0;
  *err = FormatImageName(in, buf, &len);
  return *err ? std::string() : std::string(buf, len);
}

TEST(ImageName, FormatsTheContractExample) {
  Error err;
  std::string name = Format({"6.1.0-rc7", "drm-intel-fixes", "363202AB12CD0000000000000000000000000000",
                             "20261122", "x86_64"},
                            &err);
  ASSERT_EQ(err, nullptr) << err;
  EXPECT_EQ(name, "6.1.0-rc7-drm-intel-fixes_363202ab12cd_20261122_x86_64");
}

TEST(ImageName, FormatMapsBranchCharactersAndRoundTrips) {
  Error err;
  std::string name = Format({"6.1.192", "topic/drm#fix @v2", "0123456789abcdef", "20261122", "i386"}, &err);
  ASSERT_EQ(err, nullptr) << err;
  EXPECT_EQ(name, "6.1.192-topic-drm-fix--v2_0123456789ab_20261122_i386");
  ImageName n;
  ASSERT_EQ(ParseImageName(name, &n), nullptr);
  EXPECT_EQ(n.head, "6.1.192-topic-drm-fix--v2");
}

TEST(ImageName, FormatRejectsBadFieldsWithAReason) {
  const std::string c40(40, 'a');
  struct Case {
    ImageNameInput in;
    std::string reason_part;
  };
  const std::string long_branch(180, 'b');
  const Case kCases[] = {
      {{"", "main", c40, "20261122", "x86_64"}, "kernel release is empty"},
      {{"6.1/x", "main", c40, "20261122", "x86_64"}, "kernel release has"},
      {{"6.1", "", c40, "20261122", "x86_64"}, "branch is empty"},
      {{"6.1", "main", "abc", "20261122", "x86_64"}, "commit"},
      {{"6.1", "main", std::string(41, 'a'), "20261122", "x86_64"}, "commit"},
      {{"6.1", "main", "zzzzzzzzzzzz", "20261122", "x86_64"}, "commit"},
      {{"6.1", "main", c40, "2026-11-22", "x86_64"}, "date"},
      {{"6.1", "main", c40, "20261122", "x86-64"}, "arch"},
      {{"6.1", "main", c40, "20261122", ""}, "arch is empty"},
      {{"6.1", long_branch, c40, "20261122", "x86_64"}, "longer than 200"},
      {{".", "main", c40, "20261122", "x86_64"}, "starts with '.'"},
  };
  for (const Case& c : kCases) {
    Error err;
    Format(c.in, &err);
    ASSERT_NE(err, nullptr) << c.reason_part;
    EXPECT_NE(std::string(err).find(c.reason_part), std::string::npos) << err;
  }
}

TEST(ImageName, FormatRefusesASmallBuffer) {
  char buf[10];
  size_t len;
  EXPECT_NE(FormatImageName({"6.1", "main", std::string(40, 'a'), "20261122", "x86_64"}, buf, &len), nullptr);
}

TEST(Names, ChooseMachineName) {
  const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0xab};
  char buf[17];
  EXPECT_EQ(ChooseMachineName("skl-3", "dhcp-name", mac, buf), "skl-3");
  EXPECT_EQ(ChooseMachineName("", "dhcp-name", mac, buf), "dhcp-name");
  EXPECT_EQ(ChooseMachineName("", "bad name!", mac, buf), "52-54-00-12-34-ab");
  EXPECT_EQ(ChooseMachineName("", "", mac, buf), "52-54-00-12-34-ab");
}

}  // namespace
}  // namespace kb
