#include "control/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "control/test_http_server.h"

namespace kb {
namespace {

TEST(ServerClient, AnErrorAnswerIsAnErrorWithTheServersReason) {
  OneShot s(Answer(500, "store unreadable\x1b[31m\nmore\n"));
  Server server(s.Url(), 5);
  std::string image, why;
  EXPECT_FALSE(server.ImageOf("m1", "x86_64", std::string(40, 'a'), &image, &why));
  // The first line, without its control bytes.
  EXPECT_EQ(why, "the server answered 500: store unreadable?[31m");
}

TEST(ServerClient, AnUnreachableServerSaysSo) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);  // a port nobody listens on
  Server server("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/kbisect", 5);
  std::string line, why;
  bool unreachable = false;
  EXPECT_FALSE(server.Call("GET", "booted?machine=m1", "", &line, &why, &unreachable));
  EXPECT_TRUE(unreachable);
  EXPECT_EQ(why.rfind("server http://127.0.0.1:", 0), 0u) << why;
  EXPECT_NE(why.find("unreachable"), std::string::npos) << why;
}

TEST(ServerClient, FindsTheImageOfACommitInTheTsvList) {
  const std::string a(40, 'a'), b(40, 'b');
  OneShot s(Answer(200, "img-a\t" + a + "\tmaster\tx86_64\t2026\tdefault\nimg-b\t" + b + "\tmaster\tx86_64\t2026\t-\n"),
            3);
  Server server(s.Url(), 5);
  std::string image, why;
  ASSERT_TRUE(server.ImageOf("m 1", "x86_64", b, &image, &why)) << why;
  EXPECT_EQ(image, "img-b");
  ASSERT_TRUE(server.ImageOf("m1", "x86_64", std::string(40, 'c'), &image, &why)) << why;
  EXPECT_EQ(image, "");
  // A commit that is a prefix of a listed one is not that one.
  ASSERT_TRUE(server.ImageOf("m1", "x86_64", b.substr(0, 12), &image, &why)) << why;
  EXPECT_EQ(image, "");
  ASSERT_EQ(s.Requests().size(), 3u);
  EXPECT_EQ(s.Requests()[0].rfind("GET /kbisect/list?machine=m%201&arch=x86_64&format=tsv HTTP/1.1\r\n", 0), 0u)
      << s.Requests()[0];
}

TEST(ServerClient, TheImageOfACommitIsOfTheAskedArch) {
  // The machine's once and default head every arch's list: an x86_64 default of
  // the commit is not its i386 image.
  const std::string b(40, 'b');
  OneShot s(Answer(200, "img-x\t" + b + "\tmaster\tx86_64\t2026\tdefault\nimg-i\t" + b + "\tmaster\ti386\t2026\t-\n"),
            2);
  Server server(s.Url(), 5);
  std::string image, why;
  ASSERT_TRUE(server.ImageOf("m1", "i386", b, &image, &why)) << why;
  EXPECT_EQ(image, "img-i");
  ASSERT_EQ(s.Requests().size(), 1u);
  EXPECT_EQ(s.Requests()[0].rfind("GET /kbisect/list?machine=m1&arch=i386&format=tsv HTTP/1.1\r\n", 0), 0u)
      << s.Requests()[0];
  // Without its own arch's image, none: not the other arch's.
  ASSERT_TRUE(server.ImageOf("m1", "x86_32", b, &image, &why)) << why;
  EXPECT_EQ(image, "");
}

TEST(ServerClient, SetsAndClearsTheOnce) {
  OneShot s(Answer(200, "machine m1: once is img-a\n"), 2);
  Server server(s.Url(), 5);
  std::string why;
  ASSERT_TRUE(server.SetOnce("m1", "img-a", &why)) << why;
  ASSERT_TRUE(server.ClearOnce("m1", &why)) << why;
  ASSERT_EQ(s.Requests().size(), 2u);
  EXPECT_EQ(s.Requests()[0].rfind("PUT /kbisect/default?machine=m1&once=1 ", 0), 0u);
  EXPECT_NE(s.Requests()[0].find("\r\n\r\nimg-a"), std::string::npos);
  EXPECT_EQ(s.Requests()[1].rfind("DELETE /kbisect/default?machine=m1&once=1 ", 0), 0u);
}

