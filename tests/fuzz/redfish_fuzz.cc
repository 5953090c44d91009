// A Redfish BMC's answers as the power backend reads them (control/redfish.h):
// a ComputerSystem and an error body, untrusted bytes from the network.
#include <cstddef>
#include <cstdint>
#include <string>

#include "control/redfish.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  kb::RedfishSystem s;
  std::string why;
  if (kb::ParseRedfishSystem(text, &s, &why)) {
    if (s.power_state.size() > 300 || s.reset_types.size() > 32) __builtin_trap();
    for (const std::string& t : s.reset_types)
      if (t.size() > 300 || t.find('\n') != std::string::npos) __builtin_trap();
    for (const char* verb : {"on", "off", "cycle"}) {
      std::string type = kb::RedfishResetType(verb, s.reset_types);
      if (!type.empty() && type != "On" && type != "ForceOff" && type != "PowerCycle" && type != "ForceRestart")
        __builtin_trap();
    }
  } else if (why.empty()) {
    __builtin_trap();
  }
  std::string m = kb::RedfishErrorMessage(text);
  if (m.size() > 300) __builtin_trap();
  for (char c : m)
    if (static_cast<unsigned char>(c) < 0x20) __builtin_trap();
  return 0;
}
