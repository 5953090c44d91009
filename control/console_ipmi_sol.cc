// --console ipmi-sol: the machine's serial port through its BMC's
// Serial-over-LAN, the BMC of --power ipmi://... with its --power-secret:
// `ipmitool ... sol activate`, captured like any stream (console_stream.cc),
// started again when the session ends. A session left active by another client
// (a killed ipmitool, a colleague's) is deactivated first: a BMC has one SOL
// session, and "SOL payload already active" would otherwise keep kbisect blind.
// ipmitool's stdin is held open and nothing is sent: at EOF it would end the
// session, and a byte would be typed on the machine's console.
#include "control/console.h"
#include "control/console_stream.h"
#include "control/ipmi.h"
#include "lib/run.h"

namespace kb {

namespace {

class SolSource : public StreamSource {
 public:
  explicit SolSource(IpmiBmc bmc) : bmc_(std::move(bmc)) {}
  int Open(std::string* why) override {
    // The stale session, if any (ipmitool says so and exits 1 when there is none).
    Command d;
    d.argv = IpmitoolArgv(bmc_);
    d.argv.insert(d.argv.end(), {"sol", "deactivate"});
    d.timeout = 30;
    std::string err;
    RunProcess(d, &err);
    // Unbuffered: ipmitool's stdout on a pipe would otherwise hold the machine's
    // lines back until a buffer fills.
    Command c;
    c.argv = IpmitoolArgv(bmc_);
    c.argv.insert(c.argv.begin(), {"stdbuf", "-o0"});
    c.argv.insert(c.argv.end(), {"sol", "activate"});
    c.capture_stderr = true;
    c.stdin_open = true;
    if (!p_.Start(c, why)) return *why = IpmiName(bmc_) + ": sol activate: " + *why, -1;
    return p_.out();
  }
  void Close() override { p_.End(); }
  // ipmitool's refusals, on its stderr, come before any of the machine's bytes.
  std::string Refusal(std::string_view first) override {
    for (std::string_view said : {"SOL payload already active", "Unable to establish IPMI", "Error:"})
      if (size_t at = first.find(said); at != std::string_view::npos) {
        std::string_view line = first.substr(at);
        return IpmiName(bmc_) + ": sol activate: " + std::string(line.substr(0, std::min(line.find_first_of("\r\n"), size_t(200))));
      }
    return "";
  }

 private:
  IpmiBmc bmc_;
  Process p_;
};

}  // namespace

std::unique_ptr<Console> OpenIpmiSolConsole(const ConsoleTarget& t, std::string* why) {
  if (t.spec != "ipmi-sol") return *why = "--console ipmi-sol takes nothing more: not '" + t.spec + "'", nullptr;
  if (t.power.rfind("ipmi://", 0) != 0)
    return *why = "--console ipmi-sol is the console of --power ipmi://USER@HOST's BMC (--power is '" + t.power + "')",
           nullptr;
  IpmiBmc b;
  if (!ParseIpmiBmc(t.power, t.secret, &b, why)) return nullptr;
  if (t.capture.empty()) return *why = "--console ipmi-sol: no file to capture it in", nullptr;
  return StartStreamConsole(std::make_unique<SolSource>(b), "ipmi-sol (" + IpmiName(b) + ")", t.capture, t.start, why);
}

}  // namespace kb