TEST(ServerClient, AsksTheBuilderOverHttpAndReadsItsAnswer) {
  const std::string c(40, 'c');
  std::string answer, why;
  bool no_builder = true, not_running = true;
  OneShot queued(Answer(202, "queued\n"));
  ASSERT_TRUE(Server(queued.Url(), 5).RequestBuild(c, "i386", &answer, &no_builder, &not_running, &why)) << why;
  EXPECT_EQ(answer, "queued");
  EXPECT_FALSE(no_builder);
  ASSERT_EQ(queued.Requests().size(), 1u);
  EXPECT_EQ(queued.Requests()[0].rfind("POST /kbisect/request?commit=" + c + "&arch=i386 ", 0), 0u);
  // No builder on that server: said apart from every other failure.
  OneShot none(Answer(404, "no builder: no kbisect-builder watches this server's state (/s)\n"));
  EXPECT_FALSE(Server(none.Url(), 5).RequestBuild(c, "x86_64", &answer, &no_builder, &not_running, &why));
  EXPECT_TRUE(no_builder);
  EXPECT_FALSE(not_running);
  // A builder that does not run now (stopped, restarting): said apart too.
  OneShot down(Answer(503, "the builder is not running: ...\n"));
  EXPECT_FALSE(Server(down.Url(), 5).RequestBuild(c, "x86_64", &answer, &no_builder, &not_running, &why));
  EXPECT_TRUE(not_running);
  EXPECT_FALSE(no_builder);
  OneShot refused(Answer(403, "Forbidden\n"));
  EXPECT_FALSE(Server(refused.Url(), 5).RequestBuild(c, "x86_64", &answer, &no_builder, &not_running, &why));
  EXPECT_FALSE(no_builder) << "403 (the Require lines) is an error, not a missing builder";
  EXPECT_NE(why.find("answered 403 to a build request"), std::string::npos) << why;
  // Where it is: the result, or nothing (404 no request), or an error.
  OneShot ok(Answer(200, "ok img-c\n"));
  ASSERT_TRUE(Server(ok.Url(), 5).BuildState(c, "x86_64", &answer, &why)) << why;
  EXPECT_EQ(answer, "ok img-c");
  EXPECT_EQ(ok.Requests()[0].rfind("GET /kbisect/request?commit=" + c + "&arch=x86_64 ", 0), 0u);
  OneShot gone(Answer(404, "no request for " + c + " for x86_64 and no result\n"));
  ASSERT_TRUE(Server(gone.Url(), 5).BuildState(c, "x86_64", &answer, &why)) << why;
  EXPECT_EQ(answer, "");
  OneShot broken(Answer(500, "cannot lock\n"));
  EXPECT_FALSE(Server(broken.Url(), 5).BuildState(c, "x86_64", &answer, &why));
}

TEST(ServerClient, TakesRenewsAndReleasesALease) {
  const std::string token = "0123456789abcdef0123456789abcdef";
  OneShot take(Answer(201, token + "\n"));
  std::string got, why;
  ASSERT_TRUE(Server(take.Url(), 5).TakeLease("m 1", "alice@ws", "bisect x", 600, &got, &why)) << why;
  EXPECT_EQ(got, token);
  ASSERT_EQ(take.Requests().size(), 1u);
  EXPECT_EQ(take.Requests()[0].rfind("POST /kbisect/lease?machine=m%201 ", 0), 0u) << take.Requests()[0];
  EXPECT_NE(take.Requests()[0].find("\r\n\r\nowner=alice@ws\npurpose=bisect x\nseconds=600\n"), std::string::npos);

  OneShot ok(Answer(200, "machine m1 is leased by alice\n"), 3);
  Server server(ok.Url(), 5);
  ASSERT_TRUE(server.RenewLease("m1", token, 0, &why)) << why;
  ASSERT_TRUE(server.RenewLease("m1", token, 60, &why)) << why;
  ASSERT_TRUE(server.ReleaseLease("m1", token, &why)) << why;
  ASSERT_EQ(ok.Requests().size(), 3u);
  EXPECT_EQ(ok.Requests()[0].rfind("PUT /kbisect/lease?machine=m1&lease=" + token + " ", 0), 0u) << ok.Requests()[0];
  EXPECT_EQ(ok.Requests()[1].rfind("PUT /kbisect/lease?machine=m1&lease=" + token + "&seconds=60 ", 0), 0u);
  EXPECT_EQ(ok.Requests()[2].rfind("DELETE /kbisect/lease?machine=m1&lease=" + token + " ", 0), 0u);
}

TEST(ServerClient, ALeaseRefusedOrNotATokenIsAnError) {
  OneShot held(Answer(409, "machine m1 is leased by bob (nightly) until 2026-11-18T11:16:40Z\n"));
  std::string token, why;
  EXPECT_FALSE(Server(held.Url(), 5).TakeLease("m1", "alice", "x", 60, &token, &why));
  EXPECT_EQ(why, "the server answered 409: machine m1 is leased by bob (nightly) until 2026-11-18T11:16:40Z");
  OneShot odd(Answer(201, "<html>proxy</html>\n"));
  EXPECT_FALSE(Server(odd.Url(), 5).TakeLease("m1", "alice", "x", 60, &token, &why));
  EXPECT_EQ(why, "the server's answer to a lease is not a token");
  EXPECT_FALSE(Server("http://127.0.0.1:9/", 5).TakeLease("m1", "alice\nseconds=1", "x", 60, &token, &why));
  EXPECT_EQ(why, "a lease's owner and purpose are one line each") << "refused before any request";
  EXPECT_EQ(token, "");
}

TEST(ServerClient, SetOnceAndClearOncePresentTheLease) {
  const std::string token = "0123456789abcdef0123456789abcdef";
  OneShot s(Answer(200, "ok\n"), 3);
  Server server(s.Url(), 5);
  server.SetLease("m1", token);
  std::string why;
  ASSERT_TRUE(server.SetOnce("m1", "img-a", &why)) << why;
  ASSERT_TRUE(server.ClearOnce("m1", &why)) << why;
  server.SetLease("m1", "");
  ASSERT_TRUE(server.ClearOnce("m1", &why)) << why;
  ASSERT_EQ(s.Requests().size(), 3u);
  EXPECT_EQ(s.Requests()[0].rfind("PUT /kbisect/default?machine=m1&once=1&lease=" + token + " ", 0), 0u);
  EXPECT_EQ(s.Requests()[1].rfind("DELETE /kbisect/default?machine=m1&once=1&lease=" + token + " ", 0), 0u);
  EXPECT_EQ(s.Requests()[2].rfind("DELETE /kbisect/default?machine=m1&once=1 ", 0), 0u) << "forgotten";
}

TEST(ServerClient, UrlEncodeLeavesOnlyUnreservedBytes) { EXPECT_EQ(UrlEncode("a b/c&d=é"), "a%20b%2Fc%26d%3D%C3%A9"); }

}  // namespace
}  // namespace kb
