#include "lib/run.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

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

namespace {

// The environment: this process's, with env's entries replacing those of the same
// name. The pointers are into environ and env.
std::vector<char*> Environment(const std::vector<std::string>& env) {
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
  return envp;
}

// The child's side, after the fork: never returns. Everything it needs was made
// before the fork (kbisect runs commands from several threads, a pool's machines):
// it calls no allocator (the confinement does, but only the builder confines, and
// it has no threads). A set-up failure is written to status_fd (closed by the exec).
[[noreturn]] void Child(const Command& c, char** args, char** envp, int in_fd, int out_fd, int status_fd,
                        const std::string& chdir_what) {
  setpgid(0, 0);
  signal(SIGPIPE, SIG_DFL);  // the callers ignore it; the commands expect the default
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  int devnull = open("/dev/null", O_RDWR);
  dup2(in_fd >= 0 ? in_fd : devnull, 0);
  dup2(out_fd >= 0 ? out_fd : c.log_fd >= 0 ? c.log_fd : devnull, 1);
  dup2(out_fd >= 0 && c.capture_stderr ? out_fd : c.log_fd >= 0 ? c.log_fd : devnull, 2);
  // No descriptor of this process but 0-2 reaches the command (another thread's
  // socket, a pipe being set up for another command): a plain syscall, safe here.
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  auto fail = [&](const char* what, size_t what_len, int e) {
    const char* reason = strerror(e);
    (void)!write(status_fd, what, what_len);
    (void)!write(status_fd, reason, strlen(reason));
    _exit(127);
  };
  if (c.confine) {
    std::string what;
    if (int e = ConfineSelf(*c.confine, &what)) {
      what = "cannot confine the command: " + what + ": ";
      fail(what.data(), what.size(), e);
    }
  }
  if (!c.cwd.empty() && chdir(c.cwd.c_str()) != 0) fail(chdir_what.data(), chdir_what.size(), errno);
  execvpe(args[0], args, envp);
  // The command's own failure (a commit's script gone or not executable), as a
  // shell says it: in its log, 127 or 126.
  int e = errno;
  const char* reason = strerror(e);
  (void)!write(2, "cannot run ", 11);
  (void)!write(2, args[0], strlen(args[0]));
  (void)!write(2, ": ", 2);
  (void)!write(2, reason, strlen(reason));
  (void)!write(2, "\n", 1);
  _exit(e == EACCES || e == ENOEXEC ? 126 : 127);
}

// The parent's side once the command runs: feeds its input, collects its output,
// waits for it within its time. The exit code as RunProcess returns it.
int Pump(const Command& c, pid_t pid, Fd in, Fd out, std::string* err) {
  size_t fed = 0;
  if (in && c.input.empty()) in.Close();
  if (in) fcntl(in.get(), F_SETFL, O_NONBLOCK);
  const double deadline = c.timeout > 0 ? MonotonicSeconds() + c.timeout : 0;
  int status = 0;
  for (;;) {
    pollfd p[2];
    nfds_t n = 0;
    if (out) p[n++] = {out.get(), POLLIN, 0};
    if (in) p[n++] = {in.get(), POLLOUT, 0};
    // 20 ms between looks at the child when nothing comes: a stop or a timeout is
    // seen that soon, and an idle wait costs nothing measurable.
    int r = n ? poll(p, n, 20) : 0;
    if (r < 0 && errno != EINTR) return *err = std::string("poll: ") + strerror(errno), EndGroup(pid), -1;
    if (!n) {
      timespec ts{0, 20000000};
      nanosleep(&ts, nullptr);
    }
    for (nfds_t i = 0; r > 0 && i < n; ++i) {
      if (!p[i].revents) continue;
      if (out && p[i].fd == out.get()) {
        char buf[65536];
        ssize_t got = read(out.get(), buf, sizeof buf);
        if (got > 0 && c.capture->size() < c.capture_limit)
          c.capture->append(buf, std::min(size_t(got), c.capture_limit - c.capture->size()));
        if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) out.Close();
      } else if (in) {
        ssize_t w = write(in.get(), c.input.data() + fed, c.input.size() - fed);
        if (w > 0) fed += size_t(w);
        // Written, or the command will not read the rest (EPIPE): its stdin ends.
        if (fed == c.input.size() || (w < 0 && errno != EINTR && errno != EAGAIN)) in.Close();
      }
    }
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return *err = std::string("waitpid: ") + strerror(errno), -1;
    if (g_stop) return EndGroup(pid), -2;
    if (c.timeout > 0 && MonotonicSeconds() >= deadline) return EndGroup(pid), 124;
  }
  // What it wrote before it ended (a process it left behind may hold the pipe
  // open: only what is there now is read).
  if (out) {
    fcntl(out.get(), F_SETFL, O_NONBLOCK);
    char buf[65536];
    for (ssize_t got; (got = read(out.get(), buf, sizeof buf)) > 0;)
      if (c.capture->size() < c.capture_limit)
        c.capture->append(buf, std::min(size_t(got), c.capture_limit - c.capture->size()));
  }
  if (g_stop) return -2;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

class System : public Runner {
 public:
  int Run(const Command& c, std::string* err) override { return RunProcess(c, err); }
};

}  // namespace

