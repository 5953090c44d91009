#include "common/cpio.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/test_temp_dir.h"

namespace kb {
namespace {

// Appends an entry (header, data, padding) to an archive being built in a string.
void Add(std::string* a, const CpioEntry& e, const std::string& data = "") {
  char buf[512];
  size_t n = CpioHeader(e, buf);
  ASSERT_GT(n, 0u) << e.name;
  a->append(buf, n);
  a->append(data);
  a->append(CpioPadding(data.size()), '\0');
}

std::string Archive() {
  std::string a;
  Add(&a, {"dev", 040755, 0, 1});
  Add(&a, {"dev/console", 020600, 0, 2, 5, 1});
  Add(&a, {"init", 0100755, 5, 3}, "#!x\n\n");
  Add(&a, {"lib", 040755, 0, 4});
  Add(&a, {"kbisect-stage2", 0100644, 3, 5}, "abc");
  char t[256];
  size_t n = CpioTrailer(t);
  a.append(t, n);
  return a;
}

TEST(Cpio, HeadersAreNewcAndPadded) {
  char buf[256];
  CpioEntry e{"init", 0100755, 7, 3};
  size_t n = CpioHeader(e, buf);
  ASSERT_EQ(n % 4, 0u);
  EXPECT_EQ(n, 116u);  // 110 + "init\0" = 115, padded to 116
  EXPECT_EQ(std::string(buf, 6), "070701");
  EXPECT_EQ(std::string(buf + 6, 8), "00000003");       // c_ino
  EXPECT_EQ(std::string(buf + 14, 8), "000081ED");      // c_mode 0100755
  EXPECT_EQ(std::string(buf + 54, 8), "00000007");      // c_filesize
  EXPECT_EQ(std::string(buf + 94, 8), "00000005");      // c_namesize with the NUL
  EXPECT_EQ(CpioPadding(7), 1u);
  EXPECT_EQ(CpioPadding(8), 0u);
  EXPECT_EQ(CpioHeader(e, std::span(buf, 115)), 0u);  // does not fit
  EXPECT_EQ(CpioHeader(CpioEntry{"", 0100644}, buf), 0u);
  EXPECT_EQ(CpioHeader(CpioEntry{std::string_view("a\0b", 3), 0100644}, buf), 0u);
}

// What GNU cpio makes of it: the files, their modes, sizes and bytes.
TEST(Cpio, GnuCpioListsAndExtractsIt) {
  TempDir dir;
  std::string path = dir.path() + "/a.cpio";
  {
    std::ofstream f(path, std::ios::binary);
    f << Archive();
  }
  std::string cmd = "cpio -itv --quiet <'" + path + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char line[512];
  while (fgets(line, sizeof line, p)) out += line;
  ASSERT_EQ(pclose(p), 0) << out;
  EXPECT_NE(out.find("crw-------"), std::string::npos) << out;
  EXPECT_NE(out.find("5,   1"), std::string::npos) << out;
  EXPECT_NE(out.find("-rwxr-xr-x"), std::string::npos) << out;
  EXPECT_NE(out.find("kbisect-stage2"), std::string::npos) << out;
  EXPECT_EQ(out.find("TRAILER"), std::string::npos) << out;

  std::string x = dir.path() + "/x";
  ASSERT_EQ(system(("mkdir '" + x + "' && cd '" + x + "' && cpio -id --quiet --no-absolute-filenames "
                    "--nonmatching 'dev/console' <'" + path + "'").c_str()),
            0);
  std::ifstream init(x + "/init", std::ios::binary);
  std::stringstream s;
  s << init.rdbuf();
  EXPECT_EQ(s.str(), "#!x\n\n");
  std::ifstream marker(x + "/kbisect-stage2");
  std::string m;
  marker >> m;
  EXPECT_EQ(m, "abc");
}

}  // namespace
}  // namespace kb
