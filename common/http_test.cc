#include "common/http.h"

#include <gtest/gtest.h>

#include <string>

namespace kb {
namespace {

struct Parsed {
  Error err = nullptr;
  std::string body;
  int status = 0;
  bool done = false;
};

bool Collect(void* ctx, const char* d, size_t n) {
  static_cast<std::string*>(ctx)->append(d, n);
  return true;
}

// Feeds `in` in pieces of `step` bytes, then ends the connection when `eof`.
Parsed Parse(const std::string& in, size_t step = 1 << 20, bool eof = true) {
  Parsed p;
  HttpResponse r(Collect, &p.body);
  for (size_t i = 0; i < in.size() && !p.err; i += step) p.err = r.Feed(in.data() + i, std::min(step, in.size() - i));
  if (!p.err && eof) p.err = r.Finish();
  p.status = r.status();
  p.done = r.done();
  return p;
}

TEST(HttpResponse, ContentLengthChunkedAndEofDelimited) {
  const std::string kCases[][2] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "hello"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
       "hello world"},
      {"HTTP/1.0 200 OK\r\n\r\nuntil the end", "until the end"},
      {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", "ok"},
      {"HTTP/1.1 204 No Content\nContent-Length: 0\n\n", ""},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Length: 99\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
       "0123456789"},
  };
  for (const auto& c : kCases) {
    for (size_t step : {size_t(1), size_t(3), size_t(1 << 20)}) {
      Parsed p = Parse(c[0], step);
      ASSERT_EQ(p.err, nullptr) << c[0] << " step " << step << ": " << p.err;
      EXPECT_EQ(p.body, c[1]) << c[0];
      EXPECT_TRUE(p.done);
    }
  }
  EXPECT_EQ(Parse("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n").status, 404);
}

TEST(HttpResponse, RejectsMalformedAndTruncatedResponses) {
  const std::pair<std::string, std::string> kCases[] = {
      {"", "before the end of the headers"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", "before the end of the headers"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", "before the end of the body"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "before the last chunk"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", "before the last chunk"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n", "longer than its size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported Transfer-Encoding"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "conflicting"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabc", "after the end"},
      {"HTTP/2 200\r\n\r\n", "status line"},
      {"SSH-2.0-OpenSSH\r\n", "status line"},
      {"HTTP/1.1 2x0 OK\r\n\r\n", "status line"},
      {"HTTP/1.1 200 OK\r\n folded\r\n\r\n", "folded"},
      {"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "without a name"},
      {"HTTP/1.1 200 OK\r\nX: " + std::string(2000, 'a') + "\r\n\r\n", "over 1 KiB"},
      {std::string("HTTP/1.1 200 OK\r\nX\0: 1\r\n\r\n", 25), "NUL"},
  };
  for (const auto& [in, part] : kCases) {
    Parsed p = Parse(in);
    ASSERT_NE(p.err, nullptr) << in;
    EXPECT_NE(std::string(p.err).find(part), std::string::npos) << in << ": " << p.err;
  }
  std::string many = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 800; ++i) many += "X-Header-Number: " + std::to_string(i) + " padding padding padding padding\r\n";
  Parsed p = Parse(many);
  ASSERT_NE(p.err, nullptr);
  EXPECT_NE(std::string(p.err).find("over 32 KiB"), std::string::npos) << p.err;
}

bool Refuse(void*, const char*, size_t) { return false; }

TEST(HttpResponse, TheBodyCallbackCanAbort) {
  HttpResponse r(Refuse, nullptr);
  std::string in = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  Error e = r.Feed(in.data(), in.size());
  ASSERT_NE(e, nullptr);
  EXPECT_STREQ(e, "the body was refused");
  EXPECT_STREQ(r.Feed("x", 1), "the body was refused");
}

TEST(HttpRequest, FormatsHeadersAndRefusesBadFields) {
  char buf[256];
  size_t len = 0;
  ASSERT_EQ(FormatHttpRequest("GET", "10.0.2.2", 8080, false, "/kbisect/list?machine=m1", 0, buf, &len), nullptr);
  EXPECT_EQ(std::string(buf, len),
            "GET /kbisect/list?machine=m1 HTTP/1.1\r\nHost: 10.0.2.2:8080\r\nUser-Agent: kbisect-init\r\n"
            "Connection: close\r\n\r\n");
  ASSERT_EQ(FormatHttpRequest("POST", "k.lab", 443, true, "/b", 12, buf, &len), nullptr);
  EXPECT_NE(std::string(buf, len).find("Host: k.lab\r\n"), std::string::npos);
  EXPECT_NE(std::string(buf, len).find("Content-Length: 12\r\n\r\n"), std::string::npos);
  EXPECT_NE(FormatHttpRequest("GET", "h", 80, false, "/a b", 0, buf, &len), nullptr);
  EXPECT_NE(FormatHttpRequest("GET", "h\r\nX: y", 80, false, "/", 0, buf, &len), nullptr);
  EXPECT_NE(FormatHttpRequest("GET", "h", 80, false, "relative", 0, buf, &len), nullptr);
  char small[16];
  EXPECT_NE(FormatHttpRequest("GET", "h", 80, false, "/", 0, small, &len), nullptr);
}

TEST(HttpRequest, AppendEncoded) {
  char buf[40];
  size_t len = 0;
  ASSERT_TRUE(AppendText("/list?m=", buf, &len));
  ASSERT_TRUE(AppendEncoded("lab-1.a_b~", buf, &len));
  ASSERT_TRUE(AppendEncoded("a/b c&", buf, &len));
  EXPECT_EQ(std::string(buf, len), "/list?m=lab-1.a_b~a%2Fb%20c%26");
  EXPECT_FALSE(AppendText(std::string(40, 'x'), buf, &len));
  EXPECT_EQ(len, 30u) << "a refused append leaves the length as it was";
  char tiny[2];
  len = 0;
  EXPECT_FALSE(AppendEncoded("/", tiny, &len));
}

}  // namespace
}  // namespace kb
