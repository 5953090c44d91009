#include "control/power.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kb {

// The backends' Open functions, each in its own file.
std::unique_ptr<Power> OpenIpmiPower(const PowerTarget& t, std::string* why);
std::unique_ptr<Power> OpenQmpPower(const PowerTarget& t, std::string* why);
std::unique_ptr<Power> OpenCommandPower(const PowerTarget& t, std::string* why);

namespace {

// First match wins: the command, which takes anything, is last.
const PowerBackend kPowerBackends[] = {
    {"ipmi://", "ipmi://USER@HOST[:PORT] a BMC over IPMI LAN+ (ipmitool), --power-secret FILE", OpenIpmiPower},
    {"qmp:", "qmp:SOCKET             QEMU's QMP socket (on: reset and run; off: stop)", OpenQmpPower},
    {"", "CMD                    a shell command that power-cycles the machine", OpenCommandPower},
};

}  // namespace

const char* PowerVerbName(PowerVerb v) {
  switch (v) {
    case PowerVerb::kOn: return "power on";
    case PowerVerb::kOff: return "power off";
    case PowerVerb::kCycle: return "power-cycle";
    case PowerVerb::kStatus: return "tell the power state";
  }
  return "?";
}

std::unique_ptr<Power> OpenPower(const PowerTarget& t, std::string* why) {
  if (t.spec.empty()) return *why = "no --power given", nullptr;
  for (const PowerBackend& b : kPowerBackends)
    if (t.spec.rfind(b.prefix, 0) == 0) return b.open(t, why);
  return *why = "--power '" + t.spec + "': no backend takes it", nullptr;
}

std::string CheckSecretFile(const std::string& path) {
  struct stat st;
  if (path.empty()) return "no --power-secret FILE (the password's file)";
  if (lstat(path.c_str(), &st) != 0) return "--power-secret " + path + ": " + strerror(errno);
  if (!S_ISREG(st.st_mode)) return "--power-secret " + path + ": not a regular file";
  if (st.st_mode & 077)
    return "--power-secret " + path + ": others may read or change it (mode " +
           std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
           std::to_string(st.st_mode & 7) + "): chmod 600 it";
  if (access(path.c_str(), R_OK) != 0) return "--power-secret " + path + ": " + strerror(errno);
  return "";
}

std::string PowerUsage() {
  std::string out;
  for (const PowerBackend& b : kPowerBackends) out += std::string(b.usage) + "\n";
  return out;
}

bool PowerCycleOrOn(Power& p, std::string* why) {
  if (p.Can(PowerVerb::kStatus)) {
    PowerState s;
    if (!p.Status(&s, why)) return false;
    if (s == PowerState::kOff) return p.On(why);
  }
  if (p.Can(PowerVerb::kCycle)) return p.Cycle(why);
  if (p.Can(PowerVerb::kOff) && p.Can(PowerVerb::kOn)) return p.Off(why) && p.On(why);
  return *why = p.Name() + " cannot power-cycle the machine", false;
}

}  // namespace kb
