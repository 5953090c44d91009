// DHCP replies from whatever answers on the lab network.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/dhcp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  kb::DhcpLease lease;
  if (!kb::ParseDhcpReply(std::span<const uint8_t>(data, size), mac, 0x1234abcd, &lease)) {
    if (lease.host_name[kb::kDhcpMaxHostName] != '\0') __builtin_trap();
    if (lease.type != kb::kDhcpNak && lease.server_id == 0) __builtin_trap();
  }
  return 0;
}
