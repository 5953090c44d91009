#include "control/console.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "common/fd.h"
#include "common/fileio.h"
#include "common/test_temp_dir.h"

namespace kb {
namespace {

TEST(FileConsole, ReadsTheFileAsItGrowsFromAnyOffset) {
  TempDir d;
  const std::string path = d.path() + "/m1.console";
  std::string why;
  auto c = OpenConsole(ConsoleTarget{path, "m1", "", "", "", true}, &why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(c->Path(), path);
  EXPECT_EQ(c->Name(), "the console file " + path);
  EXPECT_EQ(c->Size(), 0u) << "not there yet: an empty console";
  EXPECT_EQ(c->Read(0), "");
  d.Write("m1.console", "kbisect: kexec into x\n");
  EXPECT_EQ(c->Size(), 22u);
  { std::ofstream(path, std::ios::app) << "Linux version 6.1\n"; }
  EXPECT_EQ(c->Read(22), "Linux version 6.1\n");
  EXPECT_EQ(c->Read(1000), "") << "past the end: nothing";
}

TEST(FileConsole, AtMostOneMebibyteARead) {
  TempDir d;
  const std::string path = d.Write("big", std::string((3 << 20) / 2, 'x'));
  std::string why;
  auto c = OpenConsole(ConsoleTarget{path, "m1", "", "", "", true}, &why);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->Read(0).size(), size_t(1) << 20);
  EXPECT_EQ(c->Read(1 << 20).size(), size_t(1) << 19);
}

TEST(OpenConsole, NothingGivenIsRefused) {
  std::string why;
  EXPECT_FALSE(OpenConsole(ConsoleTarget{"", "m1", "", "", "", true}, &why));
  EXPECT_EQ(why, "no --console given");
  EXPECT_NE(ConsoleUsage().find("FILE"), std::string::npos);
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

// Polls until the console has `want` (at most 10 s).
bool Has(Console& c, const std::string& want) {
  for (int i = 0; i < 200; ++i) {
    if (c.Read(0).find(want) != std::string::npos) return true;
    usleep(50000);
  }
  return false;
}

// A serial port on TCP (as ser2net serves one): each connection gets the next
// text, then the server hangs up (a console that drops).
class SerialServer {
 public:
  explicit SerialServer(std::vector<std::string> texts) : texts_(std::move(texts)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_.get(), 4), 0);
    getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (const std::string& t : texts_) {
        Fd c(accept(fd_.get(), nullptr, nullptr));
        if (!c) return;
        WriteAll(c.get(), t);
      }
    });
  }
  ~SerialServer() {
    shutdown(fd_.get(), SHUT_RDWR);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::vector<std::string> texts_;
  Fd fd_{socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  int port_ = 0;
  std::thread thread_;
};

TEST(TcpConsole, CapturesTheStreamAndReconnectsWhenItDrops) {
  TempDir d;
  SerialServer serial({"kbisect: kexec into img\n", "Linux version 6.1\n"});
  std::string why;
  const std::string spec = "tcp:127.0.0.1:" + std::to_string(serial.port()), capture = d.path() + "/m1.console";
  auto c = OpenConsole(ConsoleTarget{spec, "m1", capture, "", "", true}, &why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(c->Path(), capture);
  EXPECT_EQ(c->Name(), spec);
  ASSERT_TRUE(Has(*c, "Linux version 6.1\n")) << c->Read(0);
  EXPECT_EQ(c->Read(0), "kbisect: kexec into img\nLinux version 6.1\n") << "both connections, in order";
  for (int i = 0; i < 40 && c->LastDropAt() != 42u; ++i) usleep(50000);
  EXPECT_EQ(c->LastDropAt(), 42u) << "the last connection ended after all 42 bytes";
  EXPECT_EQ(c->Size(), 42u);
  std::string text;
  ReadSmallFile(capture, &text);
  EXPECT_EQ(text, c->Read(0)) << "the capture is the file the test command sees";
}

// ser2net's refusals (another client has the port; the device cannot be opened)
// come as the stream's bytes: they are not the machine's, and it is tried again.
TEST(TcpConsole, AConsoleServersRefusalIsNotTheMachinesOutput) {
  TempDir d;
  SerialServer serial({"Port already in use\r\n", "Device open failure: Value or file not found\r\n",
                       "Linux version 6.1\n"});
  std::string why;
  const std::string spec = "tcp:127.0.0.1:" + std::to_string(serial.port());
  auto c = OpenConsole(ConsoleTarget{spec, "m1", d.path() + "/m1.console", "", "", true}, &why);
  ASSERT_TRUE(c) << why;
  for (int i = 0; i < 40 && c->Problem().empty(); ++i) usleep(50000);
  EXPECT_EQ(c->Problem(), spec + " refused: Port already in use");
  ASSERT_TRUE(Has(*c, "Linux version 6.1\n")) << c->Read(0);
  EXPECT_EQ(c->Read(0), "Linux version 6.1\n") << "only the machine's bytes";
  EXPECT_EQ(c->Problem(), "");
}

TEST(TcpConsole, NobodyListeningYetIsAnEmptyConsoleThatComesLater) {
  TempDir d;
  std::string why;
  // A port nothing listens on: the console opens (the server may come later) and is empty.
  Fd probe(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(probe.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(probe.get(), reinterpret_cast<sockaddr*>(&a), &len);
  auto c = OpenConsole(ConsoleTarget{"tcp:127.0.0.1:" + std::to_string(ntohs(a.sin_port)), "m1", d.path() + "/c", "",
                                     "", true},
                       &why);
  ASSERT_TRUE(c) << why;
  usleep(300000);
  EXPECT_EQ(c->Size(), 0u);
  // Why, for the lab fault's message.
  EXPECT_EQ(c->Problem(), "cannot open it: tcp:127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + ": Connection refused");
}

TEST(CommandConsole, CapturesTheCommandsOutputAndRunsItAgain) {
  TempDir d;
  std::string why;
  auto c = OpenConsole(ConsoleTarget{"command:echo sol; echo err >&2", "m1", d.path() + "/c", "", "", true}, &why);
  ASSERT_TRUE(c) << why;
  ASSERT_TRUE(Has(*c, "sol\nerr\nsol\n")) << c->Read(0) << " (run again after it ended)";
}

TEST(OpenConsole, StreamFormsAreCheckedWithoutStartingAnything) {
  TempDir d;
  std::string why;
  struct {
    std::string spec, why;
  } bad[] = {
      {"tcp:host", "--console tcp:HOST:PORT: not 'tcp:host'"},
      {"tcp::23", "--console tcp:HOST:PORT: not 'tcp::23'"},
      {"tcp:h:99999", "--console tcp:HOST:PORT: not 'tcp:h:99999'"},
      {"command:", "--console command:CMD: the command is missing"},
  };
  for (const auto& b : bad) {
    EXPECT_FALSE(OpenConsole(ConsoleTarget{b.spec, "m1", d.path() + "/c", "", "", false}, &why)) << b.spec;
    EXPECT_EQ(why, b.why);
  }
  EXPECT_TRUE(OpenConsole(ConsoleTarget{"command:touch " + d.path() + "/ran", "m1", d.path() + "/c", "", "", false}, &why));
  usleep(200000);
  EXPECT_TRUE(TempDir::Entries(d.path()).empty()) << "a check runs nothing and writes nothing";
  EXPECT_FALSE(OpenConsole(ConsoleTarget{d.path() + "/no/such/dir/../x", "m1", "", "", "", true}, &why) == nullptr)
      << "a file console that is not there yet is an empty one";
  EXPECT_FALSE(OpenConsole(ConsoleTarget{"tcp:127.0.0.1:9", "m1", d.path() + "/no/c", "", "", true}, &why));
  EXPECT_EQ(why, "tcp:127.0.0.1:9: cannot write its capture " + d.path() + "/no/c: No such file or directory");
}

}  // namespace
}  // namespace kb
