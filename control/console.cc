#include "control/console.h"

namespace kb {

// The backends' Open functions, each in its own file.
std::unique_ptr<Console> OpenFileConsole(const ConsoleTarget& t, std::string* why);

namespace {

// First match wins: the file, which takes anything, is last.
const ConsoleBackend kConsoleBackends[] = {
    {"", "FILE                   a file that a serial logger fills, read as it grows", OpenFileConsole},
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
  for (const ConsoleBackend& b : kConsoleBackends) out += std::string(b.usage) + "\n";
  return out;
}

}  // namespace kb
