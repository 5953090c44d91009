#include "common/dhcp.h"

#include <gtest/gtest.h>

#include <vector>

namespace kb {
namespace {

const uint8_t kMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
constexpr uint32_t kXid = 0x1234abcd;

// A server's reply with the given options (after the cookie, before the end).
std::vector<uint8_t> Reply(std::vector<uint8_t> options, uint32_t yiaddr = 0x0a00020f, bool end = true) {
  std::vector<uint8_t> p(236, 0);
  p[0] = 2;
  p[1] = 1;
  p[2] = 6;
  p[4] = kXid >> 24, p[5] = kXid >> 16 & 255, p[6] = kXid >> 8 & 255, p[7] = kXid & 255;
  p[16] = yiaddr >> 24, p[17] = yiaddr >> 16 & 255, p[18] = yiaddr >> 8 & 255, p[19] = yiaddr & 255;
  for (int i = 0; i < 6; ++i) p[28 + i] = kMac[i];
  for (uint8_t b : {99, 130, 83, 99}) p.push_back(b);
  for (uint8_t b : options) p.push_back(b);
  if (end) p.push_back(255);
  return p;
}

const std::vector<uint8_t> kOffer = {53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2,
                                     6, 8, 10, 0, 2, 3, 8, 8, 8, 8, 51, 4, 0, 0, 0x0e, 0x10,
                                     12, 5, 'l', 'a', 'b', '-', '1'};

TEST(Dhcp, BuildsDiscoverAndRequest) {
  std::array<uint8_t, kDhcpPacketSize> p;
  BuildDhcpPacket(kDhcpDiscover, kMac, kXid, 3, 0, 0, p);
  EXPECT_EQ(p[0], 1);
  EXPECT_EQ(p[10], 0x80) << "broadcast flag";
  EXPECT_EQ(p[28], 0x52);
  EXPECT_EQ(p[236], 99);
  EXPECT_EQ(p[240], 53);
  EXPECT_EQ(p[242], kDhcpDiscover);
  BuildDhcpPacket(kDhcpRequest, kMac, kXid, 3, 0x0a00020f, 0x0a000202, p);
  EXPECT_EQ(p[242], kDhcpRequest);
  EXPECT_EQ(p[243], 50);
  EXPECT_EQ(p[249], 54);
  EXPECT_EQ(p[254], 2);
}

TEST(Dhcp, ParsesAnOffer) {
  std::vector<uint8_t> p = Reply(kOffer);
  DhcpLease l;
  ASSERT_EQ(ParseDhcpReply(p, kMac, kXid, &l), nullptr);
  EXPECT_EQ(l.type, kDhcpOffer);
  EXPECT_EQ(l.address, 0x0a00020fu);
  EXPECT_EQ(l.server_id, 0x0a000202u);
  EXPECT_EQ(l.netmask, 0xffffff00u);
  EXPECT_EQ(l.router, 0x0a000202u);
  EXPECT_EQ(l.dns[0], 0x0a000203u);
  EXPECT_EQ(l.dns[1], 0x08080808u);
  EXPECT_EQ(l.lease_seconds, 3600u);
  EXPECT_STREQ(l.host_name, "lab-1");
}

TEST(Dhcp, DropsABadHostName) {
  std::vector<uint8_t> o = {53, 1, 5, 54, 4, 10, 0, 2, 2, 12, 4, 'a', '/', 'b', 0};
  DhcpLease l;
  ASSERT_EQ(ParseDhcpReply(Reply(o), kMac, kXid, &l), nullptr);
  EXPECT_STREQ(l.host_name, "");
}

TEST(Dhcp, RejectsBadReplies) {
  DhcpLease l;
  std::vector<uint8_t> ok = Reply(kOffer);
  auto with = [&](size_t i, uint8_t v) {
    std::vector<uint8_t> p = ok;
    p[i] = v;
    return p;
  };
  uint8_t other_mac[6] = {1, 2, 3, 4, 5, 6};
  const std::pair<std::vector<uint8_t>, std::string> kCases[] = {
      {std::vector<uint8_t>(100, 0), "shorter"},
      {with(0, 1), "op"},
      {with(1, 6), "Ethernet"},
      {with(7, 0), "another transaction"},
      {with(236, 0), "magic cookie"},
      {Reply(kOffer, 0x0a00020f, false), "no end"},
      {Reply({53, 1, 2, 54}), "runs past"},
      {Reply({53, 2, 2, 2, 54, 4, 1, 2, 3, 4}), "message type has a bad length"},
      {Reply({54, 4, 10, 0, 2, 2}), "not an OFFER"},
      {Reply({53, 1, 1, 54, 4, 10, 0, 2, 2}), "not an OFFER"},
      {Reply({53, 1, 2, 54, 4, 10, 0, 2, 2}, 0), "offers no address"},
      {Reply({53, 1, 2}), "no server id"},
      {Reply({53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 4, 255, 0, 255, 0}), "not contiguous"},
      {Reply({53, 1, 2, 54, 4, 10, 0, 2, 2, 3, 3, 1, 2, 3}), "router option"},
      {Reply({53, 1, 2, 54, 4, 10, 0, 2, 2, 51, 2, 1, 2}), "lease time"},
  };
  for (const auto& [p, part] : kCases) {
    Error e = ParseDhcpReply(p, kMac, kXid, &l);
    ASSERT_NE(e, nullptr) << part;
    EXPECT_NE(std::string(e).find(part), std::string::npos) << part << ": " << e;
  }
  Error e = ParseDhcpReply(ok, other_mac, kXid, &l);
  ASSERT_NE(e, nullptr);
  EXPECT_NE(std::string(e).find("another hardware address"), std::string::npos);
  std::vector<uint8_t> nak = Reply({53, 1, 6, 54, 4, 10, 0, 2, 2}, 0);
  ASSERT_EQ(ParseDhcpReply(nak, kMac, kXid, &l), nullptr);
  EXPECT_EQ(l.type, kDhcpNak);
}

}  // namespace
}  // namespace kb
