// DNS answers from whatever answers on the lab network.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/dns.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint32_t address = 0;
  kb::ParseDnsAnswer(std::span<const uint8_t>(data, size), "kernels.lab", 0x1234, &address);
  return 0;
}
