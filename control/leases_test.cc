#include "control/leases.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "control/test_http_server.h"

namespace kb {
namespace {

const std::string kToken = "0123456789abcdef0123456789abcdef";

// The requests' first lines, "METHOD PATH".
std::vector<std::string> Lines(const std::vector<std::string>& requests) {
  std::vector<std::string> out;
  for (const std::string& r : requests) out.push_back(r.substr(0, r.find(" HTTP/1.1")));
  return out;
}

TEST(PoolLeases, TakenRenewedAtAThirdAndReleasedAtTheEnd) {
  OneShot http(Answer(200, kToken + "\n"), 8);
  Server s(http.Url(), 5);
  {
    PoolLeases leases(s, 3);
    std::string why;
    ASSERT_TRUE(leases.Take({"m1", "m2"}, "kbisect run a..b", &why)) << why;
    ASSERT_TRUE(s.ClearOnce("m2", &why)) << why;  // the run's own requests carry the token
    // One renewal of each at 1 s (a third of 3 s); the next would be at 2 s.
    for (int i = 0; i < 200 && http.Requests().size() < 5; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string why;
  ASSERT_TRUE(s.ClearOnce("m1", &why)) << why;  // released: no token any more
  const std::string q = "/kbisect/lease?machine=";
  EXPECT_EQ(Lines(http.Requests()),
            (std::vector<std::string>{"POST " + q + "m1", "POST " + q + "m2",
                                      "DELETE /kbisect/default?machine=m2&once=1&lease=" + kToken, "PUT " + q + "m1&lease=" + kToken + "&seconds=3",
                                      "PUT " + q + "m2&lease=" + kToken + "&seconds=3", "DELETE " + q + "m1&lease=" + kToken,
                                      "DELETE " + q + "m2&lease=" + kToken, "DELETE /kbisect/default?machine=m1&once=1"}));
  EXPECT_NE(http.Requests()[0].find("\r\n\r\nowner=" + LeaseOwner() + "\npurpose=kbisect run a..b\nseconds=3\n"),
            std::string::npos);
}

TEST(PoolLeases, ARefusalNamesTheHolderAndReleasesWhatWasTaken) {
  OneShot refused(Answer(409, "machine m1 is leased by bob@ws until 12:00\n"));
  Server s(refused.Url(), 5);
  std::string why;
  {
    PoolLeases leases(s, 60);
    EXPECT_FALSE(leases.Take({"m1"}, "x", &why));
  }
  EXPECT_NE(why.find("machine m1 is leased by bob@ws"), std::string::npos) << why;
  EXPECT_EQ(refused.Requests().size(), 1u) << "nothing to release";
}

TEST(PoolLeases, TheOwnerIsUserAtHostWithinSixtyFourCharacters) {
  const std::string owner = LeaseOwner();
  EXPECT_LE(owner.size(), 64u);
  EXPECT_FALSE(owner.empty());
}

}  // namespace
}  // namespace kb
