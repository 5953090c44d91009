// The real edges of one test machine (issue 13): MachineEnv over the kbisect
// server (HTTP), the --power and --test commands (processes in their own group,
// bounded in time, ended on a stop) and the console file that a serial logger
// fills. The rules that use them are in step.cc, tested over fakes.
#ifndef KBISECT_CONTROL_MACHINE_H
#define KBISECT_CONTROL_MACHINE_H

#include <unistd.h>

#include <string>

#include "control/options.h"
#include "control/server.h"
#include "control/step.h"

namespace kb {

class RealMachine : public MachineEnv {
 public:
  RealMachine(const Server& server, const Options& o) : server_(server), o_(o) {}
  // The commit being tested, for the test command's KBISECT_COMMIT.
  void SetCommit(const std::string& commit) { commit_ = commit; }
  // Where the power and test commands' output goes (default: stderr).
  void SetOutput(int fd) { output_fd_ = fd; }
  // On a terminal, what the machine is doing is shown on one live line while
  // kbisect waits ("booting IMAGE"), with the seconds since it was set; "" clears it.
  void SetLive(const std::string& what);

  bool NewestBoot(std::string* line, std::string* why) override;
  bool SetOnce(const std::string& image, std::string* why) override;
  bool ClearOnce(std::string* why) override;
  bool PowerCycle(std::string* why) override;
  bool Reboot(std::string* why) override;
  size_t ConsoleSize() override;
  std::string ReadConsole(size_t from) override;
  int RunTest(const std::string& image, size_t console_offset, double timeout) override;
  double Now() override;
  void Sleep(double seconds) override;
  bool Stopped() override;

 private:
  bool Command(const std::string& cmd, double timeout, std::string* why);

  const Server& server_;
  const Options& o_;
  std::string commit_;
  int output_fd_ = 2;
  std::string live_;
  double live_since_ = 0;
  bool tty_ = isatty(2);
};

// The step options for BootAndJudge from the command's options.
StepOptions StepOptionsOf(const Options& o);

// A sleep that ends early on a stop.
void SleepUnlessStopped(double seconds);

}  // namespace kb

#endif
