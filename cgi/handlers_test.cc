// The six CGI handlers without Apache: every rule of the HTTP interface
// (doc/design.md) and every status code, on a store and a state in a temporary
// directory. tests/cgi/ checks the same programs behind a real Apache.
#include "cgi/handlers.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cgi/state.h"
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
    r.now = now_;
    return r;
  }
  std::string State(const std::string& rel) {
    std::string text;
    return ReadSmallFile(cfg_.state + "/machines/" + rel, &text) ? text : "(none)";
  }

  TempDir d_;
  ServerConfig cfg_;
  std::vector<int> fds_;
  int64_t now_ = 1795000000;  // 2026-11-18T11:06:40Z: the clock of every request made after it is set
};

#define EXPECT_ANSWER(resp, code, text)                                        \
  do {                                                                         \
    Response r_ = (resp);                                                      \
    EXPECT_EQ(r_.status, code) << r_.body;                                     \
    EXPECT_NE(Body(r_).find(text), std::string::npos) << Body(r_) << " lacks " << (text); \
  } while (0)

TEST_F(Server, ListIsOnceThenDefaultThenNewestFirstEachOnce) {
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m1"), cfg_), 200, kC + "\n" + kB + "\n" + kA + "\n");
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m1&arch=i386"), cfg_), 200, kI + "\n");
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1", kA), cfg_).status, 200);
  EXPECT_EQ(Body(HandleList(Req("GET", "machine=m1"), cfg_)), kA + "\n" + kC + "\n" + kB + "\n");
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1&once=1", kB + "\n"), cfg_).status, 200);
  EXPECT_EQ(Body(HandleList(Req("GET", "machine=m1"), cfg_)), kB + "\n" + kA + "\n" + kC + "\n");
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1&once=1", kA), cfg_).status, 200);
  EXPECT_EQ(Body(HandleList(Req("GET", "machine=m1"), cfg_)), kA + "\n" + kC + "\n" + kB + "\n")
      << "once and default the same image: listed once";
}

