#include "lib/run.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
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
  // exec. kbisect runs commands from several threads (a pool's machines), so
  // everything the child needs is made before the fork: between fork and exec it
  // calls no allocator (the confinement does, but only the builder confines, and
  // it has no threads).
  if (pipe2(status_pipe, O_CLOEXEC) != 0) return *err = strerror(errno), -1;
  Fd status_read(status_pipe[0]), status_write(status_pipe[1]);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The environment: this process's, with env's entries replacing those of the same name.
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) {
    const char* eq = strchr(*e, '=');
    const size_t name = eq ? size_t(eq - *e) + 1 : strlen(*e);
    bool replaced = false;
    for (const std::string& x : env) replaced = replaced || (x.size() >= name && x.compare(0, name, *e, name) == 0);
    if (!replaced) envp.push_back(*e);
  }
  for (const std::string& x : env) envp.push_back(const_cast<char*>(x.c_str()));
  envp.push_back(nullptr);
  const std::string chdir_what = "chdir " + cwd + ": ";
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
    // No descriptor of this process but 0-2 reaches the command (another thread's
    // socket, a pipe being set up for another command): a plain syscall, safe here.
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    // Says what failed and why to the parent, and ends the child.
    auto fail = [&](const char* what, size_t what_len, int e) {
      const char* reason = strerror(e);
      (void)!write(status_write.get(), what, what_len);
      (void)!write(status_write.get(), reason, strlen(reason));
      _exit(127);
    };
    if (confine) {
      std::string what;
      if (int e = ConfineSelf(*confine, &what)) {
        what = "cannot confine the command: " + what + ": ";
        fail(what.data(), what.size(), e);
      }
    }
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) fail(chdir_what.data(), chdir_what.size(), errno);
    execvpe(args[0], args.data(), envp.data());
    // The command's own failure (a commit's script gone or not executable), as
    // a shell says it: in its log, 127 or 126.
    int e = errno;
    const char* reason = strerror(e);
    (void)!write(2, "cannot run ", 11);
    (void)!write(2, args[0], strlen(args[0]));
    (void)!write(2, ": ", 2);
    (void)!write(2, reason, strlen(reason));
    (void)!write(2, "\n", 1);
    _exit(e == EACCES || e == ENOEXEC ? 126 : 127);
  }
  setpgid(pid, pid);
  status_write.Close();
  // Until the exec closes it, or the child's word and its exit do.
  std::string said;
  char buf[512];
  for (ssize_t n; said.size() < 4096;) {
    n = read(status_read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    said.append(buf, size_t(n));
  }
  if (!said.empty()) {
    int ignored;
    while (waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
    }
    return *err = said, -1;
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
