#include "cgi/cgi.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "cgi/json.h"
#include "cgi/state.h"
#include "common/test_temp_dir.h"

namespace kb {
namespace {

TEST(Json, EscapesAndKeepsUtf8) {
  EXPECT_EQ(JsonString("plain"), "\"plain\"");
  EXPECT_EQ(JsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonString(std::string("\n\x01\x7f", 3)), "\"\\u000a\\u0001\\u007f\"");
  EXPECT_EQ(JsonString("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(JsonString("bad\xff\xc3"), "\"bad\xef\xbf\xbd\xef\xbf\xbd\"");
  EXPECT_EQ(JsonString("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // surrogate
}

TEST(ServerConfig, ReadsImagesAndState) {
  TempDir d;
  std::string p = d.Write("k.ini", "; comment\n[server]\nimages = /srv/img ; inline\nstate=/var/lib/kb\n");
  ServerConfig c;
  std::string err;
  ASSERT_TRUE(LoadServerConfigFile(p, &c, &err)) << err;
  EXPECT_EQ(c.images, "/srv/img");
  EXPECT_EQ(c.state, "/var/lib/kb");
}

TEST(ServerConfig, NamesTheBadLine) {
  TempDir d;
  const std::pair<std::string, std::string> kCases[] = {
      {"[server]\nimages=/a\nstate=/b\ncolour=blue\n", "k.ini:4: [server] colour: unknown key"},
      {"[server]\nimages=/a\n[other]\nstate=/b\n", "k.ini:3: [other]: unknown section"},
      {"[server]\nimages=relative\nstate=/b\n", "k.ini:2: [server] images: not an absolute path"},
      {"[server]\nimages=/a\nimages=/b\n", "k.ini:3: [server] images: given more than once"},
      {"[server]\nthis line is junk\nstate=/b\n", "k.ini:2: not 'key = value'"},
      {"[server]\nimages=/" + std::string(300, 'x') + "\nstate=/b\n", "k.ini:2: line is longer than"},
      {"[server]\nimages=/a\n", "needs both images"},
      {"", "needs both images"},
  };
  for (const auto& [text, want] : kCases) {
    std::string p = d.Write("k.ini", text);
    ServerConfig c;
    std::string err;
    ASSERT_FALSE(LoadServerConfigFile(p, &c, &err)) << text;
    EXPECT_NE(err.find(want), std::string::npos) << err;
  }
  ServerConfig c;
  std::string err;
  ASSERT_FALSE(LoadServerConfigFile(d.path() + "/missing.ini", &c, &err));
  EXPECT_NE(err.find("cannot read: No such file"), std::string::npos) << err;
}

TEST(ServerConfig, KbisectConfigNamesTheFile) {
  TempDir d;
  std::string p = d.Write("x.ini", "[server]\nimages=/i\nstate=/s\n");
  ServerConfig c;
  std::string err;
  ASSERT_TRUE(LoadServerConfig([&](const char* n) { return std::string(n) == "KBISECT_CONFIG" ? p.c_str() : nullptr; },
                               &c, &err))
      << err;
  EXPECT_EQ(c.images, "/i");
}

TEST(Request, ReadsTheCgiEnvironment) {
  std::map<std::string, std::string> env = {{"REQUEST_METHOD", "PUT"},
                                            {"QUERY_STRING", "machine=m"},
                                            {"CONTENT_LENGTH", "12"},
                                            {"REMOTE_ADDR", "10.0.2.15"}};
  Request r = RequestFromEnv([&](const char* n) { return env.count(n) ? env[n].c_str() : nullptr; });
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.query, "machine=m");
  EXPECT_EQ(r.content_length, 12);
  EXPECT_EQ(r.remote_addr, "10.0.2.15");
  env["CONTENT_LENGTH"] = "12x";
  EXPECT_EQ(RequestFromEnv([&](const char* n) { return env.count(n) ? env[n].c_str() : nullptr; }).content_length, -1);
}

TEST(Response, FormatsCgiHeaders) {
  Response r = MethodNotAllowed("PATCH", "GET, PUT");
  std::string out = FormatResponse(r);
  EXPECT_EQ(out.find("Status: 405 Method Not Allowed\r\n"), 0u) << out;
  EXPECT_NE(out.find("\r\nAllow: GET, PUT\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\n\r\nmethod PATCH is not allowed here"), std::string::npos);
}

TEST(Body, LimitsAndShortReads) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], "abc", 3), 3);
  close(fds[1]);
  Request req;
  req.body_fd = fds[0];
  std::string body;
  Response err;
  req.content_length = 3;
  ASSERT_TRUE(ReadBody(req, &body, &err));
  EXPECT_EQ(body, "abc");
  req.content_length = 5;
  EXPECT_FALSE(ReadBody(req, &body, &err));
  EXPECT_EQ(err.status, 400);
  req.content_length = kMaxBody + 1;
  EXPECT_FALSE(ReadBody(req, &body, &err));
  EXPECT_EQ(err.status, 413);
  req.content_length = -1;
  EXPECT_FALSE(ReadBody(req, &body, &err));
  EXPECT_EQ(err.status, 400);
  close(fds[0]);
}

