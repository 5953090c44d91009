#include "control/console.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/test_temp_dir.h"

namespace kb {
namespace {

TEST(FileConsole, ReadsTheFileAsItGrowsFromAnyOffset) {
  TempDir d;
  const std::string path = d.path() + "/m1.console";
  std::string why;
  auto c = OpenConsole(ConsoleTarget{path, "m1"}, &why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(c->Path(), path);
  EXPECT_EQ(c->Name(), "the console file " + path);
  EXPECT_EQ(c->Size(), 0u) << "not there yet: an empty console";
  EXPECT_EQ(c->Read(0), "");
  d.Write("m1.console", "kbisect: kexec into x\n");
  EXPECT_EQ(c->Size(), 22u);
  { std::ofstream(path, std::ios::app) << "Linux version 6.1\n"; }
  EXPECT_EQ(c->Read(22), "Linux version 6.1\n");
  EXPECT_EQ(c->Read(1000), "") << "past the end: nothing";
}

TEST(FileConsole, AtMostOneMebibyteARead) {
  TempDir d;
  const std::string path = d.Write("big", std::string((3 << 20) / 2, 'x'));
  std::string why;
  auto c = OpenConsole(ConsoleTarget{path, "m1"}, &why);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->Read(0).size(), size_t(1) << 20);
  EXPECT_EQ(c->Read(1 << 20).size(), size_t(1) << 19);
}

TEST(OpenConsole, NothingGivenIsRefused) {
  std::string why;
  EXPECT_FALSE(OpenConsole(ConsoleTarget{"", "m1"}, &why));
  EXPECT_EQ(why, "no --console given");
  EXPECT_NE(ConsoleUsage().find("FILE"), std::string::npos);
}

}  // namespace
}  // namespace kb
