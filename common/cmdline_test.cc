#include "common/cmdline.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kb {
namespace {

std::vector<std::string> Split(std::string_view line, Error* err) {
  std::vector<std::string> out;
  CmdlineParam p;
  *err = nullptr;
  while (NextParam(&line, &p, err))
    out.push_back(std::string(p.key) + (p.has_value ? "=[" + std::string(p.value) + "]" : ""));
  return out;
}

TEST(NextParam, SplitsLikeTheKernel) {
  struct Case {
    std::string line;
    std::vector<std::string> params;
  };
  const Case kCases[] = {
      {"", {}},
      {"   ", {}},
      {"quiet", {"quiet"}},
      {"a=1  b=2\tc", {"a=[1]", "b=[2]", "c"}},
      {"k=", {"k=[]"}},
      {"kbisect.append=\"console=ttyS0 quiet\" x", {"kbisect.append=[console=ttyS0 quiet]", "x"}},
      {"\"k=v w\" z", {"k=[v w]", "z"}},
      {"k=a\"b c\"d", {"k=[a\"b c\"d]"}},
      {"a==b", {"a=[=b]"}},
      {"k=\"\"", {"k=[]"}},
  };
  for (const Case& c : kCases) {
    Error err;
    EXPECT_EQ(Split(c.line, &err), c.params) << c.line;
    EXPECT_EQ(err, nullptr) << c.line;
  }
}

TEST(NextParam, RejectsAnUnterminatedQuote) {
  for (std::string line : {"a \"b c", "k=\"v", "\"", "x k=a\"b"}) {
    Error err;
    Split(line, &err);
    ASSERT_NE(err, nullptr) << line;
    EXPECT_STREQ(err, "unterminated quote");
  }
}

TEST(Ipv4, ParsesAndRejects) {
  uint32_t a;
  ASSERT_EQ(ParseIpv4("10.0.2.15", &a), nullptr);
  EXPECT_EQ(a, 0x0a00020fu);
  ASSERT_EQ(ParseIpv4("255.255.255.0", &a), nullptr);
  EXPECT_EQ(a, 0xffffff00u);
  for (std::string bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4 ", "01234.1.1.1", "a.b.c.d", "-1.2.3.4"})
    EXPECT_NE(ParseIpv4(bad, &a), nullptr) << bad;
}

TEST(IpConfig, ParsesDhcpAndStatic) {
  IpConfig ip;
  ASSERT_EQ(ParseIpConfig("dhcp", &ip), nullptr);
  EXPECT_TRUE(ip.dhcp);
  ASSERT_EQ(ParseIpConfig("10.0.2.15::10.0.2.2:255.255.255.0:lab1:eth0:off:10.0.2.3", &ip), nullptr);
  EXPECT_FALSE(ip.dhcp);
  EXPECT_EQ(ip.client, 0x0a00020fu);
  EXPECT_EQ(ip.server, 0u);
  EXPECT_EQ(ip.gateway, 0x0a000202u);
  EXPECT_EQ(ip.netmask, 0xffffff00u);
  EXPECT_EQ(ip.hostname, "lab1");
  EXPECT_EQ(ip.device, "eth0");
  EXPECT_EQ(ip.dns0, 0x0a000203u);
  ASSERT_EQ(ParseIpConfig("192.168.1.9:::255.255.0.0", &ip), nullptr);
  EXPECT_EQ(ip.netmask, 0xffff0000u);
}

TEST(IpConfig, RejectsBadValuesWithAReason) {
  const std::pair<std::string, std::string> kCases[] = {
      {"", "no client"},
      {"on", "client address"},
      {"::::", "no client"},
      {"10.0.2.15", "no netmask"},
      {"10.0.2.15:::255.0.255.0", "not contiguous"},
      {"10.0.2.15:::0.0.0.0", "not contiguous"},
      {"10.0.2.15:x::255.255.255.0", "server address"},
      {"10.0.2.15::1.2.3:255.255.255.0", "gateway"},
      {"10.0.2.15:::255.255.255.0:bad_host", "host name"},
      {"10.0.2.15:::255.255.255.0::eth/0", "device"},
      {"10.0.2.15:::255.255.255.0::" + std::string(16, 'e'), "device name is longer"},
      {"10.0.2.15:::255.255.255.0:::dhcp", "autoconf"},
      {"10.0.2.15:::255.255.255.0::::x", "dns0"},
      {"10.0.2.15:::255.255.255.0:::::x", "dns1"},
      {"1.2.3.4:::255.255.255.0::::::", "more than 9"},
  };
  for (const auto& [in, part] : kCases) {
    IpConfig ip;
    Error e = ParseIpConfig(in, &ip);
    ASSERT_NE(e, nullptr) << in;
    EXPECT_NE(std::string(e).find(part), std::string::npos) << in << ": " << e;
  }
}

TEST(ModuleList, AcceptsAndRejects) {
  EXPECT_EQ(CheckModuleList(""), nullptr);
  EXPECT_EQ(CheckModuleList("virtio_net,nfsv4,e1000e"), nullptr);
  std::string many;
  for (int i = 0; i < 33; ++i) many += (i ? ",m" : "m") + std::to_string(i);
  const std::pair<std::string, std::string> kCases[] = {
      {",a", "empty name"}, {"a,", "empty name"}, {"a,,b", "empty name"},
      {"../x", "outside"},  {"a b", "outside"},   {std::string(56, 'm'), "longer than 55"},
      {many, "more than 32"},
  };
  for (const auto& [in, part] : kCases) {
    Error e = CheckModuleList(in);
    ASSERT_NE(e, nullptr) << in;
    EXPECT_NE(std::string(e).find(part), std::string::npos) << in << ": " << e;
  }
}

TEST(Config, ReadsEveryKey) {
  std::string line =
      "BOOT_IMAGE=/vmlinuz root=/dev/sda1 kbisect.server=http://10.0.2.2:8080/kbisect "
      "kbisect.machine=lab-1 kbisect.timeout=0 kbisect.nfs=10.0.2.2:/export "
      "kbisect.append=\"console=ttyS0 kbisect.fake=1\" kbisect.ip=10.0.2.15:::255.255.255.0 "
      "kbisect.modules=virtio_net,nfsv4 kbisect.arch=i386 quiet";
  Config c;
  ConfigError errors[4];
  ASSERT_EQ(ParseConfig(line, &c, errors), 0u) << errors[0].param << ": " << errors[0].reason;
  EXPECT_EQ(c.server, "http://10.0.2.2:8080/kbisect");
  EXPECT_EQ(c.server_url.port, 8080);
  EXPECT_EQ(c.machine, "lab-1");
  EXPECT_EQ(c.timeout, 0u);
  EXPECT_EQ(c.nfs_host, "10.0.2.2");
  EXPECT_EQ(c.nfs_export, "/export");
  EXPECT_EQ(c.nfs_options, "");
  EXPECT_TRUE(c.has_append);
  EXPECT_EQ(c.append, "console=ttyS0 kbisect.fake=1");
  EXPECT_FALSE(c.ip.dhcp);
  EXPECT_TRUE(c.has_modules);
  EXPECT_EQ(c.modules, "virtio_net,nfsv4");
  EXPECT_EQ(c.arch, "i386");
}

TEST(Config, ArchIsX86_64OrI386) {
  Config c;
  ConfigError errors[2];
  for (std::string arch : {"x86_64", "i386"}) {
    std::string line = "kbisect.server=http://s kbisect.arch=" + arch;  // c's views point into it
    ASSERT_EQ(ParseConfig(line, &c, errors), 0u) << arch;
    EXPECT_EQ(c.arch, arch);
  }
  for (std::string bad : {"", "amd64", "i686", "X86_64", "x86_64 ", "arm64", "i386,x86_64"}) {
    std::string line = "kbisect.server=http://s \"kbisect.arch=" + bad + "\"";
    ASSERT_EQ(ParseConfig(line, &c, errors), 1u) << bad;
    EXPECT_EQ(errors[0].param, "kbisect.arch") << bad;
    EXPECT_STREQ(errors[0].reason, "arch is not one kbisect builds (common/arches.def)") << bad;
    EXPECT_EQ(c.arch, "") << bad;
  }
}

TEST(Config, KexecIsAutoOrLoad) {
  Config c;
  ConfigError errors[2];
  ASSERT_EQ(ParseConfig("kbisect.server=http://s", &c, errors), 0u);
  EXPECT_FALSE(c.kexec_load) << "auto by default";
  ASSERT_EQ(ParseConfig("kbisect.server=http://s kbisect.kexec=load", &c, errors), 0u);
  EXPECT_TRUE(c.kexec_load);
  ASSERT_EQ(ParseConfig("kbisect.server=http://s kbisect.kexec=auto", &c, errors), 0u);
  EXPECT_FALSE(c.kexec_load);
  for (std::string bad : {"", "file", "LOAD", "load "}) {
    std::string line = "kbisect.server=http://s \"kbisect.kexec=" + bad + "\"";
    ASSERT_EQ(ParseConfig(line, &c, errors), 1u) << bad;
    EXPECT_EQ(errors[0].param, "kbisect.kexec") << bad;
    EXPECT_STREQ(errors[0].reason, "kexec is auto or load") << bad;
    EXPECT_FALSE(c.kexec_load) << bad;
  }
}

TEST(Config, InterfaceIsANameOrAMac) {
  Config c;
  ConfigError errors[4];
  ASSERT_EQ(ParseConfig("kbisect.server=http://s kbisect.if=enp3s0f1", &c, errors), 0u);
  EXPECT_EQ(c.iface, "enp3s0f1");
  ASSERT_EQ(ParseConfig("kbisect.server=http://s kbisect.if=52:54:00:AB:cd:01", &c, errors), 0u);
  EXPECT_EQ(c.iface, "52:54:00:AB:cd:01");
  for (std::string bad : {"eth0;reboot", "a-name-of-16-chr", "52:54:00:ab:cd:0g", "52:54:00:ab:cd"}) {
    Config d;
    std::string line = "kbisect.server=http://s kbisect.if=" + bad;
    EXPECT_EQ(ParseConfig(line, &d, errors), 1u) << bad;
    EXPECT_TRUE(d.iface.empty()) << bad;
  }
}

TEST(Config, NfsTakesMountOptionsAfterTheExport) {
  Config c;
  ConfigError errors[2];
  ASSERT_EQ(ParseConfig("kbisect.server=http://s kbisect.nfs=10.0.2.2:/srv/images,vers=3,port=2049", &c, errors), 0u)
      << errors[0].reason;
  EXPECT_EQ(c.nfs_export, "/srv/images");
  EXPECT_EQ(c.nfs_options, "vers=3,port=2049");
  const std::pair<std::string, std::string> kBad[] = {
      {"10.0.2.2:/x,", "empty after ','"},
      {"10.0.2.2:/x,vers=3;rm", "outside [A-Za-z0-9=,._-]"},
      {"10.0.2.2:/x," + std::string(257, 'a'), "longer than 256"},
      {"10.0.2.2:x", "does not start with '/'"},
      {"10.0.2.2:/a\x01b", "space or control"},
  };
  for (const auto& [v, part] : kBad) {
    ASSERT_EQ(ParseConfig("kbisect.server=http://s kbisect.nfs=" + v, &c, errors), 1u) << v;
    EXPECT_NE(std::string(errors[0].reason).find(part), std::string::npos) << v << ": " << errors[0].reason;
  }
}

TEST(Config, DefaultsFromTheDesign) {
  Config c;
  ConfigError errors[1];
  ASSERT_EQ(ParseConfig("kbisect.server=https://k", &c, errors), 0u);
  EXPECT_TRUE(c.server_url.tls);
  EXPECT_EQ(c.machine, "");
  EXPECT_EQ(c.timeout, 2u);
  EXPECT_EQ(c.nfs_host, "");
  EXPECT_FALSE(c.has_append);
  EXPECT_TRUE(c.ip.dhcp);
  EXPECT_FALSE(c.has_modules);
  EXPECT_EQ(c.arch, "");
}

TEST(Config, ReportsEveryBadParameterAndKeepsTheGoodOnes) {
  std::string line =
      "kbisect.server=http://s/k kbisect.timeout=abc kbisect.machine=../x kbisect.speed=9 "
      "kbisect.nfs=nohost kbisect.timeout=3 kbisect.ip kbisect.append=\"a\x01\" "
      "kbisect.modules=a,,b kbisect.machine=ok";
  Config c;
  ConfigError errors[16];
  size_t n = ParseConfig(line, &c, errors);
  const std::pair<std::string, std::string> kWant[] = {
      {"kbisect.timeout", "timeout is not a number"},
      {"kbisect.machine", "starts with '.'"},
      {"kbisect.speed", "unknown kbisect parameter"},
      {"kbisect.nfs", "HOST:/EXPORT"},
      {"kbisect.timeout", "more than once"},
      {"kbisect.ip", "no value"},
      {"kbisect.append", "control byte"},
      {"kbisect.modules", "empty name"},
      {"kbisect.machine", "more than once"},
  };
  ASSERT_EQ(n, std::size(kWant));
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(errors[i].param, kWant[i].first) << i;
    EXPECT_NE(std::string(errors[i].reason).find(kWant[i].second), std::string::npos)
        << i << ": " << errors[i].reason;
  }
  EXPECT_EQ(c.server, "http://s/k");
  EXPECT_EQ(c.timeout, 2u);
  EXPECT_EQ(c.machine, "");
}

TEST(Config, MissingServerAndBadQuotingAreErrors) {
  Config c;
  ConfigError errors[4];
  ASSERT_EQ(ParseConfig("quiet", &c, errors), 1u);
  EXPECT_EQ(errors[0].param, "kbisect.server");
  EXPECT_NE(std::string(errors[0].reason).find("missing"), std::string::npos);

  ASSERT_EQ(ParseConfig("kbisect.server=http://s kbisect.append=\"open", &c, errors), 1u);
  EXPECT_STREQ(errors[0].reason, "unterminated quote");
  EXPECT_EQ(c.server, "http://s");

  ASSERT_EQ(ParseConfig("kbisect.server=gopher://s", &c, errors), 1u);
  EXPECT_EQ(errors[0].param, "kbisect.server");

  // More errors than room: all are counted, the first ones kept.
  ConfigError one[1];
  EXPECT_EQ(ParseConfig("kbisect.a=1 kbisect.b=2", &c, one), 3u);
  EXPECT_EQ(one[0].param, "kbisect.a");
}

}  // namespace
}  // namespace kb
