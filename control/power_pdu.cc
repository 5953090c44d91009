// --power pdu://HOST[:PORT]/PDU/PORT: an outlet of a PDU through pdudaemon's HTTP
// listener (LAVA's and labgrid's PDU daemon; its per-PDU queue serialises the
// requests of every client to a slow PDU): GET /power/control/on|off|reboot
// ?hostname=PDU&port=PORT. pdudaemon answers 200 once its driver has acted (a
// reboot is off, its delay, on) and 500 to a PDU or port it does not know; it
// cannot tell the outlet's state (no status) and does not see a driver's failure:
// a machine that did not come up shows as no boot report, a lab fault too.
#include <string_view>

#include "control/format.h"
#include "common/names.h"
#include "control/http.h"
#include "control/power.h"

namespace kb {

namespace {

class PduPower : public Power {
 public:
  PduPower(const PowerTarget& t, std::string base, std::string pdu, std::string port)
      : t_(t), base_(std::move(base)), pdu_(std::move(pdu)), port_(std::move(port)) {}
  bool Can(PowerVerb v) const override { return v != PowerVerb::kStatus; }
  bool On(std::string* why) override { return Request("on", why); }
  bool Off(std::string* why) override { return Request("off", why); }
  bool Cycle(std::string* why) override { return Request("reboot", why); }
  bool Status(PowerState*, std::string* why) override {
    return *why = Name() + ": pdudaemon cannot tell an outlet's state", false;
  }
  std::string Name() const override { return "PDU " + pdu_ + " port " + port_ + " (pdudaemon " + base_ + ")"; }

 private:
  bool Request(const char* verb, std::string* why) {
    HttpRequest r;
    r.url = base_ + "/power/control/" + verb + "?hostname=" + UrlEncode(pdu_) + "&port=" + UrlEncode(port_);
    r.timeout = t_.timeout;
    HttpAnswer a = HttpDo(r);
    if (a.code == 0) return *why = Name() + ": " + verb + ": cannot reach it: " + a.why, false;
    if (a.code >= 200 && a.code <= 299) return true;
    std::string said = ReasonLine(a.body);
    if (said == "Invalid request") said += " (is PDU " + pdu_ + " with port " + port_ + " in pdudaemon's configuration?)";
    return *why = Name() + ": " + verb + ": pdudaemon answered " + std::to_string(a.code) + ": " + said, false;
  }
  PowerTarget t_;
  std::string base_, pdu_, port_;
};

}  // namespace

std::unique_ptr<Power> OpenPduPower(const PowerTarget& t, std::string* why) {
  const std::string form = "--power pdu://HOST[:PORT]/PDU/PORT";
  std::string_view rest = std::string_view(t.spec).substr(6);
  size_t slash = rest.find('/');
  size_t second = slash == std::string_view::npos ? slash : rest.find('/', slash + 1);
  if (second == std::string_view::npos)
    return *why = form + ": the PDU and its port are missing ('" + t.spec + "')", nullptr;
  std::string pdu(rest.substr(slash + 1, second - slash - 1)), port(rest.substr(second + 1));
  if (CheckMachineName(pdu)) return *why = form + ": bad PDU name '" + pdu + "'", nullptr;
  if (port.empty() || port.size() > 4 || port.find_first_not_of("0123456789") != std::string::npos)
    return *why = form + ": the port is an outlet's number, not '" + port + "'", nullptr;
  BmcAddress a;
  if (!ParseBmcAddress(rest.substr(0, slash), "16421", form, &a, why)) return nullptr;
  if (!a.user.empty()) return *why = form + ": pdudaemon takes no user ('" + a.user + "@')", nullptr;
  std::string host = a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host;
  return std::make_unique<PduPower>(t, "http://" + host + ":" + a.port, pdu, port);
}

}  // namespace kb
