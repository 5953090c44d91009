// Kernel command lines: the tokenizer and the kbisect.* keys.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/cmdline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  kb::Config config;
  kb::ConfigError errors[4];
  size_t n = kb::ParseConfig(line, &config, errors);
  for (size_t i = 0; i < n && i < 4; ++i)
    if (!errors[i].reason) __builtin_trap();
  // Every view must lie inside the input.
  auto inside = [&](std::string_view v) {
    if (!v.empty() && (v.data() < line.data() || v.data() + v.size() > line.data() + line.size()))
      __builtin_trap();
  };
  inside(config.server);
  inside(config.machine);
  inside(config.append);
  inside(config.nfs_export);
  inside(config.modules);
  inside(config.arch);
  kb::IpConfig ip;
  kb::ParseIpConfig(line, &ip);
  return 0;
}
