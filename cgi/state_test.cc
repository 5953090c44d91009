// The per-machine boot log (cgi/state.h): capped, read from its end, and whole
// lines only, through a full disk and a crash mid-append.
#include "cgi/state.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/fileio.h"
#include "common/test_temp_dir.h"

namespace kb {
namespace {

std::string Line(int i) { return "2026-11-27T00:00:00Z 6.1.0-main_aaaaaaaaaaaa_20261120_x86_64 10.0.2." + std::to_string(i); }

long long SizeOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

class BootLog : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(st.Lock(&err)) << err;
    path = st.dir() + "/booted";
  }
  std::vector<std::string> Read(size_t limit) {
    std::vector<std::string> lines;
    EXPECT_TRUE(st.ReadBootLog(limit, &lines, &err)) << err;
    return lines;
  }
  TempDir d;
  MachineState st{d.path(), "m1"};
  std::string err, path;
};

TEST_F(BootLog, NewestFirstAndAbsentIsEmpty) {
  EXPECT_TRUE(Read(5).empty());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(st.AppendBootLog(Line(i), &err)) << err;
  EXPECT_EQ(Read(5), (std::vector<std::string>{Line(2), Line(1), Line(0)}));
  EXPECT_EQ(Read(1), std::vector<std::string>{Line(2)});
}

TEST_F(BootLog, StaysUnderItsCapKeepingTheNewestWholeLines) {
  auto line = [](int i) { return Line(i) + " " + std::string(1000, 'x'); };  // long lines: fewer appends
  const int n = int(kBootLogMax / 1000) + 300;  // well past the cap
  for (int i = 0; i < n; ++i) ASSERT_TRUE(st.AppendBootLog(line(i), &err)) << err;
  EXPECT_LE(SizeOf(path), kBootLogMax + 1100);
  std::vector<std::string> lines = Read(100000);
  ASSERT_GT(lines.size(), size_t(kBootLogKeep / 1100));
  ASSERT_LT(lines.size(), size_t(n));
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(lines[i], line(n - 1 - int(i)));  // whole, newest first
}

TEST_F(BootLog, AHugeOldLogIsReadFromItsEndAndTrimmedAtTheNextAppend) {
  // 300 MB (sparse: written before the cap existed), real lines at its end.
  {
    std::ofstream f(path);
    f << Line(0) << "\n";
  }
  ASSERT_EQ(truncate(path.c_str(), 300ll << 20), 0);
  {
    std::ofstream f(path, std::ios::app);
    f << "\n" << Line(1) << "\n" << Line(2) << "\n";
  }
  EXPECT_EQ(Read(2), (std::vector<std::string>{Line(2), Line(1)}));
  ASSERT_TRUE(st.AppendBootLog(Line(3), &err)) << err;
  EXPECT_LE(SizeOf(path), kBootLogKeep + 100);
  EXPECT_EQ(Read(3), (std::vector<std::string>{Line(3), Line(2), Line(1)}));
}

TEST_F(BootLog, AShortWriteIsTakenBackAndATornLineDropped) {
  ASSERT_TRUE(st.AppendBootLog(Line(0), &err)) << err;
  const long long before = SizeOf(path);
  // A full disk: the file may grow by 10 bytes only (RLIMIT_FSIZE; SIGXFSZ ignored).
  struct rlimit old, lim;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  lim = old;
  lim.rlim_cur = rlim_t(before + 10);
  auto sig = signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  bool ok = st.AppendBootLog(Line(1), &err);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, sig);
  EXPECT_FALSE(ok);
  EXPECT_NE(err.find("a short write"), std::string::npos) << err;
  EXPECT_EQ(SizeOf(path), before) << "the half line is taken back";
  // A crash mid-append left half a line: the next append drops it.
  {
    std::ofstream f(path, std::ios::app);
    f << "2026-11-27T00:00:00Z half";
  }
  ASSERT_TRUE(st.AppendBootLog(Line(2), &err)) << err;
  EXPECT_EQ(Read(5), (std::vector<std::string>{Line(2), Line(0)}));
}

}  // namespace
}  // namespace kb
