// A test machine's power switch (issue 37): one interface, a backend a way of
// reaching the switch, chosen by the form of --power in the table of backends
// (kPowerBackends, power.cc):
//   ipmi://USER@HOST[:PORT]  a BMC over IPMI's LAN+ (ipmitool)   power_ipmi.cc
//   redfish://USER@HOST[:PORT]/redfish/v1/Systems/ID  a BMC over Redfish  power_redfish.cc
//   pdu://HOST[:PORT]/PDU/PORT  an outlet through pdudaemon           power_pdu.cc
//   qmp:SOCKET   QEMU's QMP socket (the lab's machines)        power_qmp.cc
//   CMD          a shell command that power-cycles the machine power_command.cc
// A new backend (a BMC, a PDU) is one file with its Open function and one row.
//
// The verbs: on, off, cycle and status. A backend that cannot do one says so
// (Can() false; the call fails with why) and never pretends. Every call is
// bounded by the backend's timeout and ends early on a stop (g_stop). Errors
// come back as false with a message that names the backend and the machine's
// switch, for the user: a lab fault, never a verdict.
#ifndef KBISECT_CONTROL_POWER_H
#define KBISECT_CONTROL_POWER_H

#include <memory>
#include <string>
#include <string_view>

#include "lib/run.h"

namespace kb {

enum class PowerState { kOn, kOff };
enum class PowerVerb { kOn, kOff, kCycle, kStatus };
const char* PowerVerbName(PowerVerb v);

class Power {
 public:
  virtual ~Power() = default;
  virtual bool Can(PowerVerb v) const = 0;
  virtual bool On(std::string* why) = 0;
  virtual bool Off(std::string* why) = 0;
  // Off and on again (a reset where the switch has one).
  virtual bool Cycle(std::string* why) = 0;
  virtual bool Status(PowerState* state, std::string* why) = 0;
  // What the switch is, for messages ("the power command 'CMD'", "QMP SOCKET").
  virtual std::string Name() const = 0;
};

// Where a backend acts: the --power value and what goes with it.
struct PowerTarget {
  std::string spec;           // --power, %m already replaced
  std::string machine;        // the machine's name (the command sees KBISECT_MACHINE)
  std::string secret;         // --power-secret: a file with the BMC's or PDU's password
  double timeout = 120;       // --power-timeout: each call
  int output_fd = 2;          // where a command's output goes
  Runner* runner = nullptr;   // runs commands (null: SystemRunner())
  std::string ca;             // --power-ca: the certificate (or its CA) of an https BMC
};

struct PowerBackend {
  const char* prefix;  // the --power value starts with it ("" : any, the last row)
  const char* form;    // the value's form, for --help
  const char* usage;   // what it is, for --help
  std::unique_ptr<Power> (*open)(const PowerTarget& t, std::string* why);
};

// The backend for t.spec (the first row whose prefix it starts with), opened:
// null with why when the value does not fit it (a bad form, a missing part).
std::unique_ptr<Power> OpenPower(const PowerTarget& t, std::string* why);

// Whether `path` is a secret only its owner can read (a regular file, not a link,
// no permission for group or others): "" or why not, naming the file.
std::string CheckSecretFile(const std::string& path);

// USER@HOST[:PORT] ([IPv6]:PORT too; USER@ may be missing): a BMC's or PDU's
// address in a --power value. False with why (form names the value's form).
struct BmcAddress {
  std::string user, host, port;
};
bool ParseBmcAddress(std::string_view text, const std::string& default_port, const std::string& form,
                     BmcAddress* out, std::string* why);

// The password in a --power-secret file (CheckSecretFile first): its first line.
bool ReadSecret(const std::string& path, std::string* password, std::string* why);

// The forms --power takes, one a line, for --help.
std::string PowerUsage();

// The step's power cycle: where the switch can tell that the machine is off, on
// (many BMCs refuse a cycle of an off chassis); else a cycle; a backend that can
// only switch on and off: off, then on. False with why.
bool PowerCycleOrOn(Power& p, std::string* why);

}  // namespace kb

#endif
