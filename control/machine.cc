#include "control/machine.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "common/fd.h"
#include "lib/run.h"

namespace kb {

void SleepUnlessStopped(double seconds) {
  const double end = MonotonicSeconds() + seconds;
  while (!g_stop) {
    double left = end - MonotonicSeconds();
    if (left <= 0) return;
    if (left > 0.1) left = 0.1;
    timespec ts{0, long(left * 1e9)};
    nanosleep(&ts, nullptr);
  }
}

StepOptions StepOptionsOf(const Options& o) {
  StepOptions s;
  s.report_timeout = o.report_timeout;
  s.test_timeout = o.test_timeout;
  s.hang_is_skip = o.hang_is_skip;
  s.use_reboot = !o.reboot.empty();
  s.reboot_timeout = o.reboot_timeout;
  s.use_test = !o.test.empty();
  s.console.pass = o.pass;
  s.console.fail = o.fail;
  s.console.ignore = o.ignore;
  s.console.call_trace_fails = o.fail_on_call_trace;
  s.console.boot_timeout = o.boot_timeout;
  s.console.silence_timeout = o.silence_timeout;
  return s;
}

bool RealMachine::NewestBoot(std::string* line, std::string* why) { return server_.NewestBoot(o_.machine, line, why); }

bool RealMachine::SetOnce(const std::string& image, std::string* why) { return server_.SetOnce(o_.machine, image, why); }

bool RealMachine::ClearOnce(std::string* why) { return server_.ClearOnce(o_.machine, why); }

// Runs a machine command (power or reboot) bounded in time; false with why.
bool RealMachine::Command(const std::string& cmd, double timeout, std::string* why) {
  std::string err;
  int rc = RunCommand({"bash", "-c", cmd}, "", {"KBISECT_MACHINE=" + o_.machine}, output_fd_, "", &err, timeout);
  if (rc == 0) return true;
  char secs[32];
  snprintf(secs, sizeof secs, "%g", timeout);
  *why = rc == -1    ? "cannot run it: " + err
         : rc == -2  ? std::string("stopped by a signal")
         : rc == 124 ? "it did not finish in " + std::string(secs) + " s"
                     : "exit " + std::to_string(rc);
  *why = "'" + cmd + "': " + *why;
  return false;
}

bool RealMachine::PowerCycle(std::string* why) { return Command(o_.power, o_.power_timeout, why); }

bool RealMachine::Reboot(std::string* why) { return Command(o_.reboot, o_.reboot_timeout, why); }

size_t RealMachine::ConsoleSize() {
  struct stat st;
  if (o_.console.empty() || stat(o_.console.c_str(), &st) != 0) return 0;
  return size_t(st.st_size);
}

std::string RealMachine::ReadConsole(size_t from) {
  std::string out;
  if (o_.console.empty()) return out;
  Fd fd(open(o_.console.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return out;
  char buf[65536];
  // At most 1 MiB a look: a console is read as it grows.
  while (out.size() < (size_t(1) << 20)) {
    ssize_t n = pread(fd.get(), buf, sizeof buf, off_t(from + out.size()));
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}

int RealMachine::RunTest(const std::string& image, size_t console_offset, double timeout) {
  std::string err;
  std::vector<std::string> env = {"KBISECT_MACHINE=" + o_.machine, "KBISECT_IMAGE=" + image,
                                  "KBISECT_COMMIT=" + commit_, "KBISECT_CONSOLE=" + o_.console,
                                  "KBISECT_CONSOLE_OFFSET=" + std::to_string(console_offset)};
  int rc = RunCommand({"bash", "-c", o_.test}, "", env, output_fd_, "", &err, timeout);
  if (rc == -1) fprintf(stderr, "kbisect: cannot run the test: %s\n", err.c_str());
  return rc;
}

double RealMachine::Now() { return MonotonicSeconds(); }

void RealMachine::SetLive(const std::string& what) {
  if (!tty_) return;
  if (what.empty() && !live_.empty()) fprintf(stderr, "\r\033[K");
  live_ = what;
  live_since_ = MonotonicSeconds();
}

void RealMachine::Sleep(double seconds) {
  if (!live_.empty()) fprintf(stderr, "\r\033[K%s (%.0f s)", live_.c_str(), MonotonicSeconds() - live_since_);
  SleepUnlessStopped(seconds);
}

bool RealMachine::Stopped() { return g_stop; }

}  // namespace kb
