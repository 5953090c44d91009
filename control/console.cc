#include "control/console.h"

#include "control/format.h"

namespace kb {

// The backends' Open functions, each in its own file (the file's: console.h).
std::unique_ptr<Console> OpenTcpConsole(const ConsoleTarget& t, std::string* why);
std::unique_ptr<Console> OpenCommandConsole(const ConsoleTarget& t, std::string* why);
std::unique_ptr<Console> OpenIpmiSolConsole(const ConsoleTarget& t, std::string* why);

namespace {

// First match wins: the file, which takes anything, is last.
const ConsoleBackend kConsoleBackends[] = {
    {"tcp:", "tcp:HOST:PORT", "a serial port served on TCP (ser2net), captured", OpenTcpConsole},
    {"ipmi-sol", "ipmi-sol", "the Serial-over-LAN of --power ipmi://...'s BMC, captured", OpenIpmiSolConsole},
    {"command:", "command:CMD", "a command's output (a SOL client), captured; rerun", OpenCommandConsole},
    {"", "FILE", "a file that a serial logger fills, read as it grows", OpenFileConsole},
};

}  // namespace

std::unique_ptr<Console> OpenConsole(const ConsoleTarget& t, std::string* why) {
  if (t.spec.empty()) return *why = "no --console given", nullptr;
  for (const ConsoleBackend& b : kConsoleBackends)
    if (t.spec.rfind(b.prefix, 0) == 0) return b.open(t, why);
  return *why = "--console '" + t.spec + "': no backend takes it", nullptr;
}

std::string ConsoleUsage() {
  std::string out;
  for (const ConsoleBackend& b : kConsoleBackends) out += FormRow(b.form, b.usage);
  return out;
}

}  // namespace kb
