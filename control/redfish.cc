#include "control/redfish.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "control/format.h"

namespace kb {

namespace {

using Json = nlohmann::json;

// j[key] when j is an object holding a string there, else "".
std::string Text(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

bool ParseRedfishSystem(const std::string& json, RedfishSystem* out, std::string* why) {
  Json j = Json::parse(json, nullptr, false);
  if (j.is_discarded()) return *why = "its answer is not JSON", false;
  if (!j.is_object()) return *why = "its answer is not a JSON object", false;
  *out = RedfishSystem{};
  out->power_state = ReasonLine(Text(j, "PowerState"));
  auto actions = j.find("Actions");
  if (actions != j.end() && actions->is_object()) {
    auto reset = actions->find("#ComputerSystem.Reset");
    if (reset != actions->end() && reset->is_object()) {
      out->reset_target = Text(*reset, "target");
      auto allowed = reset->find("ResetType@Redfish.AllowableValues");
      if (allowed != reset->end() && allowed->is_array())
        for (const Json& v : *allowed)
          if (v.is_string() && out->reset_types.size() < 32) out->reset_types.push_back(ReasonLine(v.get<std::string>()));
    }
  }
  return true;
}

std::string RedfishErrorMessage(const std::string& json) {
  Json j = Json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "";
  auto error = j.find("error");
  if (error == j.end() || !error->is_object()) return "";
  auto info = error->find("@Message.ExtendedInfo");
  if (info != error->end() && info->is_array() && !info->empty()) {
    std::string m = Text(info->front(), "Message");
    if (!m.empty()) return ReasonLine(m);
  }
  return ReasonLine(Text(*error, "message"));
}

std::string RedfishResetType(const std::string& verb, const std::vector<std::string>& allowed) {
  auto offered = [&](const char* t) {
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), t) != allowed.end();
  };
  auto listed = [&](const char* t) { return std::find(allowed.begin(), allowed.end(), t) != allowed.end(); };
  if (verb == "on") return offered("On") ? "On" : "";
  if (verb == "off") return offered("ForceOff") ? "ForceOff" : "";
  if (verb == "cycle") {
    if (listed("PowerCycle")) return "PowerCycle";
    return offered("ForceRestart") ? "ForceRestart" : "";
  }
  return "";
}

}  // namespace kb
