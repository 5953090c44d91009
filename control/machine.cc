#include "control/machine.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

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

namespace {

// Where a console kbisect captures itself is written: beside the run's log, or
// (a step without --log) in $TMPDIR, never in the engineer's kernel tree.
std::string CaptureOf(const Options& o) {
  const char* tmp = getenv("TMPDIR");
  const std::string dir = tmp && *tmp ? tmp : "/tmp";
  return (o.log.empty() ? dir + "/kbisect-" + o.machine : o.log + "." + o.machine) + ".console";
}

}  // namespace

PowerTarget PowerTargetOf(const Options& o, int output_fd, Runner* runner) {
  return PowerTarget{o.power, o.machine, o.power_secret, o.power_timeout, output_fd, runner, o.power_ca};
}

RealMachine::RealMachine(const Server& server, const Options& o, int output_fd, Runner& runner)
    : server_(server), o_(o), output_fd_(output_fd), runner_(runner) {
  power_ = OpenPower(PowerTargetOf(o, output_fd, &runner), &open_error_);
  if (power_ && !o.console.empty())
    console_ = OpenConsole(ConsoleTarget{o.console, o.machine, CaptureOf(o), o.power, o.power_secret, true}, &open_error_);
}

std::string CheckMachineOptions(const Options& o) {
  std::string why;
  if (!o.power.empty() && !OpenPower(PowerTargetOf(o, -1, nullptr), &why))
    return why;
  if (!o.console.empty() &&
      !OpenConsole(ConsoleTarget{o.console, o.machine, CaptureOf(o), o.power, o.power_secret, false}, &why))
    return why;
  return "";
}

bool PowerOffMachine(const Options& o, std::string* why) {
  std::unique_ptr<Power> p = OpenPower(PowerTargetOf(o, 2, nullptr), why);
  if (!p) return false;
  if (!p->Can(PowerVerb::kOff)) return *why = p->Name() + " cannot power off", false;
  return p->Off(why);
}

bool RealMachine::NewestBoot(std::string* line, std::string* why) { return server_.NewestBoot(o_.machine, line, why); }

bool RealMachine::SetOnce(const std::string& image, std::string* why) { return server_.SetOnce(o_.machine, image, why); }

bool RealMachine::ClearOnce(std::string* why) { return server_.ClearOnce(o_.machine, why); }

bool RealMachine::PowerCycle(std::string* why) {
  if (!power_) return *why = open_error_, false;
  return PowerCycleOrOn(*power_, why);
}

bool RealMachine::Reboot(std::string* why) {
  Command c;
  c.argv = {"bash", "-c", o_.reboot};
  c.env = {"KBISECT_MACHINE=" + o_.machine};
  c.log_fd = output_fd_;
  c.timeout = o_.reboot_timeout;
  std::string err;
  int rc = runner_.Run(c, &err);
  if (rc == 0) return true;
  return *why = "'" + o_.reboot + "': " + DescribeExit(rc, o_.reboot_timeout, err), false;
}

size_t RealMachine::ConsoleSize() { return console_ ? console_->Size() : 0; }

std::string RealMachine::ReadConsole(size_t from) { return console_ ? console_->Read(from) : std::string(); }

std::string RealMachine::ConsoleProblem() { return console_ ? console_->Problem() : std::string(); }

size_t RealMachine::ConsoleLastDrop() { return console_ ? console_->LastDropAt() : Console::kNoDrop; }

int RealMachine::RunTest(const std::string& image, size_t console_offset, double timeout) {
  std::string err;
  std::vector<std::string> env = {"KBISECT_MACHINE=" + o_.machine, "KBISECT_IMAGE=" + image,
                                  "KBISECT_COMMIT=" + commit_, "KBISECT_CONSOLE=" + (console_ ? console_->Path() : ""),
                                  "KBISECT_CONSOLE_OFFSET=" + std::to_string(console_offset)};
  Command c;
  c.argv = {"bash", "-c", o_.test};
  c.env = env;
  c.log_fd = output_fd_;
  c.timeout = timeout;
  int rc = runner_.Run(c, &err);
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