namespace {

// Starts c in a process group of its own: its pid, with *in the write end of its
// stdin (when c has input) and *out the read end of its stdout (when out_pipe);
// -1 with *err when it cannot start.
pid_t Spawn(const Command& c, bool out_pipe, Fd* in, Fd* out, std::string* err) {
  if (c.argv.empty()) return *err = "no command", -1;
  int in_pipe[2] = {-1, -1}, out_fds[2] = {-1, -1}, status_pipe[2] = {-1, -1};
  if ((!c.input.empty() || c.stdin_open) && pipe2(in_pipe, O_CLOEXEC) != 0) return *err = strerror(errno), -1;
  Fd in_read(in_pipe[0]), in_write(in_pipe[1]);
  if (out_pipe && pipe2(out_fds, O_CLOEXEC) != 0) return *err = strerror(errno), -1;
  Fd out_read(out_fds[0]), out_write(out_fds[1]);
  // The child's word when it cannot be set up (confinement, cwd).
  if (pipe2(status_pipe, O_CLOEXEC) != 0) return *err = strerror(errno), -1;
  Fd status_read(status_pipe[0]), status_write(status_pipe[1]);
  std::vector<char*> args;
  for (const std::string& a : c.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp = Environment(c.env);
  const std::string chdir_what = "chdir " + c.cwd + ": ";
  pid_t pid = fork();
  if (pid < 0) return *err = std::string("fork: ") + strerror(errno), -1;
  if (pid == 0) Child(c, args.data(), envp.data(), in_read.get(), out_write.get(), status_write.get(), chdir_what);
  setpgid(pid, pid);
  status_write.Close();
  in_read.Close();
  out_write.Close();
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
  *in = std::move(in_write);
  *out = std::move(out_read);
  return pid;
}

}  // namespace

int RunProcess(const Command& c, std::string* err) {
  if (c.capture) c.capture->clear();
  Fd in, out;
  pid_t pid = Spawn(c, c.capture != nullptr, &in, &out, err);
  if (pid < 0) return -1;
  return Pump(c, pid, std::move(in), std::move(out), err);
}

bool Process::Start(const Command& c, std::string* err) {
  End();
  Fd in;
  pid_ = Spawn(c, true, &in, &out_, err);
  if (pid_ <= 0) return false;
  if (!c.input.empty()) (void)!write(in.get(), c.input.data(), c.input.size());
  if (c.stdin_open) in_ = std::move(in);
  return true;
}

void Process::End() {
  if (pid_ > 0) EndGroup(pid_);
  pid_ = -1;
  in_.Close();
  out_.Close();
}

int RunCommand(const std::vector<std::string>& argv, const std::string& cwd, const std::vector<std::string>& env,
               int log_fd, const std::string& input, std::string* err, double timeout, const Confinement* confine) {
  Command c;
  c.argv = argv;
  c.cwd = cwd;
  c.env = env;
  c.input = input;
  c.log_fd = log_fd;
  c.timeout = timeout;
  c.confine = confine;
  return RunProcess(c, err);
}

Runner& SystemRunner() {
  static System system;
  return system;
}

std::string DescribeExit(int rc, double timeout, const std::string& err) {
  char secs[32];
  snprintf(secs, sizeof secs, "%g", timeout);
  return rc == -1    ? "cannot run it: " + err
         : rc == -2  ? std::string("stopped by a signal")
         : rc == 124 ? "it did not finish in " + std::string(secs) + " s"
                     : "exit " + std::to_string(rc);
}

}  // namespace kb
