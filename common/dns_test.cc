#include "common/dns.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

namespace kb {
namespace {

std::vector<uint8_t> Name(std::initializer_list<const char*> labels) {
  std::vector<uint8_t> v;
  for (const char* l : labels) {
    v.push_back(uint8_t(strlen(l)));
    for (const char* c = l; *c; ++c) v.push_back(uint8_t(*c));
  }
  v.push_back(0);
  return v;
}

// An answer to id 0x1234 for kernels.lab with the given records after the question.
std::vector<uint8_t> Answer(uint16_t count, std::vector<uint8_t> records, uint8_t rcode = 0, uint8_t flags = 0x81) {
  std::vector<uint8_t> p = {0x12, 0x34, flags, uint8_t(0x80 | rcode), 0, 1, 0, uint8_t(count), 0, 0, 0, 0};
  for (uint8_t b : Name({"kernels", "lab"})) p.push_back(b);
  for (uint8_t b : {0, 1, 0, 1}) p.push_back(b);
  for (uint8_t b : records) p.push_back(b);
  return p;
}

// A record for the question's name (a pointer to offset 12), type, data.
std::vector<uint8_t> Rec(uint16_t type, std::vector<uint8_t> data, std::vector<uint8_t> name = {0xc0, 12}) {
  std::vector<uint8_t> r = name;
  for (uint8_t b : {uint8_t(0), uint8_t(type), uint8_t(0), uint8_t(1), uint8_t(0), uint8_t(0), uint8_t(0), uint8_t(60),
                    uint8_t(0), uint8_t(data.size())})
    r.push_back(b);
  for (uint8_t b : data) r.push_back(b);
  return r;
}

TEST(Dns, BuildsAQuery) {
  std::array<uint8_t, kDnsMaxPacket> q;
  size_t len;
  ASSERT_EQ(BuildDnsQuery("kernels.lab", 0x1234, q, &len), nullptr);
  std::vector<uint8_t> want = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  for (uint8_t b : Name({"kernels", "lab"})) want.push_back(b);
  for (uint8_t b : {0, 1, 0, 1}) want.push_back(b);
  EXPECT_EQ(std::vector<uint8_t>(q.begin(), q.begin() + long(len)), want);
  EXPECT_NE(BuildDnsQuery("bad_name", 1, q, &len), nullptr);
  EXPECT_NE(BuildDnsQuery("a..b", 1, q, &len), nullptr);
  EXPECT_NE(BuildDnsQuery(std::string(64, 'a') + ".lab", 1, q, &len), nullptr);
}

TEST(Dns, ReadsAnARecordDirectlyOrThroughCnames) {
  uint32_t a = 0;
  ASSERT_EQ(ParseDnsAnswer(Answer(1, Rec(1, {10, 0, 2, 2})), "Kernels.LAB", 0x1234, &a), nullptr);
  EXPECT_EQ(a, 0x0a000202u);
  std::vector<uint8_t> recs = Rec(5, Name({"real", "lab"}));
  for (uint8_t b : Rec(1, {192, 0, 2, 7}, Name({"real", "lab"}))) recs.push_back(b);
  ASSERT_EQ(ParseDnsAnswer(Answer(2, recs), "kernels.lab", 0x1234, &a), nullptr);
  EXPECT_EQ(a, 0xc0000207u);
}

TEST(Dns, RejectsBadAnswers) {
  uint32_t a;
  auto err = [&](std::vector<uint8_t> p, uint16_t id = 0x1234) {
    Error e = ParseDnsAnswer(p, "kernels.lab", id, &a);
    return std::string(e ? e : "(none)");
  };
  // The one fault a caller branches on is a named constant, not a text.
  EXPECT_EQ(ParseDnsAnswer(Answer(1, Rec(1, {10, 0, 2, 2})), "kernels.lab", 0x9999, &a), kDnsOtherQuery);
  EXPECT_NE(err(Answer(1, Rec(1, {10, 0, 2, 2})), 0x9999).find("another query"), std::string::npos);
  EXPECT_NE(err(Answer(0, {}, 3)).find("NXDOMAIN"), std::string::npos);
  EXPECT_NE(err(Answer(0, {}, 2)).find("SERVFAIL"), std::string::npos);
  EXPECT_NE(err(Answer(0, {})).find("no A record"), std::string::npos);
  EXPECT_NE(err(Answer(1, Rec(1, {10, 0, 2}))).find("not 4 bytes"), std::string::npos);
  EXPECT_NE(err(Answer(1, Rec(1, {10, 0, 2, 2}), 0, 0x83)).find("truncated"), std::string::npos);
  EXPECT_NE(err(Answer(1, Rec(1, {10, 0, 2, 2}), 0, 0x01)).find("not an answer"), std::string::npos);
  EXPECT_NE(err({0x12, 0x34, 0x81}).find("shorter"), std::string::npos);
  std::vector<uint8_t> cut = Answer(1, Rec(1, {10, 0, 2, 2}));
  cut.resize(cut.size() - 3);
  EXPECT_NE(err(cut).find("runs past"), std::string::npos);
  // A CNAME that points at itself through compression: no loop forever.
  EXPECT_NE(err(Answer(1, Rec(5, {0xc0, 12}))).find("no A record"), std::string::npos);
  std::vector<uint8_t> loop = Answer(1, Rec(1, {10, 0, 2, 2}, {0xc0, 29}));
  EXPECT_NE(err(loop).find("loop"), std::string::npos);
  std::vector<uint8_t> other = Answer(1, Rec(1, {10, 0, 2, 2}));
  other[13] = 'K' + 1;
  EXPECT_NE(err(other).find("another name"), std::string::npos);
}

}  // namespace
}  // namespace kb
