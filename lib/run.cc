#include "lib/run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fd.h"

namespace kb {

std::atomic<bool> g_stop{false};
std::atomic<int> g_stop_signal{0};

namespace {
void OnStop(int sig) {
  g_stop_signal = sig;
  g_stop = true;
}

// Ends the group of pid (SIGTERM, then SIGKILL after 10 s at most) and reaps pid.
void EndGroup(pid_t pid) {
  int status = 0;
  kill(-pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      kill(-pid, SIGKILL);  // stragglers of the group
      return;
    }
    timespec ts{0, 100000000};
    nanosleep(&ts, nullptr);
  }
  kill(-pid, SIGKILL);
  waitpid(pid, &status, 0);
}
}  // namespace

double MonotonicSeconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

int RunCommand(const std::vector<std::string>& argv, const std::string& cwd, const std::vector<std::string>& env,
               int log_fd, const std::string& input, std::string* err, double timeout, const Confinement* confine) {
  int in_pipe[2] = {-1, -1}, status_pipe[2] = {-1, -1};
  if (!input.empty() && pipe2(in_pipe, O_CLOEXEC) != 0) return *err = strerror(errno), -1;
  Fd in_read(in_pipe[0]), in_write(in_pipe[1]);
  // The child's word when it cannot be set up (confinement, cwd): closed by the
  // exec. The child allocates after fork: fine while this process has no threads
  // (the builder and kbisect have none; libgit2 starts none for what they use).
  if (pipe2(status_pipe, O_CLOEXEC) != 0) return *err = strerror(errno), -1;
  Fd status_read(status_pipe[0]), status_write(status_pipe[1]);
  pid_t pid = fork();
  if (pid < 0) return *err = std::string("fork: ") + strerror(errno), -1;
  if (pid == 0) {
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);  // the callers ignore it; the commands expect the default
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    int devnull = open("/dev/null", O_RDWR);
    dup2(in_read ? in_read.get() : devnull, 0);
    dup2(log_fd >= 0 ? log_fd : devnull, 1);
    dup2(log_fd >= 0 ? log_fd : devnull, 2);
    auto fail = [&](const std::string& what) {
      std::string msg = what + ": " + strerror(errno);
      (void)!write(status_write.get(), msg.data(), msg.size());
      _exit(127);
    };
    std::string what;
    if (confine) {
      if (int e = ConfineSelf(*confine, &what)) errno = e, fail("cannot confine the command: " + what);
    }
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) fail("chdir " + cwd);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    // The command's own failure (a commit's script gone or not executable), as
    // a shell says it: in its log, 127 or 126.
    int e = errno;
    dprintf(2, "cannot run %s: %s\n", args[0], strerror(e));
    _exit(e == EACCES || e == ENOEXEC ? 126 : 127);
  }
  setpgid(pid, pid);
  status_write.Close();
  char said[512];
  ssize_t n;
  while ((n = read(status_read.get(), said, sizeof said)) < 0 && errno == EINTR) {
  }
  if (n > 0) {
    int ignored;
    while (waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
    }
    return *err = std::string(said, size_t(n)), -1;
  }
  if (in_read) {
    in_read.Close();
    const char* p = input.data();
    size_t left = input.size();
    while (left > 0) {
      ssize_t w = write(in_write.get(), p, left);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      p += w;
      left -= size_t(w);
    }
    in_write.Close();
  }
  int status = 0;
  const double deadline = timeout > 0 ? MonotonicSeconds() + timeout : 0;
  for (;;) {
    if (timeout > 0) {
      pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) break;
      if (w < 0 && errno != EINTR) return *err = std::string("waitpid: ") + strerror(errno), -1;
      if (g_stop) return EndGroup(pid), -2;
      if (MonotonicSeconds() >= deadline) return EndGroup(pid), 124;
      timespec ts{0, 20000000};
      nanosleep(&ts, nullptr);
      continue;
    }
    if (waitpid(pid, &status, 0) == pid) break;
    if (errno != EINTR) return *err = std::string("waitpid: ") + strerror(errno), -1;
    if (!g_stop) continue;
    // Stop: end the whole group (make and its compilers), bounded.
    EndGroup(pid);
    return -2;
  }
  if (g_stop) return -2;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace kb
