// modules.alias and modules.softdep from a candidate's image, and glob patterns
// against a device's modalias.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/modalias.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\0');
  std::string_view pattern = in.substr(0, cut), text = cut == in.npos ? std::string_view() : in.substr(cut + 1);
  kb::GlobMatch(pattern, text);
  std::string_view out[16];
  size_t n = 0;
  kb::ModulesForModalias(in, "virtio:d00000002v00001AF4", out, &n);
  kb::SoftdepPre(in, "ext4", out, &n);
  if (kb::IsStorageModalias(in) && kb::IsNetworkModalias(in)) __builtin_trap();  // never both
  return 0;
}
