#include "lib/run.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
  EXPECT_EQ(RunCommand({"/nonexistent/program"}, "", {}, -1, "", &err, 10), 127) << "the command's failure";
  TempDir d;
  std::string script = d.Write("not-executable", "#!/bin/sh\n");
  EXPECT_EQ(RunCommand({script}, "", {}, -1, "", &err, 10), 126);
  EXPECT_EQ(RunCommand({"true"}, "/nonexistent", {}, -1, "", &err, 10), -1);
  EXPECT_EQ(err, "chdir /nonexistent: No such file or directory");
}

// A TCP listener on 127.0.0.1 of this (the test's) network namespace.
struct Listener {
  Fd fd{socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  int port = 0;
  Listener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(fd.get(), 4) == 0 &&
        getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port = ntohs(a.sin_port);
  }
};

// What a commit's build may do when confined as the builder confines it: write
// its output directory, not the read-only ones (nor through /proc/<parent>/root,
// the unconfined view), not read the hidden key, not undo the mounts, not reach
// the network. One line per check with the command's exit status.
const char kConfinedWant[] =
    "write store 1\nremove in store 1\nwrite work 1\nwrite work/out 0\nread key 0\nremount 1\n"
    "via /proc 1\nconnect 1\nuid 0\n";

std::string ConfinedChecks(const TempDir& d, int port) {
  std::string err, out;
  const std::string store = d.path() + "/store", work = d.path() + "/tree", key = d.path() + "/key.pem";
  Confinement c{{store, work}, {work + "/out"}, {key}, true};
  auto rc = [&](const std::string& cmd) {
    int r = RunCommand({"bash", "-c", cmd}, "", {}, -1, "", &err, 30, &c);
    return std::to_string(r) + (r == -1 ? " (" + err + ")" : "");
  };
  out += "write store " + rc("echo evil >" + store + "/x") + "\n";
  out += "remove in store " + rc("rm -f " + store + "/kept") + "\n";
  out += "write work " + rc("echo ok >" + work + "/x-$(id -u)") + "\n";
  out += "write work/out " + rc("echo ok >" + work + "/out/x-$(id -u)") + "\n";
  out += "read key " + rc("[ -z \"$(cat " + key + ")\" ]") + "\n";
  out += "remount " + rc("mount -o remount,bind,rw " + store + " 2>/dev/null && exit 0 || exit 1") + "\n";
  out += "via /proc " + rc("echo evil >/proc/$PPID/root" + store + "/y") + "\n";
  out += "connect " + rc("exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port)) + "\n";
  out += "uid " + rc("[ $(id -u) = " + std::to_string(geteuid()) + " ]") + "\n";
  return out;
}

TEST(RunCommand, AConfinedCommandCannotWriteTheReadOnlyDirectoriesNorReachTheNetwork) {
  TempDir d;
  d.Write("store/kept", "image");
  d.Write("tree/out/.keep", "");
  d.Write("key.pem", "-----BEGIN EC PRIVATE KEY-----");
  Listener l;
  ASSERT_NE(l.port, 0);
  std::string err;
  EXPECT_EQ(RunCommand({"bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(l.port)}, "", {}, -1, "", &err,
                       30),
            0)
      << "unconfined, the listener answers";
  EXPECT_EQ(RunCommand({"bash", "-c", "echo ok >/proc/$PPID/root" + d.path() + "/store/z"}, "", {}, -1, "", &err, 30),
            0)
      << "unconfined, /proc/<parent>/root is writable";
  // As the builder: non-dumpable, so that its /proc entries are no way around.
  ASSERT_EQ(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), 0);
  std::string got = ConfinedChecks(d, l.port);
  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  EXPECT_EQ(got, kConfinedWant) << "as root";
  std::string kept;
  EXPECT_TRUE(ReadFile(d.path() + "/store/kept", &kept, &err) && kept == "image");
  EXPECT_NE(access((d.path() + "/store/x").c_str(), F_OK), 0);
  // The same as an unprivileged user (the builder's service runs as its own): a
  // user namespace of its own maps it to itself.
  for (const char* dir : {"", "/tree", "/tree/out", "/store"}) ASSERT_EQ(chmod((d.path() + dir).c_str(), 0777), 0);
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    std::string r = ConfinedChecks(d, l.port);
    (void)!write(pipefd[1], r.data(), r.size());
    _exit(0);
  }
  close(pipefd[1]);
  got.clear();
  char buf[256];
  for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;) got.append(buf, size_t(n));
  close(pipefd[0]);
  int status;
  waitpid(pid, &status, 0);
  EXPECT_EQ(got, kConfinedWant) << "as nobody";
}

