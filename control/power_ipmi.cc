// --power ipmi://USER@HOST[:PORT][?cipher=N]: a BMC (Dell iDRAC, HPE iLO,
// Supermicro, an OpenIPMI simulator) over IPMI's LAN+ interface, through
// Debian's ipmitool: `chassis power on|off|cycle|status`. The password is read
// by ipmitool from the --power-secret file (-f), never put on a command line.
#include <string_view>

#include "control/ipmi.h"
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
  IpmiPower(const PowerTarget& t, IpmiBmc bmc)
      : t_(t), runner_(t.runner ? *t.runner : SystemRunner()), bmc_(std::move(bmc)) {}
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
  std::string Name() const override { return IpmiName(bmc_); }

 private:
  // `ipmitool ... chassis power VERB`; its output in *out.
  bool Chassis(const char* verb, std::string* out, std::string* why) {
    Command c;
    c.argv = IpmitoolArgv(bmc_);
    for (const char* word : {"chassis", "power", verb}) c.argv.push_back(word);
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
  IpmiBmc bmc_;
};

}  // namespace

bool ParseIpmiBmc(const std::string& spec, const std::string& secret, IpmiBmc* out, std::string* why) {
  const std::string form = "--power ipmi://USER@HOST[:PORT][?cipher=N]";
  if (spec.rfind("ipmi://", 0) != 0) return *why = form + ": not '" + spec + "'", false;
  std::string_view rest = std::string_view(spec).substr(7);
  IpmiBmc b;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (query.rfind("cipher=", 0) != 0 || query.size() < 8 || query.size() > 9 ||
        query.substr(7).find_first_not_of("0123456789") != std::string_view::npos)
      return *why = form + ": the query is ?cipher=N (ipmitool -C N), not '?" + std::string(query) + "'", false;
    b.cipher = std::string(query.substr(7));
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  BmcAddress a;
  if (!ParseBmcAddress(rest, "623", form, &a, why)) return false;
  if (a.user.empty()) return *why = form + ": the BMC's user is missing ('" + spec + "')", false;
  if (a.user.size() > 16) return *why = form + ": bad user '" + a.user + "' (IPMI's are at most 16 bytes)", false;
  if (std::string bad = CheckSecretFile(secret); !bad.empty()) return *why = bad, false;
  b.user = a.user;
  b.host = a.host;
  b.port = a.port;
  b.secret = secret;
  *out = b;
  return true;
}

std::vector<std::string> IpmitoolArgv(const IpmiBmc& b) {
  // -N 2 -R 2: a BMC that does not answer is said in 10 s (ipmitool's own
  // default tries for 20 s); one on the lab's network answers in milliseconds.
  std::vector<std::string> argv = {"ipmitool", "-I", "lanplus", "-H", b.host, "-p", b.port, "-U", b.user, "-f", b.secret,
                                   "-N", "2", "-R", "2"};
  if (!b.cipher.empty()) argv.insert(argv.end(), {"-C", b.cipher});
  return argv;
}

std::string IpmiName(const IpmiBmc& b) { return "IPMI " + b.user + "@" + b.host + ":" + b.port; }

std::unique_ptr<Power> OpenIpmiPower(const PowerTarget& t, std::string* why) {
  IpmiBmc b;
  if (!ParseIpmiBmc(t.spec, t.secret, &b, why)) return nullptr;
  return std::make_unique<IpmiPower>(t, b);
}

}  // namespace kb