// The same answers when the list comes from the store's list index: the chosen
// images lead and are not listed again, wherever they are in the index.
TEST_F(Server, ListFromTheStoresIndexIsTheSame) {
  std::string err;
  ASSERT_TRUE(WriteListIndex(cfg_.images, &err)) << err;
  // The index is what is read: one written by hand with the directory's mtime
  // (kA left out) is believed.
  struct stat st;
  ASSERT_EQ(stat(cfg_.images.c_str(), &st), 0);
  const int64_t mtime = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  const std::string index = cfg_.images + "/.index/x86_64", full = [&] {
    std::string t;
    EXPECT_TRUE(ReadFile(index, &t, &err));
    return t;
  }();
  ASSERT_TRUE(WriteFileAtomic(index, FormatListIndex("x86_64", mtime, {kC, kB}), &err)) << err;
  EXPECT_EQ(Body(HandleList(Req("GET", "machine=m1"), cfg_)), kC + "\n" + kB + "\n");
  ASSERT_TRUE(WriteFileAtomic(index, full, &err)) << err;
  EXPECT_EQ(Body(HandleList(Req("GET", "machine=m1"), cfg_)), kC + "\n" + kB + "\n" + kA + "\n");
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1", kC), cfg_).status, 200);  // the index's first
  EXPECT_EQ(Body(HandleList(Req("GET", "machine=m1"), cfg_)), kC + "\n" + kB + "\n" + kA + "\n");
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1&once=1", kA), cfg_).status, 200);  // its last
  EXPECT_EQ(Body(HandleList(Req("GET", "machine=m1"), cfg_)), kA + "\n" + kC + "\n" + kB + "\n");
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1", kB), cfg_).status, 200);  // the middle
  EXPECT_EQ(Body(HandleList(Req("GET", "machine=m1"), cfg_)), kA + "\n" + kB + "\n" + kC + "\n");
  ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1", kI), cfg_).status, 200);  // another arch's
  EXPECT_EQ(Body(HandleList(Req("GET", "machine=m1"), cfg_)), kA + "\n" + kI + "\n" + kC + "\n" + kB + "\n");
  Response tsv = HandleList(Req("GET", "machine=m1&format=tsv"), cfg_);
  EXPECT_EQ(std::count(tsv.body.begin(), tsv.body.end(), '\n'), 4) << tsv.body;
  EXPECT_EQ(tsv.body.substr(0, kA.size() + 1), kA + "\t");
  EXPECT_NE(tsv.body.find("\n" + kB + "\t"), std::string::npos) << tsv.body;
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
  EXPECT_EQ(Body(HandleList(Req("GET", "machine=m1"), cfg_)), kA + "\n" + kC + "\n");
  ASSERT_TRUE(RemoveImage(cfg_.images, kA, &err)) << err;
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m1"), cfg_), 409, "its default image " + kA);
  // A damaged state file: the server's own trouble, said.
  d_.Write("state/machines/m2/default", "garbage\n");
  EXPECT_ANSWER(HandleList(Req("GET", "machine=m2"), cfg_), 500, "does not hold an image name");
  // Other machines are served as usual.
  EXPECT_EQ(Body(HandleList(Req("GET", "machine=m3"), cfg_)), kC + "\n");
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
  EXPECT_NE(Body(HandleList(Req("GET", "machine=m1&format=json"), cfg_)).find("\"commit\":null"), std::string::npos);
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

// --- leases ------------------------------------------------------------------------

const std::string kAlice = "owner=alice@ws-1\npurpose=bisect drm v6.1..v6.2\nseconds=600\n";
const std::string kBob = "owner=bob\npurpose=nightly\nseconds=60\n";

class Leases : public Server {
 protected:
  void SetUp() override {
    Server::SetUp();
    ASSERT_EQ(HandleDefault(Req("PUT", "machine=m1", kA), cfg_).status, 200);
  }
};

// Takes a lease on m1 as `body`: its token.
#define TAKE(text)                                                                   \
  [&] {                                                                              \
    Response r_ = HandleLease(Req("POST", "machine=m1", text), cfg_);                \
    EXPECT_EQ(r_.status, 201) << r_.body;                                            \
    EXPECT_EQ(r_.body.size(), kLeaseTokenHex + 1) << r_.body;                        \
    return r_.body.substr(0, kLeaseTokenHex);                                        \
  }()

TEST_F(Leases, TakeShowRenewAndRelease) {
  EXPECT_ANSWER(HandleLease(Req("GET", "machine=m1"), cfg_), 200, "free");
  std::string token = TAKE(kAlice);
  EXPECT_EQ(State("m1/lease"), "owner=alice@ws-1\npurpose=bisect drm v6.1..v6.2\nseconds=600\nexpires=" +
                                   std::to_string(now_ + 600) + "\ntoken=" + token + "\n");
  Response get = HandleLease(Req("GET", "machine=m1"), cfg_);
  EXPECT_EQ(get.body, "owner=alice@ws-1\npurpose=bisect drm v6.1..v6.2\nseconds=600\nexpires=1795000600\n"
                      "until=2026-11-18T11:16:40Z\nleft=600\n");
  EXPECT_EQ(get.body.find(token), std::string::npos) << "GET never shows the token";
  EXPECT_ANSWER(HandleLease(Req("POST", "machine=m1", kBob), cfg_), 409,
                "machine m1 is leased by alice@ws-1 (bisect drm v6.1..v6.2) until 2026-11-18T11:16:40Z");
  now_ += 300;
  EXPECT_ANSWER(HandleLease(Req("GET", "machine=m1"), cfg_), 200, "left=300\n");
  EXPECT_ANSWER(HandleLease(Req("PUT", "machine=m1&lease=" + token), cfg_), 200,
                "machine m1 is leased by alice@ws-1 (bisect drm v6.1..v6.2) until 2026-11-18T11:21:40Z");
  EXPECT_ANSWER(HandleLease(Req("PUT", "machine=m1&lease=" + token + "&seconds=60"), cfg_), 200, "until 2026-11-18T11:12:40Z");
  EXPECT_NE(State("m1/lease").find("seconds=60\n"), std::string::npos) << "the term is now 60 s";
  EXPECT_ANSWER(HandleLease(Req("DELETE", "machine=m1&lease=" + token), cfg_), 200, "machine m1: lease released");
  EXPECT_EQ(State("m1/lease"), "(none)");
  EXPECT_ANSWER(HandleLease(Req("DELETE", "machine=m1&lease=" + token), cfg_), 200, "machine m1 has no lease");
  EXPECT_ANSWER(HandleLease(Req("GET", "machine=m1"), cfg_), 200, "free");
  EXPECT_ANSWER(HandleLease(Req("PUT", "machine=m1&lease=" + token), cfg_), 409, "machine m1 has no lease of this token");
  std::string again = TAKE(kBob);
  EXPECT_NE(again, token) << "every lease has a token of its own";
}

TEST_F(Leases, AnExpiredLeaseFreesTheMachine) {
  std::string alice = TAKE(kAlice);
  now_ += 599;
  EXPECT_ANSWER(HandleLease(Req("POST", "machine=m1", kBob), cfg_), 409, "leased by alice@ws-1");
  now_ += 1;  // expires is the first second it is no longer live
  EXPECT_ANSWER(HandleLease(Req("GET", "machine=m1"), cfg_), 200, "free");
  EXPECT_ANSWER(HandleLease(Req("PUT", "machine=m1&lease=" + alice), cfg_), 409,
                "machine m1: this lease expired at 2026-11-18T11:16:40Z: take a new one (POST)");
  EXPECT_ANSWER(HandleDefault(Req("PUT", "machine=m1&once=1", kB), cfg_), 200, "once is " + kB);
  std::string bob = TAKE(kBob);
  EXPECT_ANSWER(HandleLease(Req("PUT", "machine=m1&lease=" + alice), cfg_), 409, "machine m1 is leased by bob (nightly)");
  EXPECT_ANSWER(HandleLease(Req("DELETE", "machine=m1&lease=" + alice), cfg_), 409, "machine m1 is leased by bob");
  EXPECT_NE(State("m1/lease").find("token=" + bob), std::string::npos) << "a stranger's release leaves it";
  now_ += 60;
  EXPECT_ANSWER(HandleLease(Req("DELETE", "machine=m1&lease=" + alice), cfg_), 200, "machine m1 has no live lease");
  // Its own expired lease: released with its token.
  EXPECT_ANSWER(HandleLease(Req("DELETE", "machine=m1&lease=" + bob), cfg_), 200, "lease released");
}

TEST_F(Leases, OnceAndDefaultNeedTheTokenWhileLeased) {
  std::string token = TAKE(kAlice), other(kLeaseTokenHex, 'f');
  const std::string held = "machine m1 is leased by alice@ws-1 (bisect drm v6.1..v6.2) until 2026-11-18T11:16:40Z";
  for (const std::string& q : {std::string("machine=m1"), "machine=m1&lease=" + other}) {
    EXPECT_ANSWER(HandleDefault(Req("PUT", q + "&once=1", kB), cfg_), 409, held);
    EXPECT_ANSWER(HandleDefault(Req("PUT", q, kB), cfg_), 409, held);
    EXPECT_ANSWER(HandleDefault(Req("POST", q, "kernel=" + kB + "&once=1"), cfg_), 409, held);
    EXPECT_ANSWER(HandleDefault(Req("DELETE", q), cfg_), 409, held);
  }
  EXPECT_EQ(State("m1/default"), kA + "\n") << "nothing written";
  EXPECT_EQ(State("m1/once"), "(none)");
  EXPECT_ANSWER(HandleDefault(Req("PUT", "machine=m1&once=1&lease=" + token, kB), cfg_), 200, "once is " + kB);
  EXPECT_ANSWER(HandleDefault(Req("POST", "machine=m1&lease=" + token, "kernel=" + kC), cfg_), 200, "default is " + kC);
  // Reading is never refused, nor a boot report.
  EXPECT_ANSWER(HandleDefault(Req("GET", "machine=m1&once=1"), cfg_), 200, kB);
  EXPECT_ANSWER(HandleBooted(Req("POST", "machine=m1", kB), cfg_), 200, "(once consumed)");
  EXPECT_ANSWER(HandleDefault(Req("DELETE", "machine=m1&lease=" + token), cfg_), 200, "default cleared");
  EXPECT_ANSWER(HandleDefault(Req("PUT", "machine=m1&lease=xyz", kB), cfg_), 400, "bad lease: expected the token");
  // Other machines are not concerned.
  EXPECT_ANSWER(HandleDefault(Req("PUT", "machine=m2", kB), cfg_), 200, "default is " + kB);
  // Once it expires, anyone may change the machine again; a stale token is no obstacle.
  now_ += 600;
  EXPECT_ANSWER(HandleDefault(Req("PUT", "machine=m1", kA), cfg_), 200, "default is " + kA);
  EXPECT_ANSWER(HandleDefault(Req("PUT", "machine=m1&lease=" + token, kB), cfg_), 200, "default is " + kB);
}

TEST_F(Leases, BadRequestsAreRefusedAndWriteNothing) {
  struct Case {
    std::string method, query, body;
    int status;
    std::string text;
  };
  const std::string tok(kLeaseTokenHex, 'a');
  const Case kCases[] = {
      {"POST", "", kAlice, 400, "missing parameter 'machine'"},
      {"POST", "machine=../x", kAlice, 400, "bad machine name"},
      {"POST", "machine=stranger", kAlice, 404,
       "unknown machine stranger: leases are taken once it has a default (PUT /default)"},
      {"PUT", "machine=stranger&lease=" + tok, "", 404, "unknown machine stranger"},
      {"POST", "machine=m1", "", 400, "bad lease request: missing owner"},
      {"POST", "machine=m1", "garbage", 400, "bad lease request: line 1: not key=value"},
      {"POST", "machine=m1", "owner=a\npurpose=b\n", 400, "missing seconds"},
      {"POST", "machine=m1", "owner=a\nseconds=5\n", 400, "missing purpose"},
      {"POST", "machine=m1", "owner=a\npurpose=b\nseconds=0\n", 400, "line 3: bad seconds: expected a number of seconds from 1 to 86400"},
      {"POST", "machine=m1", "owner=a\npurpose=b\nseconds=86401\n", 400, "bad seconds"},
      {"POST", "machine=m1", "owner=a\npurpose=b\nseconds=-5\n", 400, "bad seconds"},
      {"POST", "machine=m1", "owner=a\npurpose=b\nseconds=99999999999999999999\n", 400, "bad seconds"},
      {"POST", "machine=m1", "owner=a\npurpose=b\nseconds=1h\n", 400, "bad seconds"},
      {"POST", "machine=m1", "owner=\npurpose=b\nseconds=5\n", 400, "line 1: bad owner: expected printable ASCII"},
      {"POST", "machine=m1", "owner=a\x01z\npurpose=b\nseconds=5\n", 400, "bad owner"},
      {"POST", "machine=m1", "owner=caf\xc3\xa9\npurpose=b\nseconds=5\n", 400, "bad owner"},
      {"POST", "machine=m1", "owner=" + std::string(65, 'o') + "\npurpose=b\nseconds=5\n", 400, "bad owner"},
      {"POST", "machine=m1", "owner=a\npurpose=" + std::string(201, 'p') + "\nseconds=5\n", 400, "bad purpose"},
      {"POST", "machine=m1", "owner=a\nowner=b\npurpose=b\nseconds=5\n", 400, "line 2: owner given more than once"},
      {"POST", "machine=m1", "owner=a\npurpose=b\nseconds=5\ntoken=" + tok + "\n", 400,
       "line 4: unknown key 'token' (expected owner, purpose, seconds)"},
      {"POST", "machine=m1", "owner=a\npurpose=b\nseconds=5\nexpires=1\n", 400, "unknown key 'expires'"},
      {"POST", "machine=m1", std::string("\x1b[2J=x\n"), 400, "line 1: unknown key (expected"},
      {"POST", "machine=m1", std::string(kMaxBody + 1, 'x'), 413, "longer than"},
      {"POST", "machine=m1&seconds=5", kAlice, 400, "seconds= is for PUT (renew)"},
      {"POST", "machine=m1&lease=" + tok, kAlice, 400, "lease=TOKEN is for PUT (renew) and DELETE (release)"},
      {"GET", "machine=m1&lease=" + tok, "", 400, "lease=TOKEN is for PUT"},
      {"PUT", "machine=m1", "", 400, "missing parameter 'lease'"},
      {"DELETE", "machine=m1", "", 400, "missing parameter 'lease'"},
      {"PUT", "machine=m1&lease=" + tok.substr(1), "", 400, "bad lease"},
      {"PUT", "machine=m1&lease=" + std::string(kLeaseTokenHex, 'A'), "", 400, "bad lease"},
      {"PUT", "machine=m1&lease=" + tok + "&seconds=0", "", 400, "bad seconds: expected a number from 1 to 86400"},
      {"PUT", "machine=m1&lease=" + tok + "&seconds=86401", "", 400, "bad seconds"},
      {"PUT", "machine=m1&lease=" + tok, "", 409, "machine m1 has no lease of this token"},
      {"PUT", "machine=m1&owner=x", "", 400, "unknown parameter (this program takes machine, lease, seconds)"},
      {"PATCH", "machine=m1", "", 405, "allowed: GET, HEAD, POST, PUT, DELETE"},
  };
  for (const Case& c : kCases)
    EXPECT_ANSWER(HandleLease(Req(c.method, c.query, c.body), cfg_), c.status, c.text);
  EXPECT_EQ(State("m1/lease"), "(none)");
  struct stat st;
  EXPECT_NE(stat((cfg_.state + "/machines/stranger").c_str(), &st), 0) << "no directory made";
  EXPECT_ANSWER(HandleLease(Req("DELETE", "machine=stranger&lease=" + tok), cfg_), 200, "machine stranger has no lease");
  EXPECT_NE(stat((cfg_.state + "/machines/stranger").c_str(), &st), 0) << "nor by a release";
  EXPECT_ANSWER(HandleLease(Req("GET", "machine=stranger"), cfg_), 200, "free");
  // Spaces around keys and values and CRLF line ends are taken.
  EXPECT_ANSWER(HandleLease(Req("POST", "machine=m1", " owner = bob \r\n\r\npurpose=a b\r\nseconds= 9\r\n"), cfg_), 201, "");
  EXPECT_NE(State("m1/lease").find("owner=bob\npurpose=a b\nseconds=9\n"), std::string::npos) << State("m1/lease");
}

TEST_F(Leases, ADamagedLeaseFileIsAClearErrorAndRefusesWrites) {
  std::string token = TAKE(kAlice);
  std::string whole = State("m1/lease");
  for (const std::string& bad : {whole.substr(0, whole.size() / 2), std::string("\x00\xff garbage", 10),
                                 whole + "extra=1\n", std::string(5000, 'x')}) {
    d_.Write("state/machines/m1/lease", bad);
    Response get = HandleLease(Req("GET", "machine=m1"), cfg_);
    EXPECT_EQ(get.status, 500) << get.body;
    EXPECT_NE(get.body.find("/machines/m1/lease"), std::string::npos) << get.body;
    EXPECT_ANSWER(HandleLease(Req("POST", "machine=m1", kBob), cfg_), 500, "m1/lease");
    EXPECT_ANSWER(HandleLease(Req("PUT", "machine=m1&lease=" + token), cfg_), 500, "m1/lease");
    EXPECT_ANSWER(HandleDefault(Req("PUT", "machine=m1&once=1", kB), cfg_), 500, "m1/lease");
    EXPECT_EQ(State("m1/once"), "(none)") << "a damaged lease refuses writes: nobody can say who holds it";
    EXPECT_ANSWER(HandleStatus(Req("GET", ""), cfg_), 200, "m1/lease");
  }
  d_.Write("state/machines/m1/lease", whole.substr(0, whole.size() - 10));
  EXPECT_ANSWER(HandleLease(Req("GET", "machine=m1"), cfg_), 500,
                "/machines/m1/lease is damaged (line 5: bad token: expected 32 lowercase hex digits): remove it to free the machine");
}

TEST_F(Leases, StatusShowsTheLiveLease) {
  EXPECT_EQ(HandleStatus(Req("GET", ""), cfg_).body.find("leased by"), std::string::npos);
  TAKE("owner=<alice>\npurpose=a & b\nseconds=600\n");
  Response r = HandleStatus(Req("GET", ""), cfg_);
  EXPECT_NE(r.body.find("<dt>leased by</dt><dd class=\"lease\">&lt;alice&gt; (a &amp; b) until 2026-11-18T11:16:40Z</dd>"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(r.body.find(State("m1/lease").substr(State("m1/lease").find("token=") + 6, kLeaseTokenHex)),
            std::string::npos)
      << "nor the status page the token";
  now_ += 600;
  EXPECT_EQ(HandleStatus(Req("GET", ""), cfg_).body.find("leased by"), std::string::npos) << "expired: not shown";
}

// Build requests over HTTP: the file kbisect-builder watches, its lines the arches.
TEST_F(Server, RequestQueuesForTheBuilderAndAnswersItsResult) {
  const std::string sha = std::string(40, 'a'), req = "commit=" + sha + "&arch=x86_64";
  // No builder (no <state>/builder): 404 for every method, nothing written.
  EXPECT_ANSWER(HandleRequest(Req("POST", req), cfg_), 404, "no builder");
  EXPECT_ANSWER(HandleRequest(Req("GET", req), cfg_), 404, "no builder");
  struct stat sb;
  EXPECT_NE(stat((cfg_.state + "/requests").c_str(), &sb), 0) << "the CGI never makes the builder's directories";
  d_.Write("state/builder/results/.keep", "");
  d_.Write("state/requests/.keep", "");
  // A builder's state but none watching (stopped, restarting): 503, a lab fault.
  EXPECT_ANSWER(HandleRequest(Req("POST", req), cfg_), 503, "the builder is not running");
  EXPECT_NE(stat((cfg_.state + "/requests/" + sha).c_str(), &sb), 0);
  d_.Write("state/builder/watching", "4242 kernels\n");
  // Bad input: a clear 400 (or 405), and no file.
  EXPECT_ANSWER(HandleRequest(Req("POST", "arch=x86_64"), cfg_), 400, "missing commit");
  EXPECT_ANSWER(HandleRequest(Req("POST", "commit=abc"), cfg_), 400, "bad commit");
  EXPECT_ANSWER(HandleRequest(Req("POST", "commit=" + std::string(41, 'a')), cfg_), 400, "bad commit");
  EXPECT_ANSWER(HandleRequest(Req("POST", "commit=../../etc"), cfg_), 400, "bad commit");
  EXPECT_ANSWER(HandleRequest(Req("POST", "commit=" + sha + "&arch=arm64"), cfg_), 400, "bad arch: one of x86_64");
  EXPECT_ANSWER(HandleRequest(Req("POST", "commit=" + sha + "&bogus=1"), cfg_), 400, "bogus");
  EXPECT_ANSWER(HandleRequest(Req("PUT", req), cfg_), 405, "GET, HEAD, POST, DELETE");
  EXPECT_ANSWER(HandleRequest(Req("GET", req), cfg_), 404, "no request for " + sha + " for x86_64");
  // Queued: the file, the arch a line; the same again changes nothing; another arch joins.
  EXPECT_ANSWER(HandleRequest(Req("POST", req), cfg_), 202, "queued");
  std::string text;
  ASSERT_TRUE(ReadSmallFile(cfg_.state + "/requests/" + sha, &text));
  EXPECT_EQ(text, "x86_64\n");
  EXPECT_ANSWER(HandleRequest(Req("POST", req), cfg_), 202, "queued");
  EXPECT_ANSWER(HandleRequest(Req("POST", "commit=" + std::string(40, 'A') + "&arch=i386"), cfg_), 202, "queued");
  ASSERT_TRUE(ReadSmallFile(cfg_.state + "/requests/" + sha, &text));
  EXPECT_EQ(text, "x86_64\ni386\n") << "upper-case hex is the same commit";
  EXPECT_ANSWER(HandleRequest(Req("GET", req), cfg_), 200, "queued");
  // Every arch: an empty file.
  EXPECT_ANSWER(HandleRequest(Req("POST", "commit=" + sha), cfg_), 202, "queued");
  ASSERT_TRUE(ReadSmallFile(cfg_.state + "/requests/" + sha, &text));
  EXPECT_EQ(text, "");
  // The builder's result answers GET and a POST alike.
  d_.Write("state/builder/results/" + sha + "-x86_64", "ok " + kA + "\n");
  d_.Write("state/builder/results/" + sha + "-i386", "fail /var/lib/kbisect/builder/logs/x.log\n");
  EXPECT_ANSWER(HandleRequest(Req("GET", req), cfg_), 200, "ok " + kA);
  EXPECT_ANSWER(HandleRequest(Req("POST", "commit=" + sha + "&arch=i386"), cfg_), 200, "fail /var/lib");
  // Withdrawn.
  EXPECT_ANSWER(HandleRequest(Req("DELETE", req), cfg_), 200, "withdrawn");
  EXPECT_NE(stat((cfg_.state + "/requests/" + sha).c_str(), &sb), 0);
  EXPECT_ANSWER(HandleRequest(Req("DELETE", req), cfg_), 200, "no request");
  EXPECT_ANSWER(HandleRequest(Req("GET", "commit=" + std::string(40, 'b')), cfg_), 404, "no request");
}

}  // namespace
}  // namespace kb