const std::string kA = "6.1.0-main_aaaaaaaaaaaa_20261120_x86_64";
const std::string kB = "6.1.0-main_bbbbbbbbbbbb_20261121_x86_64";
const std::string kC = "6.1.0-main_cccccccccccc_20261121_x86_64";
const std::string kI = "6.1.0-main_dddddddddddd_20261122_i386";

TEST(State, WritesAtomicallyAndReadsBack) {
  TempDir d;
  MachineState st(d.path(), "lab-1");
  std::optional<std::string> name;
  std::string err;
  ASSERT_TRUE(st.ReadName("default", &name, &err));
  EXPECT_FALSE(name);
  EXPECT_FALSE(st.WriteName("default", kA, &err)) << "writes need the lock";
  ASSERT_TRUE(st.Lock(&err)) << err;
  ASSERT_TRUE(st.WriteName("default", kA, &err)) << err;
  ASSERT_TRUE(st.ReadName("default", &name, &err));
  EXPECT_EQ(name, kA);
  ASSERT_TRUE(st.WriteName("default", kB, &err));
  ASSERT_TRUE(st.ReadName("default", &name, &err));
  EXPECT_EQ(name, kB);
  EXPECT_NE(access((st.dir() + "/.default.tmp").c_str(), F_OK), 0) << "no temporary file left";
  ASSERT_TRUE(st.Remove("default", &err));
  ASSERT_TRUE(st.Remove("default", &err)) << "removing twice is fine";
  ASSERT_TRUE(st.ReadName("default", &name, &err));
  EXPECT_FALSE(name);
}

TEST(State, RefusesADamagedFile) {
  TempDir d;
  d.Write("machines/m/default", "../../etc/passwd\n");
  MachineState st(d.path(), "m");
  std::optional<std::string> name;
  std::string err;
  EXPECT_FALSE(st.ReadName("default", &name, &err));
  EXPECT_NE(err.find("does not hold an image name"), std::string::npos) << err;
}

TEST(State, BootLogIsNewestFirstAndSkipsAPartialLine) {
  TempDir d;
  MachineState st(d.path(), "m");
  std::string err;
  ASSERT_TRUE(st.Lock(&err));
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(st.AppendBootLog("t" + std::to_string(i) + " img 10.0.2.15", &err));
  std::vector<std::string> lines;
  ASSERT_TRUE(st.ReadBootLog(3, &lines, &err));
  EXPECT_EQ(lines, (std::vector<std::string>{"t5 img 10.0.2.15", "t4 img 10.0.2.15", "t3 img 10.0.2.15"}));
  std::ofstream(st.dir() + "/booted", std::ios::app) << "t6 partial";
  ASSERT_TRUE(st.ReadBootLog(100, &lines, &err));
  EXPECT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "t5 img 10.0.2.15");
  MachineState fresh(d.path(), "other");
  ASSERT_TRUE(fresh.ReadBootLog(10, &lines, &err));
  EXPECT_TRUE(lines.empty());
}

TEST(State, ListsMachines) {
  TempDir d;
  std::vector<std::string> machines;
  std::string err;
  ASSERT_TRUE(ListMachines(d.path(), &machines, &err));
  EXPECT_TRUE(machines.empty());
  d.Write("machines/b/default", "x");
  d.Write("machines/a/once", "x");
  d.Write("machines/.hidden/x", "x");
  ASSERT_TRUE(ListMachines(d.path(), &machines, &err));
  EXPECT_EQ(machines, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace kb
