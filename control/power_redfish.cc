// --power redfish://USER@HOST[:PORT]/redfish/v1/Systems/ID: a BMC over Redfish
// (DMTF DSP0266; iDRAC, iLO, Supermicro and OpenBMC all serve it), through
// libcurl: the system's PowerState for status, its ComputerSystem.Reset action
// for on (On), off (ForceOff) and cycle (PowerCycle where the BMC offers it,
// else ForceRestart). HTTP Basic authentication with the user of the URL and the
// password of --power-secret; https checked against the system's CAs or
// --power-ca FILE (a BMC's own certificate does); redfish+http:// for a lab BMC
// without TLS.
#include <string_view>

#include "control/format.h"
#include "control/http.h"
#include "control/power.h"
#include "control/redfish.h"

namespace kb {

namespace {

class RedfishPower : public Power {
 public:
  RedfishPower(const PowerTarget& t, std::string base, std::string system, std::string user, std::string password)
      : t_(t), base_(std::move(base)), system_(std::move(system)), user_(std::move(user)),
        password_(std::move(password)) {}
  bool Can(PowerVerb) const override { return true; }
  bool On(std::string* why) override { return Reset("on", why); }
  bool Off(std::string* why) override { return Reset("off", why); }
  bool Cycle(std::string* why) override { return Reset("cycle", why); }
  bool Status(PowerState* state, std::string* why) override {
    RedfishSystem s;
    if (!Get(&s, why)) return false;
    if (s.power_state == "On" || s.power_state == "PoweringOn") return *state = PowerState::kOn, true;
    if (s.power_state == "Off" || s.power_state == "PoweringOff") return *state = PowerState::kOff, true;
    return *why = Name() + ": its PowerState is '" + s.power_state + "', neither On nor Off", false;
  }
  std::string Name() const override { return "Redfish " + user_ + "@" + base_ + system_; }

 private:
  HttpAnswer Do(const std::string& method, const std::string& path, const std::string& body) {
    HttpRequest r;
    r.method = method;
    r.url = base_ + path;
    r.body = body;
    r.content_type = "application/json";
    r.headers = {"Accept: application/json", "OData-Version: 4.0"};
    r.user = user_;
    r.password = password_;
    r.ca_file = t_.ca;
    r.timeout = t_.timeout;
    return HttpDo(r);
  }
  // An answer's failure as a message: "" when it is a 2xx.
  std::string Failure(const HttpAnswer& a, const std::string& what) {
    if (a.code == 0) return Name() + ": " + what + ": cannot reach it: " + a.why;
    if (a.code >= 200 && a.code <= 299) return "";
    std::string said = RedfishErrorMessage(a.body);
    if (a.code == 401) said = "wrong user or password" + (said.empty() ? "" : " (" + said + ")");
    if (said.empty()) said = ReasonLine(a.body);
    return Name() + ": " + what + ": the BMC answered " + std::to_string(a.code) + (said.empty() ? "" : ": " + said);
  }
  bool Get(RedfishSystem* s, std::string* why) {
    HttpAnswer a = Do("GET", system_, "");
    if (std::string bad = Failure(a, "GET " + system_); !bad.empty()) return *why = bad, false;
    std::string parse_why;
    if (!ParseRedfishSystem(a.body, s, &parse_why)) return *why = Name() + ": GET " + system_ + ": " + parse_why, false;
    return true;
  }
  bool Reset(const std::string& verb, std::string* why) {
    RedfishSystem s;
    if (!Get(&s, why)) return false;
    // The action's target is the BMC's to say; the schema's path when it does not.
    std::string target = s.reset_target.empty() ? system_ + "/Actions/ComputerSystem.Reset" : s.reset_target;
    if (target.rfind("/redfish/", 0) != 0)
      return *why = Name() + ": its Reset action's target '" + target + "' is not a path under /redfish/", false;
    std::string type = RedfishResetType(verb, s.reset_types);
    if (type.empty()) {
      std::string offered;
      for (const std::string& v : s.reset_types) offered += (offered.empty() ? "" : ", ") + v;
      return *why = Name() + ": cannot " + verb + ": the BMC offers only " + offered, false;
    }
    HttpAnswer a = Do("POST", target, "{\"ResetType\": \"" + type + "\"}");
    if (std::string bad = Failure(a, "Reset " + type); !bad.empty()) return *why = bad, false;
    return true;
  }
  PowerTarget t_;
  std::string base_, system_, user_, password_;
};

}  // namespace

std::unique_ptr<Power> OpenRedfishPower(const PowerTarget& t, std::string* why) {
  const std::string form = "--power redfish://USER@HOST[:PORT]/redfish/v1/Systems/ID";
  bool tls = t.spec.rfind("redfish://", 0) == 0;
  std::string_view rest = std::string_view(t.spec).substr(tls ? 10 : 15);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return *why = form + ": the system's path is missing ('" + t.spec + "')", nullptr;
  std::string path(rest.substr(slash));
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string systems = "/redfish/v1/Systems/";
  if (path.rfind(systems, 0) != 0 || path.size() == systems.size() ||
      path.find_first_of("?#% \t\r\n\\\"", 0) != std::string::npos || path.find("..") != std::string::npos)
    return *why = form + ": the path '" + path + "' is not /redfish/v1/Systems/ID", nullptr;
  BmcAddress a;
  if (!ParseBmcAddress(rest.substr(0, slash), tls ? "443" : "80", form, &a, why)) return nullptr;
  if (a.user.empty()) return *why = form + ": the BMC's user is missing ('" + t.spec + "')", nullptr;
  std::string password;
  if (!ReadSecret(t.secret, &password, why)) return nullptr;
  std::string host = a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host;
  std::string base = std::string(tls ? "https://" : "http://") + host + ":" + a.port;
  return std::make_unique<RedfishPower>(t, base, path, a.user, password);
}

}  // namespace kb
