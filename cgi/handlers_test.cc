// The four CGI handlers without Apache: every rule of the HTTP interface
// (doc/design.md) and every status code, on a store and a state in a temporary
// directory. tests/cgi/ checks the same programs behind a real Apache.
#include "cgi/handlers.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/fileio.h"
#include "common/test_temp_dir.h"
#include "store/store.h"

namespace kb {
namespace {

const std::string kA = "6.1.0-main_aaaaaaaaaaaa_20261120_x86_64";
const std::string kB = "6.1.0-main_bbbbbbbbbbbb_20261121_x86_64";
const std::string kC = "6.1.0-topic-x_cccccccccccc_20261122_x86_64";
const std::string kI = "6.1.0-main_dddddddddddd_20261122_i386";

// A store with kA, kB, kC (x86_64) and kI (i386), published by the store module's
// rules, and an empty state.
class Server : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.images = d_.path() + "/images";
    cfg_.state = d_.path() + "/state";
    for (const std::string& n : {kA, kB, kC, kI}) {
      std::string branch = n == kC ? "topic/x" : "main";
      std::string arch = n == kI ? "i386" : "x86_64";
      d_.Write("images/" + n + "/bzImage", "kernel " + n);
      d_.Write("images/" + n + "/image.ini",
               "[image]\nname = " + n + "\ncommit = " + n.substr(n.size() - (n == kI ? 26 : 28), 12) +
                   std::string(28, '0') + "\nbranch = " + branch + "\narch = " + arch +
                   "\nkernelrelease = 6.1.0\nbuilt = 2026-11-22T02:30:31Z\nkernel = bzImage\nkernel_sha256 = " +
                   std::string(64, '0') + "\n");
    }
    mkdir(cfg_.state.c_str(), 0755);
  }
  void TearDown() override {
    for (int fd : fds_) close(fd);
  }

  // A request whose body comes from a pipe, as Apache hands it to a CGI.
  Request Req(const std::string& method, const std::string& query, const std::string& body = "",
              const std::string& type = "") {
    Request r;
    r.method = method;
    r.query = query;
    r.remote_addr = "192.0.2.7";
    r.content_type = type;
    int p[2];
    EXPECT_EQ(pipe(p), 0);
    EXPECT_TRUE(WriteAll(p[1], body));
    close(p[1]);
    fds_.push_back(p[0]);
    r.body_fd = p[0];
    r.content_length = (long long)body.size();
    r.body_left = r.content_length;
    return r;
  }
  std::string State(const std::string& rel) {
    std::string text;
    return ReadSmallFile(cfg_.state + "/machines/" + rel, &text) ? text : "(none)";
  }

  TempDir d_;
  ServerConfig cfg_;
  std::vector<int> fds_;
};

#define EXPECT_ANSWER(resp, code, text)                                        \
  do {                                                                         \
    Response r_ = (resp);                                                      \
    EXPECT_EQ(r_.status, code) << r_.body;                                     \
    EXPECT_NE(r_.body.find(text), std::string::npos) << r_.body << " lacks " << (text); \
  } while (0)

TEST_F(Server, ListIsOnceThenDefaultThenNewestFirstEachOnce) {
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m1"), cfg_), 200, kC + "\n" + kB + "\n" + kA + "\n");
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m1&arch=i386"), cfg_), 200, kI + "\n");
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1", kA), cfg_).status, 200);
  EXPECT_EQ(HandleList(Req("GET", "machine=m1"), cfg_).body, kA + "\n" + kC + "\n" + kB + "\n");
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1&once=1", kB + "\n"), cfg_).status, 200);
  EXPECT_EQ(HandleList(Req("GET", "machine=m1"), cfg_).body, kB + "\n" + kA + "\n" + kC + "\n");
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1&once=1", kA), cfg_).status, 200);
  EXPECT_EQ(HandleList(Req("GET", "machine=m1"), cfg_).body, kA + "\n" + kC + "\n" + kB + "\n")
      << "once and default the same image: listed once";
}

TEST_F(Server, ListRefusesAChoiceItCannotHonour) {
  // A chosen image no longer in the store: an error, never the next kernel.
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1", kA), cfg_).status, 200);
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1&once=1", kB), cfg_).status, 200);
  std::string err;
  ASSERT_TRUE(RemoveImage(cfg_.images, kB, &err)) << err;
  for (const char* f : {"", "&format=tsv", "&format=json"})
    EXPECT_ANSWER(HandleList(Req("GET", std::string("machine=m1") + f), cfg_), 409,
                  "machine m1: its once image " + kB + " is not in the store");
  ASSERT_EQ(HandleDefault(Req("DELETE", "machine=m1&once=1"), cfg_).status, 200);
  EXPECT_EQ(HandleList(Req("GET", "machine=m1"), cfg_).body, kA + "\n" + kC + "\n");
  ASSERT_TRUE(RemoveImage(cfg_.images, kA, &err)) << err;
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m1"), cfg_), 409, "its default image " + kA);
  // A damaged state file: the server's own trouble, said.
  d_.Write("state/machines/m2/default", "garbage\n");
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m2"), cfg_), 500, "does not hold an image name");
  // Other machines are served as usual.
  EXPECT_EQ(HandleList(Req("GET", "machine=m3"), cfg_).body, kC + "\n");
}

