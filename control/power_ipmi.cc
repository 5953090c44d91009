// --power ipmi://USER@HOST[:PORT]: a BMC (Dell iDRAC, HPE iLO, Supermicro, an
// OpenIPMI simulator) over IPMI's LAN+ interface, through Debian's ipmitool:
// `chassis power on|off|cycle|status`. The password is read by ipmitool from the
// --power-secret file (-f), never put on a command line.
#include <string_view>

#include "control/power.h"

namespace kb {

namespace {

// The last line of a tool's output that says something.
std::string LastLine(const std::string& out) {
  size_t end = out.find_last_not_of("\r\n \t");
  if (end == std::string::npos) return "";
  size_t start = out.find_last_of('\n', end);
  return out.substr(start == std::string::npos ? 0 : start + 1, end + 1 - (start == std::string::npos ? 0 : start + 1));
}

class IpmiPower : public Power {
 public:
  IpmiPower(const PowerTarget& t, std::string user, std::string host, std::string port)
      : t_(t), runner_(t.runner ? *t.runner : SystemRunner()), user_(std::move(user)), host_(std::move(host)),
        port_(std::move(port)) {}
  bool Can(PowerVerb) const override { return true; }
  bool On(std::string* why) override { return Chassis("on", nullptr, why); }
  bool Off(std::string* why) override { return Chassis("off", nullptr, why); }
  bool Cycle(std::string* why) override { return Chassis("cycle", nullptr, why); }
  bool Status(PowerState* state, std::string* why) override {
    std::string out;
    if (!Chassis("status", &out, why)) return false;
    if (out.find("Chassis Power is on") != std::string::npos) return *state = PowerState::kOn, true;
    if (out.find("Chassis Power is off") != std::string::npos) return *state = PowerState::kOff, true;
    return *why = Name() + ": chassis power status: no state in its answer: " + LastLine(out), false;
  }
  std::string Name() const override { return "IPMI " + user_ + "@" + host_ + ":" + port_; }

 private:
  // `ipmitool ... chassis power VERB`; its output in *out.
  bool Chassis(const char* verb, std::string* out, std::string* why) {
    Command c;
    c.argv = {"ipmitool", "-I", "lanplus", "-H", host_, "-p", port_, "-U", user_, "-f", t_.secret,
              "chassis", "power", verb};
    c.log_fd = t_.output_fd;
    std::string text, err;
    c.capture = &text;
    c.capture_stderr = true;
    c.timeout = t_.timeout;
    int rc = runner_.Run(c, &err);
    if (out) *out = text;
    if (rc == 0) return true;
    std::string said = LastLine(text);
    *why = Name() + ": chassis power " + verb + ": " +
           (rc > 0 && rc != 124 && !said.empty() ? said : DescribeExit(rc, t_.timeout, err));
    return false;
  }
  PowerTarget t_;
  Runner& runner_;
  std::string user_, host_, port_;
};

}  // namespace

std::unique_ptr<Power> OpenIpmiPower(const PowerTarget& t, std::string* why) {
  std::string_view rest = std::string_view(t.spec).substr(7);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  BmcAddress a;
  if (!ParseBmcAddress(rest, "623", "--power ipmi://USER@HOST[:PORT]", &a, why)) return nullptr;
  if (a.user.empty()) return *why = "--power ipmi://USER@HOST[:PORT]: the BMC's user is missing ('" + t.spec + "')", nullptr;
  if (std::string bad = CheckSecretFile(t.secret); !bad.empty()) return *why = bad, nullptr;
  return std::make_unique<IpmiPower>(t, a.user, a.host, a.port);
}

}  // namespace kb
