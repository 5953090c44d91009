#include "init/net.h"

#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/dhcp.h"
#include "common/fd.h"
#include "init/clock.h"
#include "init/console.h"
#include "init/files.h"

namespace kb {
namespace {

constexpr int64_t kInterfaceWaitMs = 15000;
constexpr int64_t kLinkWaitMs = 10000;
constexpr int kDiscoverTries = 4;  // waits of 1, 2, 4 and 8 s

bool ReadSysNet(const char* ifname, const char* file, char* buf, size_t size, size_t* len) {
  char path[128];
  return JoinPath(path, {"/sys/class/net/", ifname, "/", file}) && ReadFile(path, std::span(buf, size), len) == 0;
}

// Calls f(name) for each network interface but lo (names that fit an ifreq);
// false when /sys/class/net cannot be read.
template <typename F>
bool EachInterface(F f) {
  DIR* d = opendir("/sys/class/net");
  if (!d) return false;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name[0] != '.' && name != "lo" && name.size() < IFNAMSIZ) f(e->d_name);
  }
  closedir(d);
  return true;
}

constexpr size_t kMaxInterfaces = 8;

// Whether interface `name` is the one `wanted` names: its name, or its MAC
// address (aa:bb:cc:dd:ee:ff, either case); empty takes any.
bool Wanted(const char* name, std::string_view wanted) {
  if (wanted.empty()) return true;
  if (wanted.size() != 17 || wanted[2] != ':') return name == wanted;
  char mac[32];
  size_t len = 0;
  if (!ReadSysNet(name, "address", mac, sizeof mac, &len) || len < 17) return false;
  for (size_t i = 0; i < 17; ++i) {
    char a = mac[i], b = wanted[i];
    if (a >= 'A' && a <= 'Z') a = char(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = char(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

// The Ethernet interfaces (type 1) that `wanted` takes, by name (eth0 before
// eth1), at most kMaxInterfaces; their number.
size_t FindInterfaces(std::string_view wanted, char (*names)[IFNAMSIZ]) {
  size_t n = 0;
  EachInterface([&](const char* name) {
    char type[8];
    size_t len = 0;
    if (!ReadSysNet(name, "type", type, sizeof type, &len) || len < 1 || type[0] != '1' ||
        (len > 1 && type[1] != '\n') || !Wanted(name, wanted) || n == kMaxInterfaces)
      return;
    size_t at = n++;
    while (at > 0 && strcmp(name, names[at - 1]) < 0) {
      strcpy(names[at], names[at - 1]);
      --at;
    }
    strcpy(names[at], name);
  });
  return n;
}

bool HasCarrier(const char* name) {
  char carrier[8];
  size_t len = 0;
  return ReadSysNet(name, "carrier", carrier, sizeof carrier, &len) && len > 0 && carrier[0] == '1';
}

int Ioctl(int fd, unsigned long req, void* arg, const char* what, const char* ifname) {
  if (ioctl(fd, req, arg) == 0) return 0;
  SayFailure("network", ifname, what, errno);
  return -1;
}

sockaddr_in Sin(uint32_t addr, uint16_t port = 0) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_addr.s_addr = htonl(addr);
  s.sin_port = htons(port);
  return s;
}

// Brings the interface up (and lo) and reads its MAC address.
bool BringUp(int fd, NetConfig* c) {
  ifreq r{};
  strncpy(r.ifr_name, c->ifname, IFNAMSIZ - 1);
  if (Ioctl(fd, SIOCGIFHWADDR, &r, "SIOCGIFHWADDR", c->ifname)) return false;
  memcpy(c->mac, r.ifr_hwaddr.sa_data, 6);
  if (Ioctl(fd, SIOCGIFFLAGS, &r, "SIOCGIFFLAGS", c->ifname)) return false;
  r.ifr_flags |= IFF_UP;
  if (Ioctl(fd, SIOCSIFFLAGS, &r, "SIOCSIFFLAGS", c->ifname)) return false;
  ifreq lo{};
  strcpy(lo.ifr_name, "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &lo) == 0) {
    lo.ifr_flags |= IFF_UP;
    ioctl(fd, SIOCSIFFLAGS, &lo);
  }
  return true;
}

bool Apply(int fd, const NetConfig& c) {
  ifreq r{};
  strncpy(r.ifr_name, c.ifname, IFNAMSIZ - 1);
  sockaddr_in a = Sin(c.address);
  memcpy(&r.ifr_addr, &a, sizeof a);
  if (Ioctl(fd, SIOCSIFADDR, &r, "SIOCSIFADDR", c.ifname)) return false;
  sockaddr_in m = Sin(c.netmask);
  memcpy(&r.ifr_netmask, &m, sizeof m);
  if (Ioctl(fd, SIOCSIFNETMASK, &r, "SIOCSIFNETMASK", c.ifname)) return false;
  if (c.gateway == 0) return true;
  rtentry rt{};
  sockaddr_in zero = Sin(0), gw = Sin(c.gateway);
  memcpy(&rt.rt_dst, &zero, sizeof zero);
  memcpy(&rt.rt_genmask, &zero, sizeof zero);
  memcpy(&rt.rt_gateway, &gw, sizeof gw);
  rt.rt_flags = RTF_UP | RTF_GATEWAY;
  char dev[IFNAMSIZ];
  strcpy(dev, c.ifname);
  rt.rt_dev = dev;
  if (ioctl(fd, SIOCADDRT, &rt) != 0 && errno != EEXIST) {
    SayFailure("network", "default route", "SIOCADDRT", errno);
    return false;
  }
  return true;
}

// Waits up to `ms` for a reply of `type` to xid; NAKs end the wait.
bool Await(int fd, const NetConfig& c, uint32_t xid, uint8_t type, int64_t ms, DhcpLease* lease) {
  Deadline d(ms);
  while (!d.Passed()) {
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, int(d.LeftMs()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    uint8_t buf[1500];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) continue;
    DhcpLease l;
    if (ParseDhcpReply(std::span<const uint8_t>(buf, size_t(n)), c.mac, xid, &l) != nullptr) continue;
    if (l.type == kDhcpNak || l.type == type) {
      *lease = l;
      return l.type == type;
    }
  }
  return false;
}

bool Dhcp(NetConfig* c) {
  Fd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const int fd = sock.get();
  if (!sock) {
    SayFailure("dhcp", "socket", "socket", errno);
    return false;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->ifname, socklen_t(strlen(c->ifname))) != 0) {
    SayFailure("dhcp", c->ifname, "SO_BINDTODEVICE", errno);
    return false;
  }
  sockaddr_in local = Sin(0, 68);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    SayFailure("dhcp", "port 68", "bind", errno);
    return false;
  }
  uint32_t xid;
  if (getrandom(&xid, sizeof xid, GRND_NONBLOCK) != sizeof xid)
    xid = uint32_t(NowMs()) ^ (uint32_t(c->mac[2]) << 24 | uint32_t(c->mac[3]) << 16 | c->mac[4] << 8 | c->mac[5]);
  sockaddr_in server = Sin(0xffffffffu, 67);
  int64_t start = NowMs();
  std::array<uint8_t, kDhcpPacketSize> pkt;
  DhcpLease offer, ack;
  bool got = false;
  for (int attempt = 0; attempt < kDiscoverTries && !got; ++attempt) {
    uint16_t secs = uint16_t((NowMs() - start) / 1000);
    BuildDhcpPacket(kDhcpDiscover, c->mac, xid, secs, 0, 0, pkt);
    if (sendto(fd, pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&server), sizeof server) < 0) {
      SayFailure("dhcp", "DISCOVER", "sendto", errno);
      SleepMs(1000 << attempt);
      continue;
    }
    if (!Await(fd, *c, xid, kDhcpOffer, 1000 << attempt, &offer)) continue;
    for (int r = 0; r < 2 && !got; ++r) {
      BuildDhcpPacket(kDhcpRequest, c->mac, xid, secs, offer.address, offer.server_id, pkt);
      sendto(fd, pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&server), sizeof server);
      got = Await(fd, *c, xid, kDhcpAck, 2000, &ack);
      if (!got && ack.type == kDhcpNak) break;
    }
  }
  sock.Close();
  if (!got) {
    Say({"kbisect: dhcp: no answer on ", c->ifname, " after 4 tries in 15 s"});
    return false;
  }
  c->address = ack.address;
  c->netmask = ack.netmask ? ack.netmask : 0xffffff00u;
  c->gateway = ack.router;
  c->dns[0] = ack.dns[0];
  c->dns[1] = ack.dns[1];
  strcpy(c->host_name, ack.host_name);
  char ms[24], srv[16];
  Say({"kbisect: dhcp: lease from ", FormatIpv4(ack.server_id, srv), " in ",
       FormatUnsigned(static_cast<unsigned long>(NowMs() - start), ms), " ms"});
  return true;
}

}  // namespace

