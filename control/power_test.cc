#include "control/power.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "common/fd.h"
#include "common/fileio.h"
#include "common/test_temp_dir.h"
#include "control/test_http_server.h"

namespace kb {
namespace {

// A switch whose answers the test sets; it records the verbs it was asked.
class FakePower : public Power {
 public:
  bool can_status = true, can_cycle = true, can_onoff = true, fails = false;
  PowerState state = PowerState::kOn;
  std::string calls;
  bool Can(PowerVerb v) const override {
    return v == PowerVerb::kStatus ? can_status : v == PowerVerb::kCycle ? can_cycle : can_onoff;
  }
  bool On(std::string* why) override { return Do("on ", PowerState::kOn, why); }
  bool Off(std::string* why) override { return Do("off ", PowerState::kOff, why); }
  bool Cycle(std::string* why) override { return Do("cycle ", PowerState::kOn, why); }
  bool Status(PowerState* s, std::string* why) override {
    calls += "status ";
    if (fails) return *why = "no answer", false;
    *s = state;
    return true;
  }
  std::string Name() const override { return "the fake switch"; }

 private:
  bool Do(const char* verb, PowerState after, std::string* why) {
    calls += verb;
    if (fails) return *why = "no answer", false;
    state = after;
    return true;
  }
};

TEST(PowerCycleOrOn, AnOffMachineIsSwitchedOnNotCycled) {
  FakePower p;
  p.state = PowerState::kOff;
  std::string why;
  EXPECT_TRUE(PowerCycleOrOn(p, &why));
  EXPECT_EQ(p.calls, "status on ");
}

TEST(PowerCycleOrOn, AnOnMachineIsCycled) {
  FakePower p;
  std::string why;
  EXPECT_TRUE(PowerCycleOrOn(p, &why));
  EXPECT_EQ(p.calls, "status cycle ");
}

TEST(PowerCycleOrOn, WithoutStatusItCycles) {
  FakePower p;
  p.can_status = false;
  std::string why;
  EXPECT_TRUE(PowerCycleOrOn(p, &why));
  EXPECT_EQ(p.calls, "cycle ");
}

TEST(PowerCycleOrOn, WithoutCycleItSwitchesOffThenOn) {
  FakePower p;
  p.can_status = p.can_cycle = false;
  std::string why;
  EXPECT_TRUE(PowerCycleOrOn(p, &why));
  EXPECT_EQ(p.calls, "off on ");
}

TEST(PowerCycleOrOn, ASwitchThatCannotCycleOrFailsSaysWhy) {
  FakePower p;
  p.can_status = p.can_cycle = p.can_onoff = false;
  std::string why;
  EXPECT_FALSE(PowerCycleOrOn(p, &why));
  EXPECT_EQ(why, "the fake switch cannot power-cycle the machine");
  FakePower q;
  q.fails = true;
  EXPECT_FALSE(PowerCycleOrOn(q, &why));
  EXPECT_EQ(q.calls, "status ") << "a status that fails is not guessed past";
  EXPECT_EQ(why, "no answer");
}

// A runner that runs nothing: it keeps the command and answers `rc`.
class FakeRunner : public Runner {
 public:
  int rc = 0;
  std::vector<Command> ran;
  int Run(const Command& c, std::string* err) override {
    ran.push_back(c);
    if (rc == -1) *err = "no such shell";
    return rc;
  }
};

TEST(OpenPower, ACommandCanOnlyCycleAndSaysHowItFailed) {
  FakeRunner r;
  std::string why;
  auto p = OpenPower(PowerTarget{"ipmitool -H %m-bmc power cycle", "m1", "", 7, 5, &r, ""}, &why);
  ASSERT_TRUE(p) << why;
  EXPECT_TRUE(p->Can(PowerVerb::kCycle));
  EXPECT_FALSE(p->Can(PowerVerb::kOn));
  EXPECT_FALSE(p->Can(PowerVerb::kStatus));
  EXPECT_TRUE(p->Cycle(&why));
  ASSERT_EQ(r.ran.size(), 1u);
  EXPECT_EQ(r.ran[0].argv, (std::vector<std::string>{"bash", "-c", "ipmitool -H %m-bmc power cycle"}));
  EXPECT_EQ(r.ran[0].env, (std::vector<std::string>{"KBISECT_MACHINE=m1"}));
  EXPECT_EQ(r.ran[0].timeout, 7);
  EXPECT_EQ(r.ran[0].log_fd, 5);
  r.rc = 124;
  EXPECT_FALSE(p->Cycle(&why));
  EXPECT_EQ(why, "the power command 'ipmitool -H %m-bmc power cycle': it did not finish in 7 s");
  r.rc = -1;
  EXPECT_FALSE(p->Cycle(&why));
  EXPECT_EQ(why, "the power command 'ipmitool -H %m-bmc power cycle': cannot run it: no such shell");
  EXPECT_FALSE(p->On(&why));
  EXPECT_EQ(why, "the power command 'ipmitool -H %m-bmc power cycle' can only power-cycle, not power on");
  EXPECT_EQ(r.ran.size(), 3u) << "on runs nothing";
}

TEST(OpenPower, RefusesWhatNoBackendTakes) {
  std::string why;
  EXPECT_FALSE(OpenPower(PowerTarget{"", "m1", "", 7, 2, nullptr, ""}, &why));
  EXPECT_EQ(why, "no --power given");
  EXPECT_FALSE(OpenPower(PowerTarget{"qmp:", "m1", "", 7, 2, nullptr, ""}, &why));
  EXPECT_EQ(why, "--power qmp:SOCKET: the socket's path is missing");
  EXPECT_NE(PowerUsage().find("qmp:SOCKET"), std::string::npos);
}

// QEMU's side of QMP on a unix socket, as QEMU 7.2 answers: a greeting, then one
// reply a command; stop/cont/system_reset change what query-status says. It
// records the commands and serves `connections` clients, one at a time.
class FakeQemu {
 public:
  explicit FakeQemu(const std::string& path, int connections, bool refuse_reset = false)
      : path_(path), refuse_reset_(refuse_reset) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    EXPECT_EQ(bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_.get(), 4), 0);
    thread_ = std::thread([this, connections] {
      for (int i = 0; i < connections; ++i) Serve(Fd(accept(fd_.get(), nullptr, nullptr)));
    });
  }
  ~FakeQemu() { thread_.join(); }
  std::atomic<bool> running{true};
  std::string commands;

