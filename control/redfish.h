// What kbisect reads of a Redfish BMC's answers (DMTF DSP0266, the
// ComputerSystem schema): pure, for the power backend (power_redfish.cc), its
// tests and its fuzz target. The answers are untrusted bytes.
#ifndef KBISECT_CONTROL_REDFISH_H
#define KBISECT_CONTROL_REDFISH_H

#include <string>
#include <vector>

namespace kb {

struct RedfishSystem {
  std::string power_state;             // "On", "Off", "PoweringOn", "PoweringOff", "Paused" ("" : none)
  std::string reset_target;            // Actions/#ComputerSystem.Reset/target ("" : none)
  std::vector<std::string> reset_types;  // its ResetType@Redfish.AllowableValues (empty: not said)
};

// A ComputerSystem resource; false with why when it is not JSON or not an object.
bool ParseRedfishSystem(const std::string& json, RedfishSystem* out, std::string* why);

// The message of a Redfish error answer (error.@Message.ExtendedInfo[0].Message,
// else error.message), one line of at most 300 bytes; "" when it has none.
std::string RedfishErrorMessage(const std::string& json);

// The ResetType for a verb ("on", "off", "cycle") on a system that allows
// `allowed` (empty: the BMC does not say; the schema's common ones are taken):
// On, ForceOff, and for cycle PowerCycle where offered, else ForceRestart.
// "" when the BMC allows none that does it.
std::string RedfishResetType(const std::string& verb, const std::vector<std::string>& allowed);

}  // namespace kb

#endif