void TakeDownNetwork() {
  Fd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return;
  EachInterface([&](const char* name) {
    ifreq r{};
    strcpy(r.ifr_name, name);
    if (ioctl(sock.get(), SIOCGIFFLAGS, &r) != 0 || !(r.ifr_flags & IFF_UP)) return;
    r.ifr_flags &= ~IFF_UP;
    ioctl(sock.get(), SIOCSIFFLAGS, &r);
  });
}

bool SetUpNetwork(const IpConfig& ip, std::string_view iface, NetConfig* out) {
  // Which interfaces: kbisect.if= (a name or a MAC), else ip='s device, else
  // every Ethernet one (a server's first port is often not the cabled one).
  const std::string_view wanted = !iface.empty() ? iface : ip.device;
  char names[kMaxInterfaces][IFNAMSIZ];
  size_t n = 0;
  Deadline appear(kInterfaceWaitMs);
  while ((n = FindInterfaces(wanted, names)) == 0) {
    if (appear.Passed()) {
      Say({"kbisect: network: no Ethernet interface", wanted.empty() ? "" : " ", wanted,
           " after 15 s (missing driver module? kbisect-mkinitramfs --nics)"});
      return false;
    }
    SleepMs(100);
  }
  Fd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const int fd = sock.get();
  if (!sock) {
    SayFailure("network", "socket", "socket", errno);
    return false;
  }
  NetConfig all[kMaxInterfaces];
  bool up[kMaxInterfaces] = {};
  for (size_t i = 0; i < n; ++i) {
    strcpy(all[i].ifname, names[i]);
    up[i] = BringUp(fd, &all[i]);
  }
  // The links: until every interface has one, or 10 s; once one has, 3 s more
  // for the others (a switch port negotiating).
  Deadline link(kLinkWaitMs);
  int64_t first_link = -1;
  for (;;) {
    size_t linked = 0;
    for (size_t i = 0; i < n; ++i) linked += up[i] && HasCarrier(all[i].ifname);
    if (linked == n || link.Passed() || (first_link >= 0 && NowMs() - first_link > 3000)) break;
    if (linked > 0 && first_link < 0) first_link = NowMs();
    SleepMs(100);
  }
  bool ok = false;
  NetConfig c;
  char tried[kMaxInterfaces * (IFNAMSIZ + 2)] = "";
  for (size_t i = 0; i < n && !ok; ++i) {
    if (!up[i] || !HasCarrier(all[i].ifname)) {
      Say({"kbisect: network: ", all[i].ifname, ": no link (cable, switch port?)"});
      continue;
    }
    c = all[i];
    if (ip.dhcp) {
      ok = Dhcp(&c);
      if (!ok) {
        if (tried[0]) strcat(tried, ", ");
        strcat(tried, c.ifname);
      }
    } else {
      c.address = ip.client;
      c.netmask = ip.netmask;
      c.gateway = ip.gateway;
      c.dns[0] = ip.dns0;
      c.dns[1] = ip.dns1;
      size_t len = ip.hostname.size() < sizeof c.host_name - 1 ? ip.hostname.size() : sizeof c.host_name - 1;
      memcpy(c.host_name, ip.hostname.data(), len);
      ok = true;
    }
  }
  if (!ok) {
    if (tried[0]) Say({"kbisect: network: no DHCP answer on ", tried});
    return false;
  }
  ok = Apply(fd, c);
  sock.Close();
  if (!ok) return false;
  char a[16], g[16], bits[24];
  Say({"kbisect: network: ", c.ifname, " ", FormatIpv4(c.address, a), "/",
       FormatUnsigned(static_cast<unsigned long>(__builtin_popcount(c.netmask)), bits), c.gateway ? " via " : "",
       c.gateway ? FormatIpv4(c.gateway, g) : "", ip.dhcp ? " (DHCP)" : " (static)"});
  *out = c;
  return true;
}

}  // namespace kb