 private:
  void Serve(Fd c) {
    if (!c) return;
    WriteAll(c.get(), "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7}}, \"capabilities\": [\"oob\"]}}\r\n");
    std::string in;
    char buf[1024];
    for (ssize_t n; (n = read(c.get(), buf, sizeof buf)) > 0;) {
      in.append(buf, size_t(n));
      for (size_t nl; (nl = in.find('\n')) != std::string::npos; in.erase(0, nl + 1)) {
        std::string line = in.substr(0, nl);
        size_t at = line.find("\"execute\":\"") + 11;
        std::string cmd = line.substr(at, line.find('"', at) - at);
        commands += cmd + " ";
        std::string reply = "{\"return\": {}}\r\n";
        if (cmd == "stop") running = false;
        if (cmd == "cont") running = true;
        if (cmd == "system_reset" && refuse_reset_)
          reply = "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}\r\n";
        else if (cmd == "system_reset")
          WriteAll(c.get(), "{\"timestamp\": {\"seconds\": 1}, \"event\": \"RESET\"}\r\n");
        if (cmd == "query-status")
          reply = std::string("{\"return\": {\"status\": \"") + (running ? "running" : "paused") +
                  "\", \"singlestep\": false, \"running\": " + (running ? "true" : "false") + "}}\r\n";
        WriteAll(c.get(), reply);
      }
    }
  }
  std::string path_;
  bool refuse_reset_;
  Fd fd_{socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  std::thread thread_;
};

TEST(QmpPower, StatusOffOnAndCycleAsQemuDoesThem) {
  TempDir d;
  const std::string sock = d.path() + "/m.qmp";
  std::string why;
  auto p = OpenPower(PowerTarget{"qmp:" + sock, "m1", "", 10, 2, nullptr, ""}, &why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->Name(), "QMP " + sock);
  PowerState s;
  {
    FakeQemu q(sock, 6);
    ASSERT_TRUE(p->Status(&s, &why)) << why;
    EXPECT_EQ(s, PowerState::kOn);
    ASSERT_TRUE(p->Off(&why)) << why;
    ASSERT_TRUE(p->Status(&s, &why)) << why;
    EXPECT_EQ(s, PowerState::kOff);
    ASSERT_TRUE(PowerCycleOrOn(*p, &why)) << why;  // status, then on: status, reset and cont
    EXPECT_TRUE(q.running);
  }
  // Each connection starts with qmp_capabilities; events between replies are skipped.
  unlink(sock.c_str());
  {
    FakeQemu q(sock, 1);
    ASSERT_TRUE(p->Cycle(&why)) << why;
    EXPECT_EQ(q.commands, "qmp_capabilities system_reset cont ");
  }
}

TEST(QmpPower, ARefusalAndAMissingQemuAreSaid) {
  TempDir d;
  const std::string sock = d.path() + "/m.qmp";
  std::string why;
  auto p = OpenPower(PowerTarget{"qmp:" + sock, "m1", "", 10, 2, nullptr, ""}, &why);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->Cycle(&why));
  EXPECT_EQ(why, "cannot connect to " + sock + ": No such file or directory");
  {
    FakeQemu q(sock, 1, /*refuse_reset=*/true);
    EXPECT_FALSE(p->Cycle(&why));
    EXPECT_EQ(q.commands, "qmp_capabilities system_reset ") << "nothing after the refusal";
  }
  EXPECT_EQ(why, "QMP on " + sock + " refused system_reset: {\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}\r");
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

// ipmitool as a BMC answers through it: each call's output and exit status in
// turn; the commands it was given kept.
class FakeIpmitool : public Runner {
 public:
  std::vector<std::pair<int, std::string>> answers;
  std::vector<Command> ran;
  int Run(const Command& c, std::string*) override {
    ran.push_back(c);
    auto [rc, out] = answers.at(ran.size() - 1);
    if (c.capture) *c.capture = out;
    return rc;
  }
};

struct Secret {
  TempDir d;
  std::string path = d.Write("bmc.pass", "s3cret\n");
  Secret() { chmod(path.c_str(), 0600); }
};

TEST(IpmiPower, DrivesTheChassisThroughIpmitoolWithThePasswordInAFile) {
  Secret s;
  FakeIpmitool r;
  std::string why;
  auto p = OpenPower(PowerTarget{"ipmi://admin@bmc-m1.lab:6230", "m1", s.path, 20, 4, &r, ""}, &why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->Name(), "IPMI admin@bmc-m1.lab:6230");
  r.answers = {{0, "Unable to Get Channel Cipher Suites\nChassis Power is off\n"}, {0, "Chassis Power Control: Up/On\n"}};
  ASSERT_TRUE(PowerCycleOrOn(*p, &why)) << why;
  ASSERT_EQ(r.ran.size(), 2u) << "an off chassis is switched on, not cycled";
  EXPECT_EQ(r.ran[0].argv, (std::vector<std::string>{"ipmitool", "-I", "lanplus", "-H", "bmc-m1.lab", "-p", "6230", "-U",
                                                     "admin", "-f", s.path, "-N", "2", "-R", "2", "chassis", "power",
                                                     "status"}));
  EXPECT_EQ(r.ran[1].argv.back(), "on");
  EXPECT_EQ(r.ran[1].timeout, 20);
  for (const Command& c : r.ran)
    for (const std::string& a : c.argv) EXPECT_EQ(a.find("s3cret"), std::string::npos) << "never on a command line";
  r.answers.push_back({0, "Chassis Power is on\n"});
  r.answers.push_back({0, "Chassis Power Control: Cycle\n"});
  ASSERT_TRUE(PowerCycleOrOn(*p, &why)) << why;
  EXPECT_EQ(r.ran.back().argv.back(), "cycle");
  // A BMC that does not say its cipher suites (ipmitool then waits 10 s a call): -C N.
  auto c3 = OpenPower(PowerTarget{"ipmi://admin@bmc-m1.lab:6230?cipher=3", "m1", s.path, 20, 4, &r, ""}, &why);
  ASSERT_TRUE(c3) << why;
  r.answers.push_back({0, "Chassis Power Control: Up/On\n"});
  ASSERT_TRUE(c3->On(&why)) << why;
  EXPECT_EQ(r.ran.back().argv, (std::vector<std::string>{"ipmitool", "-I", "lanplus", "-H", "bmc-m1.lab", "-p", "6230",
                                                         "-U", "admin", "-f", s.path, "-N", "2", "-R", "2", "-C", "3",
                                                         "chassis", "power", "on"}));
}

TEST(IpmiPower, ABmcThatRefusesOrDoesNotAnswerIsSaidInItsWords) {
  Secret s;
  FakeIpmitool r;
  std::string why;
  auto p = OpenPower(PowerTarget{"ipmi://admin@10.0.0.7", "m1", s.path, 20, 4, &r, ""}, &why);
  ASSERT_TRUE(p) << why;
  r.answers = {{1, "Error: Unable to establish IPMI v2 / RMCP+ session\n"},
               {1, "Set Chassis Power Control to Cycle failed: Command not supported in present state\n"},
               {124, ""},
               {0, "Chassis Power is sideways\n"}};
  EXPECT_FALSE(p->On(&why));
  EXPECT_EQ(why, "IPMI admin@10.0.0.7:623: chassis power on: Error: Unable to establish IPMI v2 / RMCP+ session");
  EXPECT_FALSE(p->Cycle(&why));
  EXPECT_EQ(why, "IPMI admin@10.0.0.7:623: chassis power cycle: Set Chassis Power Control to Cycle failed: "
                 "Command not supported in present state");
  EXPECT_FALSE(p->Off(&why));
  EXPECT_EQ(why, "IPMI admin@10.0.0.7:623: chassis power off: it did not finish in 20 s");
  PowerState st;
  EXPECT_FALSE(p->Status(&st, &why));
  EXPECT_EQ(why, "IPMI admin@10.0.0.7:623: chassis power status: no state in its answer: Chassis Power is sideways");
}

TEST(IpmiPower, RefusesABadAddressAndASecretOthersCanRead) {
  Secret s;
  std::string why;
  auto open = [&](const std::string& spec, const std::string& secret) {
    return OpenPower(PowerTarget{spec, "m1", secret, 20, 4, nullptr, ""}, &why) != nullptr;
  };
  EXPECT_TRUE(open("ipmi://root@[fe80::1]:623", s.path)) << why;
  EXPECT_TRUE(open("ipmi://root@fe80::1", s.path)) << why;
  EXPECT_TRUE(open("ipmi://root@bmc?cipher=17", s.path)) << why;
  struct {
    std::string spec, why;
  } bad[] = {
      {"ipmi://bmc.lab", "--power ipmi://USER@HOST[:PORT][?cipher=N]: the BMC's user is missing ('ipmi://bmc.lab')"},
      {"ipmi://root@bmc:0", "--power ipmi://USER@HOST[:PORT][?cipher=N]: bad port '0'"},
      {"ipmi://root@bmc:x", "--power ipmi://USER@HOST[:PORT][?cipher=N]: bad port 'x'"},
      {"ipmi://root@-oProxy", "--power ipmi://USER@HOST[:PORT][?cipher=N]: bad host '-oProxy'"},
      {"ipmi://-E@bmc", "--power ipmi://USER@HOST[:PORT][?cipher=N]: bad user '-E'"},
      {"ipmi://root@bmc?cipher=x", "--power ipmi://USER@HOST[:PORT][?cipher=N]: the query is ?cipher=N (ipmitool -C N), not '?cipher=x'"},
      {"ipmi://root@bmc?timeout=3", "--power ipmi://USER@HOST[:PORT][?cipher=N]: the query is ?cipher=N (ipmitool -C N), not '?timeout=3'"},
      {"ipmi://root@bmc;reboot", "--power ipmi://USER@HOST[:PORT][?cipher=N]: bad host 'bmc;reboot'"},
  };
  for (const auto& b : bad) {
    EXPECT_FALSE(open(b.spec, s.path)) << b.spec;
    EXPECT_EQ(why, b.why);
  }
  EXPECT_FALSE(open("ipmi://root@bmc", ""));
  EXPECT_EQ(why, "no --power-secret FILE (the password's file)");
  EXPECT_FALSE(open("ipmi://root@bmc", s.d.path() + "/none"));
  EXPECT_EQ(why, "--power-secret " + s.d.path() + "/none: No such file or directory");
  chmod(s.path.c_str(), 0644);
  EXPECT_FALSE(open("ipmi://root@bmc", s.path));
  EXPECT_EQ(why, "--power-secret " + s.path + ": others may read or change it (mode 644): chmod 600 it");
  EXPECT_FALSE(open("ipmi://root@bmc", s.d.path()));
  EXPECT_EQ(why, "--power-secret " + s.d.path() + ": not a regular file");
}

// A Redfish BMC (tests/lab/redfish-bmc is the whole one, in the lab tests):
// here one answer for every request, and what the backend sent.
const char kSystem[] = R"({"PowerState": "On", "Actions": {"#ComputerSystem.Reset": {
  "target": "/redfish/v1/Systems/S1/Actions/ComputerSystem.Reset",
  "ResetType@Redfish.AllowableValues": ["On", "ForceOff", "ForceRestart", "PowerCycle"]}}})";