TEST_F(Server, ListFormats) {
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1", kB), cfg_).status, 200);
  Response tsv = HandleList(Req("GET", "machine=m1&format=tsv"), cfg_);
  EXPECT_EQ(tsv.content_type, "text/tab-separated-values; charset=utf-8");
  EXPECT_EQ(tsv.body.substr(0, tsv.body.find('\n')),
            kB + "\tbbbbbbbbbbbb" + std::string(28, '0') + "\tmain\tx86_64\t2026-11-22T02:30:31Z\tdefault");
  Response json = HandleList(Req("GET", "machine=m1&format=json"), cfg_);
  EXPECT_EQ(json.content_type, "application/json");
  EXPECT_NE(json.body.find("{\"name\":\"" + kB + "\",\"commit\":\"bbbbbbbbbbbb"), std::string::npos) << json.body;
  EXPECT_NE(json.body.find("\"branch\":\"topic/x\""), std::string::npos);
  EXPECT_NE(json.body.find("\"default\":true"), std::string::npos);
  // An image whose manifest breaks the rules is listed with empty fields.
  d_.Write("images/" + kC + "/image.ini", "[image]\nname = " + kC + "\n");
  tsv = HandleList(Req("GET", "machine=m1&format=tsv"), cfg_);
  EXPECT_NE(tsv.body.find(kC + "\t-\t-\t-\t-\t-\n"), std::string::npos) << tsv.body;
  EXPECT_NE(HandleList(Req("GET", "machine=m1&format=json"), cfg_).body.find("\"commit\":null"), std::string::npos);
}

TEST_F(Server, ListRefusesBadRequests) {
  EXPECT_ANSWER(HandleList(Req("GET", ""), cfg_), 400, "machine");
  EXPECT_ANSWER(HandleList(Req("GET", "machine=../etc"), cfg_), 400, "machine");
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m1&arch=X86"), cfg_), 400, "bad arch");
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m1&format=xml"), cfg_), 400, "bad format: expected text, json or tsv");
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m1&machine=m2"), cfg_), 400, "machine");
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m%zz"), cfg_), 400, "machine");
  Response post = HandleList(Req("POST", "machine=m1"), cfg_);
  EXPECT_EQ(post.status, 405);
  cfg_.images = d_.path() + "/no-store";
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m1"), cfg_), 500, "cannot open the image store");
}

TEST_F(Server, DefaultSetsGetsAndClears) {
  EXPECT_ANSWER(HandleDefault(Req("GET", "machine=m1"), cfg_), 404, "machine m1 has no default");
  EXPECT_ANSWER(HandleDefault(Req("PUT", "machine=m1", kA + "\r\n"), cfg_), 200, "machine m1: default is " + kA);
  EXPECT_EQ(State("m1/default"), kA + "\n");
  EXPECT_ANSWER(HandleDefault(Req("GET", "machine=m1"), cfg_), 200, kA);
  EXPECT_ANSWER(HandleDefault(Req("POST", "machine=m1", "kernel=" + kB + "&once=1",
                                  "application/x-www-form-urlencoded; charset=utf-8"),
                              cfg_),
                200, "machine m1: once is " + kB);
  EXPECT_EQ(State("m1/once"), kB + "\n");
  EXPECT_ANSWER(HandleDefault(Req("POST", "machine=m1&once=1", "kernel=" + kC), cfg_), 200, "once is " + kC);
  EXPECT_ANSWER(HandleDefault(Req("DELETE", "machine=m1&once=1"), cfg_), 200, "once cleared");
  EXPECT_EQ(State("m1/once"), "(none)");
  EXPECT_ANSWER(HandleDefault(Req("DELETE", "machine=m1&once=1"), cfg_), 200, "has no once");
  EXPECT_ANSWER(HandleDefault(Req("DELETE", "machine=new"), cfg_), 200, "machine new has no default");
  struct stat st;
  EXPECT_NE(stat((cfg_.state + "/machines/new").c_str(), &st), 0) << "a DELETE creates no machine";
}

