#include "common/url.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kb {
namespace {

TEST(Url, ParsesBaseUrls) {
  struct Case {
    std::string in;
    bool tls;
    std::string host;
    int port;
    std::string path;
  };
  const Case kCases[] = {
      {"http://10.0.2.2:8080/kbisect", false, "10.0.2.2", 8080, "/kbisect"},
      {"http://kernels.lab/kbisect/", false, "kernels.lab", 80, "/kbisect"},
      {"https://kernels.lab", true, "kernels.lab", 443, ""},
      {"https://kernels.lab:8443/a/b", true, "kernels.lab", 8443, "/a/b"},
      {"http://h:65535/", false, "h", 65535, ""},
  };
  for (const Case& c : kCases) {
    Url u;
    ASSERT_EQ(ParseUrl(c.in, &u), nullptr) << c.in;
    EXPECT_EQ(u.tls, c.tls) << c.in;
    EXPECT_EQ(u.host, c.host) << c.in;
    EXPECT_EQ(u.port, c.port) << c.in;
    EXPECT_EQ(u.path, c.path) << c.in;
  }
}

TEST(Url, RejectsBadUrlsWithAReason) {
  const std::pair<std::string, std::string> kCases[] = {
      {"", "http:// or https://"},
      {"ftp://h/x", "http:// or https://"},
      {"HTTP://h/", "http:// or https://"},
      {"http://", "no host"},
      {"http://:80/", "no host"},
      {"http://[::1]:80/", "IPv6"},
      {"http://user@h/", "user info"},
      {"http://h/a?x=1", "query"},
      {"http://h/#f", "query or fragment"},
      {"http://h:0/", "port"},
      {"http://h:65536/", "port"},
      {"http://h:80x/", "port"},
      {"http://h:/", "port"},
      {"http://h/a b", "space"},
      {std::string("http://h/\0", 10), "control"},
      {"http://h/a\x01", "control"},
      {"http://h_x/", "host has"},
      {"http://-h/", "starts or ends"},
      {"http://h/../etc", "'..' segment"},
      {"http://h/a/./b", "'.' or '..'"},
      {"http://h/\xc3\xa9", "may not have"},
      {"http://" + std::string(254, 'a') + "/", "longer than 253"},
  };
  for (const auto& [in, part] : kCases) {
    Url u;
    Error e = ParseUrl(in, &u);
    ASSERT_NE(e, nullptr) << in;
    EXPECT_NE(std::string(e).find(part), std::string::npos) << in << ": " << e;
  }
}

std::string Decode(std::string_view s, bool form, Error* err) {
  std::vector<char> buf(s.size() + 1);
  size_t n = 0;
  *err = PercentDecode(s, form, buf, &n);
  return *err ? std::string() : std::string(buf.data(), n);
}

TEST(PercentDecode, DecodesEscapesAndPlus) {
  Error e;
  EXPECT_EQ(Decode("a%2Fb%2fc", false, &e), "a/b/c");
  EXPECT_EQ(Decode("a+b%20c", true, &e), "a b c");
  EXPECT_EQ(Decode("a+b", false, &e), "a+b");
  EXPECT_EQ(Decode("", true, &e), "");
  EXPECT_EQ(Decode("%c3%a9", true, &e), "\xc3\xa9");
}

TEST(PercentDecode, RejectsBadEscapesAndControlBytes) {
  const std::pair<std::string, std::string> kCases[] = {
      {"%", "two hex"},     {"%4", "two hex"},    {"a%zz", "two hex"}, {"%%41", "two hex"},
      {"%00", "NUL"},       {"a%0ab", "control"}, {"a\nb", "control"}, {"%7f", "control"},
      {"%1F", "control"},   {"%g0", "two hex"},
  };
  for (const auto& [in, part] : kCases) {
    Error e;
    Decode(in, true, &e);
    ASSERT_NE(e, nullptr) << in;
    EXPECT_NE(std::string(e).find(part), std::string::npos) << in << ": " << e;
  }
}

TEST(PercentDecode, RefusesASmallBuffer) {
  char buf[2];
  size_t n;
  EXPECT_NE(PercentDecode("abc", false, buf, &n), nullptr);
}

struct Parsed {
  Error err;
  std::string where;
  std::vector<QueryParam> params;
  std::vector<char> buf;
};

Parsed Query(std::string_view q) {
  Parsed p;
  p.params = {{"machine"}, {"arch"}, {"format"}, {"once"}};
  p.buf.resize(q.size());
  std::string_view where;
  p.err = ParseQuery(q, p.params, p.buf, &where);
  p.where = where;
  return p;
}

TEST(ParseQuery, DecodesKnownParameters) {
  Parsed p = Query("machine=lab%2D1&arch=x86_64&&once");
  ASSERT_EQ(p.err, nullptr) << p.err;
  EXPECT_TRUE(p.params[0].present);
  EXPECT_EQ(p.params[0].value, "lab-1");
  EXPECT_EQ(p.params[1].value, "x86_64");
  EXPECT_FALSE(p.params[2].present);
  EXPECT_TRUE(p.params[3].present);
  EXPECT_EQ(p.params[3].value, "");
  EXPECT_EQ(Query("").err, nullptr);
  EXPECT_EQ(Query("machine=a+b").params[0].value, "a b");
}

TEST(ParseQuery, RejectsBadQueriesNamingThePart) {
  struct Case {
    std::string in, part, where;
  };
  const Case kCases[] = {
      {"machnie=x", "unknown parameter", "machnie"},
      {"machine=a&machine=b", "more than once", "machine"},
      {"machine=a%zz", "two hex", "machine"},
      {"machine=a%00", "NUL", "machine"},
      {"machine=%0a", "control", "machine"},
      {"mach%ine=x", "two hex", "mach%ine"},
      {"machine=" + std::string(kMaxQuery, 'a'), "longer than 4 KiB", ""},
  };
  for (const Case& c : kCases) {
    Parsed p = Query(c.in);
    ASSERT_NE(p.err, nullptr) << c.in;
    EXPECT_NE(std::string(p.err).find(c.part), std::string::npos) << c.in << ": " << p.err;
    EXPECT_EQ(p.where, c.where) << c.in;
  }
}

}  // namespace
}  // namespace kb
