#include "common/dhcp.h"

#include "common/url.h"

namespace kb {
namespace {

constexpr size_t kFixed = 236;  // BOOTP header before the magic cookie
constexpr uint8_t kCookie[4] = {99, 130, 83, 99};

void Put32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

uint32_t Get32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

}  // namespace

void BuildDhcpPacket(DhcpType type, const uint8_t mac[6], uint32_t xid, uint16_t secs, uint32_t requested,
                     uint32_t server_id, std::span<uint8_t, kDhcpPacketSize> out) {
  for (uint8_t& b : out) b = 0;
  uint8_t* p = out.data();
  p[0] = 1;  // BOOTREQUEST
  p[1] = 1;  // Ethernet
  p[2] = 6;
  Put32(p + 4, xid);
  p[8] = uint8_t(secs >> 8);
  p[9] = uint8_t(secs);
  p[10] = 0x80;  // broadcast: we have no address to receive unicast on yet
  for (int i = 0; i < 6; ++i) p[28 + i] = mac[i];
  for (int i = 0; i < 4; ++i) p[kFixed + i] = kCookie[i];
  uint8_t* o = p + kFixed + 4;
  *o++ = 53;
  *o++ = 1;
  *o++ = type;
  if (type == kDhcpRequest) {
    *o++ = 50;
    *o++ = 4;
    Put32(o, requested);
    o += 4;
    *o++ = 54;
    *o++ = 4;
    Put32(o, server_id);
    o += 4;
  }
  static constexpr uint8_t kParams[] = {55, 5, 1, 3, 6, 12, 51};  // mask, router, dns, host name, lease
  for (uint8_t b : kParams) *o++ = b;
  static constexpr char kClass[] = "kbisect";
  *o++ = 60;
  *o++ = sizeof kClass - 1;
  for (size_t i = 0; i + 1 < sizeof kClass; ++i) *o++ = uint8_t(kClass[i]);
  *o++ = 255;
}

Error ParseDhcpReply(std::span<const uint8_t> packet, const uint8_t mac[6], uint32_t xid, DhcpLease* out) {
  const uint8_t* p = packet.data();
  size_t n = packet.size();
  if (n < kFixed + 4) return "DHCP reply is shorter than its fixed part";
  if (p[0] != 2) return "not a DHCP reply (op)";
  if (p[1] != 1 || p[2] != 6) return "DHCP reply is not for Ethernet";
  if (Get32(p + 4) != xid) return "DHCP reply is for another transaction";
  for (int i = 0; i < 6; ++i)
    if (p[28 + i] != mac[i]) return "DHCP reply is for another hardware address";
  for (int i = 0; i < 4; ++i)
    if (p[kFixed + i] != kCookie[i]) return "DHCP reply has no magic cookie";
  DhcpLease lease;
  lease.address = Get32(p + 16);
  bool ended = false;
  for (size_t i = kFixed + 4; i < n;) {
    uint8_t code = p[i++];
    if (code == 0) continue;
    if (code == 255) {
      ended = true;
      break;
    }
    if (i >= n) return "DHCP option without its length";
    uint8_t len = p[i++];
    if (len > n - i) return "DHCP option runs past the packet";
    const uint8_t* v = p + i;
    i += len;
    auto need = [&](size_t want) { return len >= want && len % want == 0; };
    switch (code) {
      case 53:
        if (len != 1) return "DHCP message type has a bad length";
        lease.type = v[0];
        break;
      case 54:
        if (len != 4) return "DHCP server id has a bad length";
        lease.server_id = Get32(v);
        break;
      case 1:
        if (len != 4) return "DHCP netmask has a bad length";
        lease.netmask = Get32(v);
        break;
      case 3:
        if (!need(4)) return "DHCP router option has a bad length";
        lease.router = Get32(v);
        break;
      case 6:
        if (!need(4)) return "DHCP DNS option has a bad length";
        lease.dns[0] = Get32(v);
        if (len >= 8) lease.dns[1] = Get32(v + 4);
        break;
      case 51:
        if (len != 4) return "DHCP lease time has a bad length";
        lease.lease_seconds = Get32(v);
        break;
      case 12: {
        std::string_view name(reinterpret_cast<const char*>(v), len);
        while (!name.empty() && name.back() == '\0') name.remove_suffix(1);
        if (name.size() <= kDhcpMaxHostName && CheckHostName(name) == nullptr) {
          for (size_t k = 0; k < name.size(); ++k) lease.host_name[k] = name[k];
          lease.host_name[name.size()] = '\0';
        }
        break;
      }
      default:
        break;
    }
  }
  if (!ended) return "DHCP options have no end";
  if (lease.type != kDhcpOffer && lease.type != kDhcpAck && lease.type != kDhcpNak)
    return "DHCP reply is not an OFFER, ACK or NAK";
  if (lease.type != kDhcpNak) {
    if (lease.address == 0 || lease.address == 0xffffffffu) return "DHCP reply offers no address";
    if (lease.server_id == 0) return "DHCP reply has no server id";
    uint32_t inv = ~lease.netmask;
    if (lease.netmask != 0 && (inv & (inv + 1)) != 0) return "DHCP netmask is not contiguous";
  }
  *out = lease;
  return nullptr;
}

}  // namespace kb
