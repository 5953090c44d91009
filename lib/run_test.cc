#include "lib/run.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <time.h>

#include <thread>

#include "common/fileio.h"
#include "common/test_temp_dir.h"

namespace kb {
namespace {

TEST(RunCommand, ReturnsTheExitStatusAndSeesTheEnvironment) {
  std::string err;
  EXPECT_EQ(RunCommand({"bash", "-c", "exit 7"}, "", {}, -1, "", &err, 10), 7);
  EXPECT_EQ(RunCommand({"bash", "-c", "[ \"$KB_X\" = yes ]"}, "", {"KB_X=yes"}, -1, "", &err, 10), 0);
  EXPECT_EQ(RunCommand({"/nonexistent/program"}, "", {}, -1, "", &err, 10), 127);
}

TEST(RunCommand, ATimeoutEndsTheWholeProcessGroup) {
  TempDir dir;
  const std::string mark = dir.path() + "/grandchild-ran";
  std::string err;
  const double t0 = MonotonicSeconds();
  // The grandchild would write its mark after 2 s if it outlived the timeout.
  int rc = RunCommand({"bash", "-c", "(sleep 2; touch " + mark + ") & sleep 30"}, "", {}, -1, "", &err, 0.5);
  EXPECT_EQ(rc, 124);
  EXPECT_LT(MonotonicSeconds() - t0, 10);
  sleep(3);
  EXPECT_NE(access(mark.c_str(), F_OK), 0) << "a process of the group outlived the timeout";
}

TEST(RunCommand, AStopEndsTheCommandEarly) {
  std::string err;
  g_stop = false;
  std::thread stopper([] {
    usleep(300000);
    g_stop = true;
  });
  const double t0 = MonotonicSeconds();
  EXPECT_EQ(RunCommand({"sleep", "30"}, "", {}, -1, "", &err, 60), -2);
  EXPECT_LT(MonotonicSeconds() - t0, 10);
  stopper.join();
  g_stop = false;
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

// With SIGPIPE ignored, as the builder and kbisect run: a command that exits
// without reading its input is an error, not the caller's death, and the
// commands themselves get SIGPIPE's default back (`yes | head` ends).
TEST(RunCommand, SigpipeIgnoredHereDefaultInTheCommand) {
  auto old = signal(SIGPIPE, SIG_IGN);
  std::string err;
  EXPECT_EQ(RunCommand({"sh", "-c", "exit 3"}, "", {}, -1, std::string(1 << 20, 'x'), &err, 30), 3);
  EXPECT_EQ(RunCommand({"sh", "-c", "yes | head -n 1 >/dev/null"}, "", {}, -1, "", &err, 30), 0);
  signal(SIGPIPE, old);
}

}  // namespace
}  // namespace kb
