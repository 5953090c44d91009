#include "control/lab.h"

#include <gtest/gtest.h>

#include "control/test_http_server.h"

namespace kb {
namespace {

const char kLab[] = R"(# the lab
server = http://kbisect.lab/kbisect
[r650-1]
power = ipmi://kbisect@r650-1-bmc.lab
power-secret = /etc/kbisect/secrets/r650-1.pass
console = ipmi-sol
tags = x86 dell, nvme
description = Dell R650
[dl360-2]
power = redfish://kbisect@dl360-2-ilo.lab/redfish/v1/Systems/1
power-secret = /etc/kbisect/secrets/dl360-2.pass
console = tcp:consoles.lab:7002
tags = x86
[old-atom]
power = pdu://pdu.lab/apc1/7
console = tcp:consoles.lab:7003
arch = i386
tags = atom
)";

TEST(Lab, ReadsTheLabsServerAndEachMachinesProfile) {
  Lab lab;
  std::string why;
  ASSERT_TRUE(ParseLab("lab.ini", kLab, &lab, &why)) << why;
  EXPECT_EQ(lab.server, "http://kbisect.lab/kbisect");
  ASSERT_EQ(lab.machines.size(), 3u);
  const LabMachine* m = lab.Find("r650-1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tags, (std::vector<std::string>{"x86", "dell", "nvme"}));
  EXPECT_EQ(m->description, "Dell R650");
  EXPECT_EQ(m->options.size(), 3u);
  EXPECT_EQ(lab.Find("old-atom")->arch, "i386");
  EXPECT_FALSE(lab.Find("m9"));
}

TEST(Lab, ABadLineIsRefusedWithItsLineAndWhy) {
  struct {
    std::string text, why;
  } bad[] = {
      {"[m1]\npower-timeout = 5\n",
       "lab.ini:2: [m1] power-timeout: unknown key (a machine's: power, power-secret, power-ca, test, console, "
       "reboot, arch, tags, description)"},
      {"[m1]\narch = sparc\n", "lab.ini:2: [m1] arch: arch is one of x86_64, i386, not 'sparc'"},
      {"[m1]\n[m1]\n", "lab.ini:2: [m1]: machine m1 twice"},
      {"[../etc]\n", "lab.ini:1: [../etc]: bad machine name: [A-Za-z0-9._-], 1 to 64 characters, not starting with '.'"},
      {"power = x\n", "lab.ini:1: [] power: unknown key 'power' (before the machines' sections: server)"},
      {"[m1]\ntags = ok b@d\n", "lab.ini:2: [m1] tags: bad tag 'b@d': [A-Za-z0-9._-]"},
      {"[m1]\npower = a\npower = b\n", "lab.ini:3: [m1] power: given twice"},
  };
  for (const auto& b : bad) {
    Lab lab;
    std::string why;
    EXPECT_FALSE(ParseLab("lab.ini", b.text, &lab, &why)) << b.text;
    EXPECT_EQ(why, b.why);
    EXPECT_TRUE(lab.machines.empty()) << "nothing half-read";
  }
}

TEST(Lab, AProfileFillsWhatTheOptionsDoNotSay) {
  Lab lab;
  std::string why;
  ASSERT_TRUE(ParseLab("lab.ini", kLab, &lab, &why)) << why;
  Options o;
  o.machines = {"r650-1", "dl360-2"};
  o.machine = "r650-1";
  o.pass = "login:";
  o.console = "/var/log/consoles/%m.log";  // given: wins over the profiles
  ASSERT_TRUE(ApplyLab(lab, true, &o, &why)) << why;
  EXPECT_EQ(o.server, "http://kbisect.lab/kbisect");
  Options a = MachineOptions(o, "r650-1"), b = MachineOptions(o, "dl360-2");
  EXPECT_EQ(a.power, "ipmi://kbisect@r650-1-bmc.lab");
  EXPECT_EQ(a.power_secret, "/etc/kbisect/secrets/r650-1.pass");
  EXPECT_EQ(a.console, "/var/log/consoles/r650-1.log");
  EXPECT_EQ(b.power, "redfish://kbisect@dl360-2-ilo.lab/redfish/v1/Systems/1");
  EXPECT_EQ(b.console, "/var/log/consoles/dl360-2.log");
  EXPECT_EQ(MissingOptions(o, false), "step tests on one machine: give one --machine");
  o.machines = {"r650-1"};
  EXPECT_EQ(MissingOptions(o, false), "");
}

TEST(Lab, APoolIsATagsMachinesAndTakesTheirArch) {
  Lab lab;
  std::string why;
  ASSERT_TRUE(ParseLab("lab.ini", kLab, &lab, &why)) << why;
  Options o;
  o.pool = "x86";
  ASSERT_TRUE(ApplyLab(lab, true, &o, &why)) << why;
  EXPECT_EQ(o.machines, (std::vector<std::string>{"r650-1", "dl360-2"}));
  EXPECT_EQ(o.arch, "x86_64");
  Options atom;
  atom.pool = "atom";
  ASSERT_TRUE(ApplyLab(lab, true, &atom, &why)) << why;
  EXPECT_EQ(atom.arch, "i386") << "the profile's arch, --arch not given";
  Options given;
  given.machines = {"old-atom"};
  given.arch = "x86_64";
  given.arch_given = true;
  ASSERT_TRUE(ApplyLab(lab, true, &given, &why)) << why;
  EXPECT_EQ(given.arch, "x86_64") << "--arch wins";
}

TEST(Lab, WhatTheLabCannotGiveIsSaid) {
  Lab lab;
  std::string why;
  ASSERT_TRUE(ParseLab("lab.ini", kLab, &lab, &why)) << why;
  Options o;
  o.pool = "arm";
  EXPECT_FALSE(ApplyLab(lab, true, &o, &why));
  EXPECT_EQ(why, "--pool arm: no machine of lab.ini has that tag");
  Options mixed;
  mixed.machines = {"r650-1", "old-atom"};
  mixed.profiles.clear();
  Lab with_arch = lab;
  const_cast<LabMachine*>(with_arch.Find("r650-1"))->arch = "x86_64";
  EXPECT_FALSE(ApplyLab(with_arch, true, &mixed, &why));
  EXPECT_EQ(why, "the pool's machines are of different arches (x86_64, i386): one run boots images of one");
  Options unknown;
  unknown.machines = {"m9"};
  EXPECT_FALSE(ApplyLab(lab, true, &unknown, &why));
  EXPECT_EQ(why, "machine m9 is not in the lab file lab.ini");
  // The default lab file, not given: a machine it does not know is today's.
  EXPECT_TRUE(ApplyLab(lab, false, &unknown, &why)) << why;
  Options both;
  both.pool = "x86";
  both.machines = {"m1"};
  EXPECT_FALSE(ApplyLab(lab, true, &both, &why));
  EXPECT_EQ(why, "--pool TAG and --machine: give one");
  // A machine whose profile has no power, and none given.
  Options bare;
  bare.machines = {"r650-1"};
  bare.test = "true";
  Lab thin;
  ASSERT_TRUE(ParseLab("lab.ini", "[r650-1]\nconsole = tcp:c:1\n", &thin, &why)) << why;
  ASSERT_TRUE(ApplyLab(thin, true, &bare, &why)) << why;
  EXPECT_EQ(MissingOptions(bare, false),
            "--power CMD is required (how to power-cycle the machine) for machine r650-1 (not in its lab profile "
            "either)");
}

TEST(Lab, TheDefaultFileMayBeAbsentAGivenOneMayNot) {
  Lab lab;
  std::string why;
  EXPECT_TRUE(ReadLab("/nonexistent/lab.ini", false, &lab, &why)) << why;
  EXPECT_TRUE(lab.machines.empty());
  EXPECT_FALSE(ReadLab("/nonexistent/lab.ini", true, &lab, &why));
  EXPECT_EQ(why, "the lab file: cannot open /nonexistent/lab.ini: No such file or directory");
}

// The kernel server may serve the lab file beside its CGI.
TEST(Lab, ALabFileMayBeServedOverHttp) {
  OneShot served(Answer(200, kLab));
  Lab lab;
  std::string why;
  ASSERT_TRUE(ReadLab(served.Url() + "lab.ini", true, &lab, &why)) << why;
  EXPECT_EQ(lab.machines.size(), 3u);
  EXPECT_EQ(lab.source, served.Url() + "lab.ini");
  OneShot missing(Answer(404, "not found"));
  EXPECT_FALSE(ReadLab(missing.Url() + "lab.ini", true, &lab, &why));
  EXPECT_EQ(why, "the lab file " + missing.Url() + "lab.ini: the server answered 404");
}

}  // namespace
}  // namespace kb
