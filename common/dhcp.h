// DHCPv4 packets (RFC 2131, 2132) for the stage-1 init: DISCOVER and REQUEST out,
// OFFER, ACK and NAK in. Pure: the caller owns the buffers and the socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

inline constexpr size_t kDhcpPacketSize = 300;  // what we send; replies may be longer
inline constexpr size_t kDhcpMaxHostName = 63;

enum DhcpType : uint8_t { kDhcpDiscover = 1, kDhcpOffer = 2, kDhcpRequest = 3, kDhcpAck = 5, kDhcpNak = 6 };

struct DhcpLease {
  uint8_t type = 0;              // kDhcpOffer, kDhcpAck or kDhcpNak
  uint32_t address = 0;          // yiaddr; all addresses in host byte order
  uint32_t server_id = 0;        // option 54
  uint32_t netmask = 0;          // option 1 (0 when absent)
  uint32_t router = 0;           // option 3, the first
  uint32_t dns[2] = {0, 0};      // option 6, the first two
  uint32_t lease_seconds = 0;    // option 51
  char host_name[kDhcpMaxHostName + 1] = {};  // option 12, NUL-terminated, checked
};

// A DISCOVER (server_id == 0) or a REQUEST for `requested` from `server_id`, from
// the interface with hardware address `mac`, asking for broadcast replies. `secs`
// is the time since the client began. Writes kDhcpPacketSize bytes.
void BuildDhcpPacket(DhcpType type, const uint8_t mac[6], uint32_t xid, uint16_t secs, uint32_t requested,
                     uint32_t server_id, std::span<uint8_t, kDhcpPacketSize> out);

// Parses a server's reply meant for us (op 2, Ethernet, our xid and mac). Fails
// for anything else or anything malformed: truncated, bad option lengths, no
// message type, an OFFER or ACK without an address or server id, a host name that
// is not a valid host name (it is then dropped, not an error: *out is filled).
Error ParseDhcpReply(std::span<const uint8_t> packet, const uint8_t mac[6], uint32_t xid, DhcpLease* out);

}  // namespace kb
