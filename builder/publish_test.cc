#include "builder/publish.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/test_temp_dir.h"
#include "store/store.h"

namespace kb {
namespace {

// The store's entries but its list index (.index/, which store_test.cc checks).
std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> e = TempDir::Entries(dir);
  std::erase(e, ".index");
  return e;
}

class PublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    images = t.path() + "/images";
    std::filesystem::create_directory(images);
    kernel = t.Write("vmlinuz", "a kernel");
  }
  std::vector<std::string> Base() const {
    return {"--images", images, "--release", "6.1.0-56-amd64", "--arch", "x86_64", "--kernel", kernel,
            "--date", "20261123"};
  }
  TempDir t;
  std::string images, kernel;
};

TEST_F(PublishTest, PublishesWhatTheBuilderWould) {
  std::vector<std::string> a = Base();
  std::string mods = t.Write("mods.cpio.gz", "modules");
  a.insert(a.end(), {"--modules", mods, "--cmdline", "root=UUID=x ro", "--branch", "debian/stable"});
  ASSERT_EQ(PublishCommand(a), 0);
  const std::string name = "6.1.0-56-amd64-debian-stable_000000000000_20261123_x86_64";
  ASSERT_EQ(Entries(images), std::vector<std::string>{name});
  Manifest m;
  std::string err;
  ASSERT_TRUE(ReadManifest(images, name, &m, &err)) << err;
  EXPECT_EQ(m.ini.branch, "debian/stable");
  EXPECT_EQ(m.ini.commit, std::string(40, '0'));
  EXPECT_EQ(m.ini.kernelrelease, "6.1.0-56-amd64");
  EXPECT_EQ(m.ini.cmdline, "root=UUID=x ro");
  EXPECT_EQ(m.ini.modules, "modules.cpio.gz");
  EXPECT_TRUE(m.ini.initrd.empty());
  // Published again: kept as it is, still a success.
  EXPECT_EQ(PublishCommand(a), 0);
  EXPECT_EQ(Entries(images), std::vector<std::string>{name});
}

TEST_F(PublishTest, BadInputIsRefusedAndLeavesNothing) {
  struct Case {
    std::vector<std::string> extra;
    int rc;
  } cases[] = {
      {{"--arch", "x86-64"}, 2},                       // not [a-z0-9_]
      {{"--commit", "xyz"}, 2},                        // not hex
      {{"--date", "20261332"}, 2},                     // no such day
      {{"--cmdline", std::string(3000, 'x')}, 2},      // longer than a manifest allows
      {{"--kernel", "/nonexistent/vmlinuz"}, 3},       // the store cannot copy it
      {{"--initrd", "/nonexistent/initrd"}, 3},
      {{"--bogus", "1"}, 2},
  };
  for (const Case& c : cases) {
    std::vector<std::string> a = Base();
    a.insert(a.end(), c.extra.begin(), c.extra.end());
    EXPECT_EQ(PublishCommand(a), c.rc) << c.extra[0];
    EXPECT_TRUE(Entries(images).empty()) << c.extra[0];
  }
  EXPECT_EQ(PublishCommand({"--images", images, "--arch", "x86_64"}), 2);  // no release, no kernel
  EXPECT_EQ(PublishCommand({"--images"}), 2);                             // no value
  EXPECT_TRUE(Entries(images).empty());
}

}  // namespace
}  // namespace kb
