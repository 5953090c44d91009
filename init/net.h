// Step 3: the network. One Ethernet interface, configured by DHCP or statically.
#pragma once

#include <cstdint>

#include "common/cmdline.h"

#include "common/text.h"

namespace kb {

struct NetConfig {
  char ifname[16] = {};
  uint8_t mac[6] = {};
  uint32_t address = 0, netmask = 0, gateway = 0;  // host byte order
  uint32_t dns[2] = {0, 0};
  char host_name[64] = {};  // from DHCP or ip=, may be empty
};

// Waits (bounded) for the interface (ip.device, else the first Ethernet one),
// brings it up, waits for its link, then runs DHCP (with retries and backoff) or
// applies the static configuration. Says what it did or why it failed.
bool SetUpNetwork(const IpConfig& ip, NetConfig* out);


}  // namespace kb
