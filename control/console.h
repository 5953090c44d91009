// A test machine's console as kbisect reads it (issue 37): the bytes captured so
// far, read from an offset, judged by step.cc. One interface, a backend a way of
// getting the bytes, chosen by the form of --console in the table of backends
// (kConsoleBackends, console.cc):
//   tcp:HOST:PORT  a serial port on TCP (ser2net), captured    console_stream.cc
//   ipmi-sol       the BMC's Serial-over-LAN (--power ipmi://), captured  console_ipmi_sol.cc
//   command:CMD    a command's output (a SOL client), captured console_stream.cc
//   FILE   a file something else fills (a serial logger, conserver's log file,
//          QEMU's -serial file:), read as it grows         console_file.cc
// A backend that captures a stream itself (a TCP port, a BMC's Serial-over-LAN,
// a command's output) is one file with its Open function and one row: it writes
// what it captures to a file of its own, so that what Path() names is the same
// for the test command whatever the backend.
#ifndef KBISECT_CONTROL_CONSOLE_H
#define KBISECT_CONTROL_CONSOLE_H

#include <cstddef>
#include <memory>
#include <string>

namespace kb {

class Console {
 public:
  virtual ~Console() = default;
  // Bytes captured so far (0 while there are none, or the source cannot be read).
  virtual size_t Size() = 0;
  // Captured bytes from `from` on, at most 1 MiB a call ("" when none).
  virtual std::string Read(size_t from) = 0;
  // The file that holds what was captured, for the test command (KBISECT_CONSOLE).
  virtual std::string Path() const = 0;
  // What the console is, for messages.
  virtual std::string Name() const = 0;
  // Why its source could not be opened or read the last time it was tried ("":
  // it could, or it is a file something else fills).
  virtual std::string Problem() { return ""; }
  // Where the capture stood when its source last dropped (a connection or client
  // that ended after it was open), as an offset of what Read reads; kNoDrop when
  // it never did. A hang whose console dropped after the candidate started may
  // be output lost, not silence.
  static constexpr size_t kNoDrop = size_t(-1);
  virtual size_t LastDropAt() { return kNoDrop; }
};

struct ConsoleTarget {
  std::string spec;     // --console, %m already replaced
  std::string machine;  // the machine's name
  std::string capture;  // where a backend that captures a stream writes it
  std::string power;    // --power and --power-secret, for a console through the BMC
  std::string secret;
  bool start = true;    // false: the form is checked, nothing is opened or started
};

struct ConsoleBackend {
  const char* prefix;  // the --console value starts with it ("" : any, the last row)
  const char* form;    // the value's form, for --help
  const char* usage;   // what it is, for --help
  std::unique_ptr<Console> (*open)(const ConsoleTarget& t, std::string* why);
};

// The backend for t.spec (the first row whose prefix it starts with), opened:
// null with why when the value does not fit it.
std::unique_ptr<Console> OpenConsole(const ConsoleTarget& t, std::string* why);

// The file console (console_file.cc), also the reading side of the capturing ones.
std::unique_ptr<Console> OpenFileConsole(const ConsoleTarget& t, std::string* why);

// The forms --console takes, one a line, for --help.
std::string ConsoleUsage();

}  // namespace kb

#endif
