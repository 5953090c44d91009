// A BMC reached with Debian's ipmitool over IPMI's LAN+ interface: the form of
// --power ipmi://USER@HOST[:PORT][?cipher=N], shared by the power backend
// (power_ipmi.cc) and the Serial-over-LAN console (console_ipmi_sol.cc).
#ifndef KBISECT_CONTROL_IPMI_H
#define KBISECT_CONTROL_IPMI_H

#include <string>
#include <vector>

namespace kb {

struct IpmiBmc {
  std::string user, host, port = "623";
  std::string cipher;  // ?cipher=N: ipmitool -C N ("" : ipmitool asks the BMC)
  std::string secret;  // the --power-secret file
};

// Parses --power ipmi://... (with its secret file, checked): false with why.
bool ParseIpmiBmc(const std::string& spec, const std::string& secret, IpmiBmc* out, std::string* why);

// ipmitool's argv up to its command ("ipmitool -I lanplus -H ... -f SECRET"):
// the password read by ipmitool from the file, never on a command line.
std::vector<std::string> IpmitoolArgv(const IpmiBmc& b);

// "IPMI USER@HOST:PORT", for messages.
std::string IpmiName(const IpmiBmc& b);

}  // namespace kb

#endif