TEST(RedfishPower, ResetsThroughTheSystemsActionWithBasicAuth) {
  Secret s;
  OneShot bmc(Answer(200, kSystem), 4);
  std::string why;
  const std::string port = std::to_string(std::stoi(bmc.Url().substr(17)));
  auto p = OpenPower(PowerTarget{"redfish+http://root@127.0.0.1:" + port + "/redfish/v1/Systems/S1/", "m1", s.path,
                                 10, 2, nullptr, ""},
                     &why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->Name(), "Redfish root@http://127.0.0.1:" + port + "/redfish/v1/Systems/S1");
  PowerState st;
  ASSERT_TRUE(p->Status(&st, &why)) << why;
  EXPECT_EQ(st, PowerState::kOn);
  ASSERT_TRUE(p->Cycle(&why)) << why;
  std::vector<std::string> req = bmc.Requests();
  ASSERT_EQ(req.size(), 3u);
  EXPECT_EQ(req[0].substr(0, req[0].find('\r')), "GET /redfish/v1/Systems/S1 HTTP/1.1");
  // root:s3cret, the secret file's first line.
  EXPECT_NE(req[0].find("Authorization: Basic cm9vdDpzM2NyZXQ=\r\n"), std::string::npos) << req[0];
  EXPECT_EQ(req[2].substr(0, req[2].find('\r')), "POST /redfish/v1/Systems/S1/Actions/ComputerSystem.Reset HTTP/1.1");
  EXPECT_NE(req[2].find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_EQ(req[2].substr(req[2].find("\r\n\r\n") + 4), R"({"ResetType": "PowerCycle"})");
}

TEST(RedfishPower, ARefusalIsSaidInTheBmcsWords) {
  Secret s;
  OneShot bmc(Answer(401, R"({"error": {"code": "Base.1.16.InsufficientPrivilege", "message": "Unauthorized"}})"));
  std::string why;
  const std::string port = std::to_string(std::stoi(bmc.Url().substr(17)));
  auto p = OpenPower(
      PowerTarget{"redfish+http://root@127.0.0.1:" + port + "/redfish/v1/Systems/S1", "m1", s.path, 10, 2, nullptr, ""},
      &why);
  ASSERT_TRUE(p) << why;
  EXPECT_FALSE(p->On(&why));
  EXPECT_EQ(why, "Redfish root@http://127.0.0.1:" + port +
                     "/redfish/v1/Systems/S1: GET /redfish/v1/Systems/S1: the BMC answered 401: wrong user or "
                     "password (Unauthorized)");
}

TEST(RedfishPower, RefusesABadAddressOrPath) {
  Secret s;
  std::string why;
  auto open = [&](const std::string& spec) {
    return OpenPower(PowerTarget{spec, "m1", s.path, 20, 4, nullptr, ""}, &why) != nullptr;
  };
  EXPECT_TRUE(open("redfish://root@idrac-m1.lab/redfish/v1/Systems/System.Embedded.1")) << why;
  EXPECT_TRUE(open("redfish://root@[fd00::7]:8443/redfish/v1/Systems/1")) << why;
  const std::string form = "--power redfish://USER@HOST[:PORT]/redfish/v1/Systems/ID";
  struct {
    std::string spec, why;
  } bad[] = {
      {"redfish://root@bmc", form + ": the system's path is missing ('redfish://root@bmc')"},
      {"redfish://bmc/redfish/v1/Systems/1", form + ": the BMC's user is missing ('redfish://bmc/redfish/v1/Systems/1')"},
      {"redfish://root@bmc/redfish/v1/Chassis/1", form + ": the path '/redfish/v1/Chassis/1' is not /redfish/v1/Systems/ID"},
      {"redfish://root@bmc/redfish/v1/Systems/", form + ": the path '/redfish/v1/Systems' is not /redfish/v1/Systems/ID"},
      {"redfish://root@bmc/redfish/v1/Systems/../Managers/1",
       form + ": the path '/redfish/v1/Systems/../Managers/1' is not /redfish/v1/Systems/ID"},
      {"redfish://root@bmc:99999/redfish/v1/Systems/1", form + ": bad port '99999'"},
  };
  for (const auto& b : bad) {
    EXPECT_FALSE(open(b.spec)) << b.spec;
    EXPECT_EQ(why, b.why);
  }
  TempDir d;
  std::string empty = d.Write("empty.pass", "\n");
  chmod(empty.c_str(), 0600);
  EXPECT_FALSE(OpenPower(PowerTarget{"redfish://root@bmc/redfish/v1/Systems/1", "m1", empty, 20, 4, nullptr, ""}, &why));
  EXPECT_EQ(why, "--power-secret " + empty + ": empty (the password is its first line)");
}

TEST(PduPower, AsksPdudaemonForTheOutletsVerbs) {
  OneShot pdud(Answer(200, "OK - accepted request\n"), 3);
  const std::string port = std::to_string(std::stoi(pdud.Url().substr(17)));
  std::string why;
  auto p = OpenPower(PowerTarget{"pdu://127.0.0.1:" + port + "/apc-rack2/7", "m1", "", 10, 2, nullptr, ""}, &why);
  ASSERT_TRUE(p) << why;
  EXPECT_FALSE(p->Can(PowerVerb::kStatus)) << "pdudaemon cannot tell an outlet's state";
  ASSERT_TRUE(p->On(&why)) << why;
  ASSERT_TRUE(p->Off(&why)) << why;
  ASSERT_TRUE(PowerCycleOrOn(*p, &why)) << why;
  std::vector<std::string> req = pdud.Requests();
  ASSERT_EQ(req.size(), 3u);
  EXPECT_EQ(req[0].substr(0, req[0].find('\r')), "GET /power/control/on?hostname=apc-rack2&port=7 HTTP/1.1");
  EXPECT_EQ(req[1].substr(0, req[1].find('\r')), "GET /power/control/off?hostname=apc-rack2&port=7 HTTP/1.1");
  EXPECT_EQ(req[2].substr(0, req[2].find('\r')), "GET /power/control/reboot?hostname=apc-rack2&port=7 HTTP/1.1");
}

TEST(PduPower, APduPdudaemonDoesNotKnowIsARefusalThatSaysSo) {
  OneShot pdud(Answer(500, "Invalid request\n"));
  const std::string port = std::to_string(std::stoi(pdud.Url().substr(17)));
  std::string why;
  auto p = OpenPower(PowerTarget{"pdu://127.0.0.1:" + port + "/apc9/7", "m1", "", 10, 2, nullptr, ""}, &why);
  ASSERT_TRUE(p) << why;
  EXPECT_FALSE(p->Cycle(&why));
  EXPECT_EQ(why, "PDU apc9 port 7 (pdudaemon http://127.0.0.1:" + port +
                     "): reboot: pdudaemon answered 500: Invalid request (is PDU apc9 with port 7 in pdudaemon's "
                     "configuration?)");
}

TEST(PduPower, RefusesABadForm) {
  std::string why;
  const std::string form = "--power pdu://HOST[:PORT]/PDU/PORT";
  struct {
    std::string spec, why;
  } bad[] = {
      {"pdu://pdud", form + ": the PDU and its port are missing ('pdu://pdud')"},
      {"pdu://pdud/apc1", form + ": the PDU and its port are missing ('pdu://pdud/apc1')"},
      {"pdu://pdud/apc1/x", form + ": the port is an outlet's number, not 'x'"},
      {"pdu://pdud/a&b/1", form + ": bad PDU name 'a&b'"},
      {"pdu://admin@pdud/apc1/1", form + ": pdudaemon takes no user ('admin@')"},
  };
  for (const auto& b : bad) {
    EXPECT_FALSE(OpenPower(PowerTarget{b.spec, "m1", "", 20, 4, nullptr, ""}, &why)) << b.spec;
    EXPECT_EQ(why, b.why);
  }
  EXPECT_TRUE(OpenPower(PowerTarget{"pdu://pdud.lab/apc1/12", "m1", "", 20, 4, nullptr, ""}, &why)) << why;
}

}  // namespace
}  // namespace kb