TEST_F(Server, DefaultRefusesBadRequestsAndWritesNothing) {
  struct Case {
    Request req;
    int status;
    std::string text;
  };
  std::string big(kMaxBody + 1, 'x');
  const Case kCases[] = {
      {Req("PUT", "machine=m1", "6.1.0-main_eeeeeeeeeeee_20261122_x86_64"), 404, "no image named"},
      {Req("PUT", "machine=m1", "not an image"), 400, "bad image name"},
      {Req("PUT", "machine=m1", ""), 400, "empty body"},
      {Req("PUT", "machine=m1", big), 413, "longer than"},
      {Req("PUT", "machine=m1&once=2", kA), 400, "bad once"},
      {Req("PUT", "", kA), 400, "machine"},
      {Req("POST", "machine=m1", "kernel=" + kA, "text/plain"), 400, "POST takes a form"},
      {Req("POST", "machine=m1", "once=1"), 400, "missing form field 'kernel'"},
      {Req("POST", "machine=m1", "kernel=" + kA + "&once=x"), 400, "bad once"},
      {Req("PATCH", "machine=m1", kA), 405, ""},
  };
  for (const Case& c : kCases) EXPECT_ANSWER(HandleDefault(c.req, cfg_), c.status, c.text);
  Request short_body = Req("PUT", "machine=m1", kA);
  short_body.content_length += 5;
  EXPECT_ANSWER(HandleDefault(short_body, cfg_), 400, "shorter than its Content-Length");
  Request bad_length = Req("PUT", "machine=m1", kA);
  bad_length.content_length = -1;
  EXPECT_ANSWER(HandleDefault(bad_length, cfg_), 400, "Content-Length is not a number");
  EXPECT_EQ(State("m1/default"), "(none)");
  EXPECT_EQ(State("m1/once"), "(none)");
  EXPECT_EQ(HandleDefault(Req("PATCH", "machine=m1"), cfg_).headers.size(), 1u) << "405 names what is allowed";
}

TEST_F(Server, BootedLogsConsumesOnceAndAnswersNewestFirst) {
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1&once=1", kB), cfg_).status, 200);
  EXPECT_ANSWER(HandleBooted(Req("POST", "machine=m1", kA), cfg_), 200, "machine m1 booting " + kA);
  EXPECT_EQ(State("m1/once"), kB + "\n") << "another image's boot leaves once";
  EXPECT_ANSWER(HandleBooted(Req("POST", "machine=m1", kB + "\n"), cfg_), 200, "booting " + kB + " (once consumed)");
  EXPECT_EQ(State("m1/once"), "(none)");
  Response log = HandleBooted(Req("GET", "machine=m1"), cfg_);
  ASSERT_EQ(log.status, 200);
  EXPECT_NE(log.body.find("Z " + kB + " 192.0.2.7\n"), std::string::npos) << log.body;
  EXPECT_LT(log.body.find(kB), log.body.find(kA)) << "newest first";
  EXPECT_EQ(HandleBooted(Req("GET", "machine=m1&limit=1"), cfg_).body.find(kA), std::string::npos);
  Request odd = Req("POST", "machine=m1", kC);
  odd.remote_addr = "a b\x01";
  ASSERT_EQ(HandleBooted(odd, cfg_).status, 200);
  EXPECT_NE(HandleBooted(Req("GET", "machine=m1&limit=1"), cfg_).body.find(kC + " a?b?\n"), std::string::npos);
  EXPECT_EQ(HandleBooted(Req("GET", "machine=never"), cfg_).body, "");
}

TEST_F(Server, BootedRefusesBadRequests) {
  EXPECT_ANSWER(HandleBooted(Req("POST", "machine=m1", ""), cfg_), 400, "empty body");
  EXPECT_ANSWER(HandleBooted(Req("POST", "machine=m1", "../x"), cfg_), 400, "bad image name");
  EXPECT_ANSWER(HandleBooted(Req("POST", "machine=m1", "6.1.0-main_eeeeeeeeeeee_20261122_x86_64"), cfg_), 404,
                "no image named");
  EXPECT_ANSWER(HandleBooted(Req("GET", "machine=m1&limit=0"), cfg_), 400, "bad limit");
  EXPECT_ANSWER(HandleBooted(Req("GET", "machine=m1&limit=lots"), cfg_), 400, "bad limit");
  EXPECT_EQ(HandleBooted(Req("PUT", "machine=m1", kA), cfg_).status, 405);
  EXPECT_EQ(State("m1/booted"), "(none)");
}

TEST_F(Server, BootedFromAnUnknownMachineCreatesNothing) {
  EXPECT_ANSWER(HandleBooted(Req("POST", "machine=stranger", kA), cfg_), 404,
                "unknown machine stranger: reports are taken once it has a default (PUT /default)");
  struct stat st;
  EXPECT_NE(stat((cfg_.state + "/machines/stranger").c_str(), &st), 0) << "no directory made";
  EXPECT_EQ(HandleBooted(Req("GET", "machine=stranger"), cfg_).body, "");
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=stranger", kA), cfg_).status, 200);
  EXPECT_EQ(HandleBooted(Req("POST", "machine=stranger", kA), cfg_).status, 200) << "known once it has a default";
}

TEST_F(Server, StatusShowsMachinesAndImages) {
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=lab-1", kA), cfg_).status, 200);
  ASSERT_EQ(HandleBooted(Req("POST", "machine=lab-1", kA), cfg_).status, 200);
  Response r = HandleStatus(Req("GET", ""), cfg_);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("Machines (1)"), std::string::npos);
  EXPECT_NE(r.body.find("Images (4)"), std::string::npos);
  EXPECT_NE(r.body.find("lab-1"), std::string::npos);
  EXPECT_NE(r.body.find("topic/x · x86_64"), std::string::npos);
  EXPECT_EQ(HandleStatus(Req("GET", "x=1"), cfg_).status, 400);
  EXPECT_EQ(HandleStatus(Req("POST", ""), cfg_).status, 405);
}

}  // namespace
}  // namespace kb
