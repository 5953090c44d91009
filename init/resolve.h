// Host names to IPv4 addresses: dotted literals as they are, names through DNS.
#pragma once

#include <cstdint>
#include <string_view>

#include "init/net.h"

namespace kb {

// Resolves `host` with the DNS servers of `net` (DHCP or ip=), 3 rounds over
// them with waits of 1, 2 and 4 s. False (said, under `step`) on failure.
bool Resolve(std::string_view step, std::string_view host, const NetConfig& net, uint32_t* address);

}  // namespace kb
