// The per-machine boot log (cgi/state.h): capped, read from its end, and whole
// lines only, through a full disk and a crash mid-append. The lease record: its
// two texts, its token, its file.
#include "cgi/state.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <tuple>
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

const std::string kToken = "0123456789abcdef0123456789abcdef";
const std::string kFileText =
    "owner=alice\npurpose=bisect x\nseconds=600\nexpires=1795000600\ntoken=" + kToken + "\n";

TEST(Lease, ParsesBothTextsAndRoundTripsTheFile) {
  Lease l;
  std::string err;
  ASSERT_TRUE(ParseLease(kFileText, LeaseText::kFile, &l, &err)) << err;
  EXPECT_EQ(l.owner, "alice");
  EXPECT_EQ(l.purpose, "bisect x");
  EXPECT_EQ(l.seconds, 600);
  EXPECT_EQ(l.expires, 1795000600);
  EXPECT_EQ(l.token, kToken);
  EXPECT_EQ(FormatLease(l), kFileText);
  EXPECT_TRUE(l.Live(1795000599));
  EXPECT_FALSE(l.Live(1795000600));
  ASSERT_TRUE(ParseLease("\r\n  seconds =86400\t\r\nowner= b o b \npurpose=p", LeaseText::kRequest, &l, &err)) << err;
  EXPECT_EQ(l.owner, "b o b");
  EXPECT_EQ(l.seconds, 86400);
  EXPECT_EQ(l.purpose, "p");
}

TEST(Lease, RefusesEveryBadTextSayingWhy) {
  const std::string tok = "token=" + kToken + "\n";
  const std::string head = "owner=a\npurpose=b\nseconds=5\n";
  const std::tuple<LeaseText, std::string, std::string> kCases[] = {
      {LeaseText::kRequest, "", "missing owner"},
      {LeaseText::kRequest, "owner=a\npurpose=b\n", "missing seconds"},
      {LeaseText::kRequest, head + "owner=c\n", "line 4: owner given more than once"},
      {LeaseText::kRequest, head + "colour=blue\n", "line 4: unknown key 'colour' (expected owner, purpose, seconds)"},
      {LeaseText::kRequest, head + tok, "unknown key 'token'"},
      {LeaseText::kRequest, head + "junk\n", "line 4: not key=value"},
      {LeaseText::kRequest, std::string("owner=a\0b\npurpose=b\nseconds=5\n", 30), "line 1: bad owner"},
      {LeaseText::kRequest, "owner=a\npurpose=tab\there\nseconds=5\n", "line 2: bad purpose"},
      {LeaseText::kRequest, "owner=a\npurpose=b\nseconds=05x\n", "line 3: bad seconds"},
      {LeaseText::kRequest, "owner=a\npurpose=b\nseconds=+5\n", "bad seconds"},
      {LeaseText::kRequest, "owner=a\npurpose=b\nseconds=\n", "bad seconds"},
      {LeaseText::kFile, head, "missing expires"},
      {LeaseText::kFile, head + "expires=1\n", "missing token"},
      {LeaseText::kFile, head + "expires=0\n" + tok, "bad expires"},
      {LeaseText::kFile, head + "expires=99999999999999\n" + tok, "bad expires"},
      {LeaseText::kFile, head + "expires=1\ntoken=" + kToken.substr(2) + "\n", "bad token: expected 32 lowercase hex digits"},
      {LeaseText::kFile, head + "expires=1\ntoken=" + std::string(32, 'G') + "\n", "bad token"},
      {LeaseText::kFile, head + "expires=1\n" + tok + tok, "token given more than once"},
      {LeaseText::kFile, kFileText.substr(0, 40), "missing expires"},
  };
  for (const auto& [which, text, want] : kCases) {
    Lease l;
    std::string err;
    EXPECT_FALSE(ParseLease(text, which, &l, &err)) << text;
    EXPECT_NE(err.find(want), std::string::npos) << err << " lacks " << want;
  }
}

TEST(Lease, TokensAreFreshHexAndComparedWhole) {
  std::string a, b, err;
  ASSERT_TRUE(NewLeaseToken(&a, &err)) << err;
  ASSERT_TRUE(NewLeaseToken(&b, &err)) << err;
  EXPECT_EQ(a.size(), kLeaseTokenHex);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, b);
  EXPECT_TRUE(LeaseTokenMatches(a, a));
  EXPECT_FALSE(LeaseTokenMatches(b, a));
  std::string last = a;
  last.back() = last.back() == '0' ? '1' : '0';
  EXPECT_FALSE(LeaseTokenMatches(last, a));
  EXPECT_FALSE(LeaseTokenMatches(a.substr(0, 31), a));
  EXPECT_FALSE(LeaseTokenMatches("", ""));
}

TEST(Lease, ItsFileIsWrittenUnderTheLockAndReadBackOrRefused) {
  TempDir d;
  MachineState st(d.path(), "m1");
  std::optional<Lease> l;
  std::string err;
  ASSERT_TRUE(st.ReadLease(&l, &err)) << err;
  EXPECT_FALSE(l) << "no file: no lease";
  Lease want;
  ASSERT_TRUE(ParseLease(kFileText, LeaseText::kFile, &want, &err)) << err;
  EXPECT_FALSE(st.WriteLease(want, &err));
  EXPECT_NE(err.find("without the machine's lock"), std::string::npos) << err;
  ASSERT_TRUE(st.Lock(&err)) << err;
  ASSERT_TRUE(st.WriteLease(want, &err)) << err;
  ASSERT_TRUE(st.ReadLease(&l, &err)) << err;
  ASSERT_TRUE(l);
  EXPECT_EQ(l->token, kToken);
  d.Write("machines/m1/lease", kFileText.substr(0, kFileText.size() - 5));  // torn
  EXPECT_FALSE(st.ReadLease(&l, &err));
  EXPECT_NE(err.find("m1/lease is damaged (line 5: bad token"), std::string::npos) << err;
  d.Write("machines/m1/lease", std::string(5000, '\n'));
  EXPECT_FALSE(st.ReadLease(&l, &err));
  EXPECT_NE(err.find("larger than 4096 bytes"), std::string::npos) << err;
  ASSERT_TRUE(st.Remove("lease", &err)) << err;
  ASSERT_TRUE(st.ReadLease(&l, &err)) << err;
  EXPECT_FALSE(l);
}

}  // namespace
}  // namespace kb
