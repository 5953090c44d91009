#include "control/run_log.h"

#include <gtest/gtest.h>

#include "common/fileio.h"
#include "common/test_temp_dir.h"

namespace kb {
namespace {

const std::string kA(40, 'a'), kB(40, 'b'), kC(40, 'c');

TEST(RunLog, ResumeReadsTheRunsOfItsOwnRange) {
  const std::string range = RangeLine(kA, kB, false);
  EXPECT_EQ(range, "range " + kA + ".." + kB);
  EXPECT_EQ(RangeLine(kA, kB, true), range + " reverse");
  std::vector<std::pair<std::string, Ran>> runs;
  std::string why;
  ASSERT_TRUE(ParseResume(range + "\r\nbisecting ...\nran " + kC + " fail\ndecided " + kB + " old\nran " + kC + " pass",
                          "r.log", range, false, &runs, &why))
      << why;
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0], std::make_pair(kC, Ran::kFail));
  EXPECT_EQ(runs[1], std::make_pair(kB, Ran::kPass)) << "an older log's decided line is one run";
  EXPECT_EQ(runs[2], std::make_pair(kC, Ran::kPass)) << "a last line without its newline counts";
}

TEST(RunLog, ResumeRefusesAnotherRangeNoRangeAndABadLine) {
  const std::string range = RangeLine(kA, kB, false);
  std::vector<std::pair<std::string, Ran>> runs;
  std::string why;
  EXPECT_FALSE(ParseResume(RangeLine(kA, kC, false) + "\n", "r.log", range, false, &runs, &why));
  EXPECT_EQ(why, "--resume: r.log is the log of another bisection (" + RangeLine(kA, kC, false) + ", not " + range + ")");
  EXPECT_FALSE(ParseResume(RangeLine(kA, kB, true) + "\n", "r.log", range, false, &runs, &why)) << "a reverse one";
  EXPECT_FALSE(ParseResume("ran " + kC + " pass\n", "r.log", range, false, &runs, &why));
  EXPECT_EQ(why, "--resume: r.log is not a kbisect run log (no range line)");
  EXPECT_FALSE(ParseResume(range + "\nran " + kC + " maybe\n", "r.log", range, false, &runs, &why));
  EXPECT_EQ(why.rfind("--resume: r.log:2: ", 0), 0u) << why;
  EXPECT_FALSE(ReadResume("/nonexistent/r.log", range, false, &runs, &why));
  EXPECT_EQ(why, "--resume: cannot open /nonexistent/r.log: No such file or directory");
}

TEST(RunLog, TheThreeFilesAreAppendedToAndAMissingDirectoryIsSaid) {
  TempDir d;
  const std::string path = d.path() + "/run.log";
  {
    RunLogs logs;
    std::string why;
    ASSERT_TRUE(logs.Open(path, &why)) << why;
    logs.Note("one");
  }
  {
    RunLogs logs;
    std::string why;
    ASSERT_TRUE(logs.Open(path, &why)) << why;
    logs.Note("two");
    std::string text;
    ReadSmallFile(path, &text);
    EXPECT_EQ(text, "one\ntwo\n") << "noted at once, appended";
  }
  std::string text;
  EXPECT_TRUE(ReadSmallFile(path + ".steps", &text) && ReadSmallFile(path + ".output", &text));
  RunLogs logs;
  std::string why;
  EXPECT_FALSE(logs.Open(d.path() + "/no/run.log", &why));
  EXPECT_EQ(why, "cannot open the log " + d.path() + "/no/run.log (and its .steps, .output): No such file or directory");
}

}  // namespace
}  // namespace kb
