// Step 3: the network: the Ethernet interface that answers, configured by DHCP or
// statically.
#pragma once

#include <cstdint>
#include <string_view>

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

// Waits (bounded) for the Ethernet interfaces (iface: kbisect.if=, a name or a
// MAC; else ip.device; else all), brings them up, waits for their links, then
// on each with a link in turn (by name) runs DHCP (with retries and backoff)
// until one gets a lease, or applies the static configuration to the first.
// Says what it did or why it failed.
bool SetUpNetwork(const IpConfig& ip, std::string_view iface, NetConfig* out);

// Takes every interface but lo down, as an OS does before a kexec: the drivers
// stop their queues while the device still answers, instead of meeting traffic
// (or a command of their own in flight) during the kernel's device shutdown. A
// stage-1 kernel was seen stalling there before "kexec_core: Starting new kernel",
// 2 kexecs in 121 on a loaded host, with a virtio-net queue error (Debian 6.1).
// Best effort: an interface that will not go down is left as it is.
void TakeDownNetwork();


}  // namespace kb
