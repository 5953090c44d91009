// The real edges of one test machine (issue 13): MachineEnv over the kbisect
// server (HTTP), its power switch (control/power.h: --power), its console
// (control/console.h: --console), and the --reboot and --test commands
// (processes in their own group, bounded in time, ended on a stop). The rules
// that use them are in step.cc, tested over fakes.
#ifndef KBISECT_CONTROL_MACHINE_H
#define KBISECT_CONTROL_MACHINE_H

#include <unistd.h>

#include <memory>
#include <string>

#include "control/console.h"
#include "control/options.h"
#include "control/power.h"
#include "control/server.h"
#include "control/step.h"

namespace kb {

class RealMachine : public MachineEnv {
 public:
  // output_fd: where the power, reboot and test commands' output goes. The power
  // switch and the console are opened here; a --power or --console that no
  // backend takes makes every PowerCycle fail with why (CheckMachineOptions says
  // so before a run).
  // runner: runs the power, reboot and test commands.
  RealMachine(const Server& server, const Options& o, int output_fd = 2, Runner& runner = SystemRunner());
  // The commit being tested, for the test command's KBISECT_COMMIT.
  void SetCommit(const std::string& commit) { commit_ = commit; }
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
  std::string ConsoleProblem() override;
  size_t ConsoleLastDrop() override;
  int RunTest(const std::string& image, size_t console_offset, double timeout) override;
  double Now() override;
  void Sleep(double seconds) override;
  bool Stopped() override;

 private:
  const Server& server_;
  const Options& o_;
  std::string commit_;
  int output_fd_;
  Runner& runner_;
  std::unique_ptr<Power> power_;
  std::unique_ptr<Console> console_;
  std::string open_error_;  // why the power switch or the console could not be opened
  std::string live_;
  double live_since_ = 0;
  bool tty_ = isatty(2);
};

// The step options for BootAndJudge from the command's options.
StepOptions StepOptionsOf(const Options& o);

// Whether the machine's --power and --console are forms a backend takes: "" or
// why not, for the user, before anything runs.
std::string CheckMachineOptions(const Options& o);

// Where the machine of o (MachineOptions) powers: its --power, secret, CA and
// --power-timeout.
PowerTarget PowerTargetOf(const Options& o, int output_fd, Runner* runner);

// Powers the machine of o (MachineOptions) off: false with why.
bool PowerOffMachine(const Options& o, std::string* why);

// A sleep that ends early on a stop.
void SleepUnlessStopped(double seconds);

}  // namespace kb

#endif
