#include "control/redfish.h"

#include <gtest/gtest.h>

namespace kb {
namespace {

// An iDRAC 9's ComputerSystem, cut to what kbisect reads.
const char kIdrac[] = R"({"@odata.id": "/redfish/v1/Systems/System.Embedded.1",
 "PowerState": "Off", "Actions": {"#ComputerSystem.Reset": {
  "target": "/redfish/v1/Systems/System.Embedded.1/Actions/ComputerSystem.Reset",
  "ResetType@Redfish.AllowableValues": ["On", "ForceOff", "ForceRestart", "GracefulRestart",
   "GracefulShutdown", "PushPowerButton", "Nmi", "PowerCycle"]}}})";

TEST(Redfish, ReadsPowerStateTargetAndResetTypes) {
  RedfishSystem s;
  std::string why;
  ASSERT_TRUE(ParseRedfishSystem(kIdrac, &s, &why)) << why;
  EXPECT_EQ(s.power_state, "Off");
  EXPECT_EQ(s.reset_target, "/redfish/v1/Systems/System.Embedded.1/Actions/ComputerSystem.Reset");
  EXPECT_EQ(s.reset_types.size(), 8u);
  EXPECT_EQ(RedfishResetType("cycle", s.reset_types), "PowerCycle");
  EXPECT_EQ(RedfishResetType("on", s.reset_types), "On");
  EXPECT_EQ(RedfishResetType("off", s.reset_types), "ForceOff");
}

TEST(Redfish, CycleIsForceRestartWhereNoPowerCycleIsOffered) {
  EXPECT_EQ(RedfishResetType("cycle", {"On", "ForceOff", "ForceRestart"}), "ForceRestart");
  // A BMC that does not list its values: the schema's common ones.
  EXPECT_EQ(RedfishResetType("cycle", {}), "ForceRestart");
  EXPECT_EQ(RedfishResetType("off", {}), "ForceOff");
  // One that offers neither: nothing, and the backend says what it offers.
  EXPECT_EQ(RedfishResetType("cycle", {"On", "GracefulShutdown"}), "");
  EXPECT_EQ(RedfishResetType("off", {"On", "GracefulShutdown"}), "");
}

TEST(Redfish, ASystemWithoutActionsStillHasItsState) {
  RedfishSystem s;
  std::string why;
  ASSERT_TRUE(ParseRedfishSystem(R"({"PowerState": "PoweringOn", "Actions": []})", &s, &why));
  EXPECT_EQ(s.power_state, "PoweringOn");
  EXPECT_EQ(s.reset_target, "");
  EXPECT_TRUE(s.reset_types.empty());
}

TEST(Redfish, NotJsonOrNotAnObjectIsAnError) {
  RedfishSystem s;
  std::string why;
  EXPECT_FALSE(ParseRedfishSystem("<html>login</html>", &s, &why));
  EXPECT_EQ(why, "its answer is not JSON");
  EXPECT_FALSE(ParseRedfishSystem("[1,2]", &s, &why));
  EXPECT_EQ(why, "its answer is not a JSON object");
}

TEST(Redfish, ControlBytesInValuesAreNeutralised) {
  RedfishSystem s;
  std::string why;
  ASSERT_TRUE(ParseRedfishSystem("{\"PowerState\": \"On\\u001b[2J\"}", &s, &why));
  EXPECT_EQ(s.power_state, "On?[2J");
}

TEST(Redfish, ErrorMessagePrefersTheExtendedInfo) {
  EXPECT_EQ(RedfishErrorMessage(R"({"error": {"code": "Base.1.16.GeneralError", "message": "A general error.",
    "@Message.ExtendedInfo": [{"Message": "The value 'X' for the parameter ResetType is not in the list."}]}})"),
            "The value 'X' for the parameter ResetType is not in the list.");
  EXPECT_EQ(RedfishErrorMessage(R"({"error": {"message": "Unauthorized"}})"), "Unauthorized");
  EXPECT_EQ(RedfishErrorMessage(R"({"error": "x"})"), "");
  EXPECT_EQ(RedfishErrorMessage("not json"), "");
  EXPECT_EQ(RedfishErrorMessage(R"({"error": {"message": ")" + std::string(1000, 'a') + "\"}}").size(), 300u);
}

}  // namespace
}  // namespace kb