TEST(RunCommand, AConfinementThatCannotBeMadeIsSaidAndNothingRuns) {
  TempDir d;
  Confinement c{{d.path() + "/missing"}, {}, {}, true};
  std::string err;
  EXPECT_EQ(RunCommand({"touch", d.path() + "/ran"}, "", {}, -1, "", &err, 30, &c), -1);
  EXPECT_EQ(err, "cannot confine the command: bind mount " + d.path() + "/missing: No such file or directory");
  EXPECT_NE(access((d.path() + "/ran").c_str(), F_OK), 0);
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

namespace kb {
namespace {

TEST(RunProcess, CapturesStdoutAndLogsStderrApart) {
  TempDir d;
  std::string log_path = d.path() + "/log", out, err;
  Fd log(open(log_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  Command c;
  c.argv = {"sh", "-c", "echo out; echo err >&2; exit 4"};
  c.log_fd = log.get();
  c.capture = &out;
  c.timeout = 30;
  EXPECT_EQ(RunProcess(c, &err), 4);
  EXPECT_EQ(out, "out\n");
  std::string logged;
  ASSERT_TRUE(ReadSmallFile(log_path, &logged));
  EXPECT_EQ(logged, "err\n");
}

// A command that writes more than a pipe holds before it reads its input (cat of
// 1 MiB): input and output flow at once, nothing deadlocks.
TEST(RunProcess, FeedsInputWhileReadingOutput) {
  std::string out, err, input(1 << 20, 'k');
  Command c;
  c.argv = {"cat"};
  c.input = input;
  c.capture = &out;
  c.timeout = 30;
  EXPECT_EQ(RunProcess(c, &err), 0);
  EXPECT_EQ(out, input);
}

TEST(RunProcess, KeepsAtMostTheLimitAndStillReadsTheRest) {
  std::string out, err;
  Command c;
  c.argv = {"sh", "-c", "head -c 300000 /dev/zero; echo done >&2"};
  c.capture = &out;
  c.capture_limit = 1000;
  c.timeout = 30;
  EXPECT_EQ(RunProcess(c, &err), 0) << "a writer is not blocked by the limit";
  EXPECT_EQ(out.size(), 1000u);
}

// A background process that keeps the output pipe open does not hold the caller:
// the command's end is the end.
TEST(RunProcess, ALeftoverChildDoesNotHoldTheCapture) {
  std::string out, err;
  Command c;
  c.argv = {"sh", "-c", "echo first; (sleep 5; echo late) & exit 0"};
  c.capture = &out;
  c.timeout = 30;
  const double t0 = MonotonicSeconds();
  EXPECT_EQ(RunProcess(c, &err), 0);
  EXPECT_LT(MonotonicSeconds() - t0, 4);
  EXPECT_EQ(out, "first\n");
}

TEST(RunProcess, NoCommandAndTimeoutAreSaid) {
  std::string err, out;
  Command c;
  EXPECT_EQ(RunProcess(c, &err), -1);
  EXPECT_EQ(err, "no command");
  c.argv = {"sleep", "5"};
  c.capture = &out;
  c.timeout = 0.2;
  EXPECT_EQ(RunProcess(c, &err), 124);
  EXPECT_EQ(DescribeExit(124, 0.2, ""), "it did not finish in 0.2 s");
  EXPECT_EQ(DescribeExit(3, 1, ""), "exit 3");
  EXPECT_EQ(DescribeExit(-1, 1, "nope"), "cannot run it: nope");
  EXPECT_EQ(DescribeExit(-2, 1, ""), "stopped by a signal");
}

}  // namespace
}  // namespace kb
