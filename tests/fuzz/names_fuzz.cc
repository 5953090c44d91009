// Image and machine names as they arrive in requests and directory listings.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/names.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  kb::CheckMachineName(s);
  kb::ImageName n;
  if (!kb::ParseImageName(s, &n)) {
    // A valid name splits into fields that add up to it.
    if (n.head.size() + n.sha12.size() + n.date.size() + n.arch.size() + 3 != s.size()) __builtin_trap();
    char buf[kb::kMaxImageName];
    size_t len;
    // Re-formatting its own fields gives the same name back.
    if (!kb::FormatImageName({n.head, "x", n.sha12, n.date, n.arch}, buf, &len)) {
      if (std::string_view(buf, len).substr(len - n.arch.size()) != n.arch) __builtin_trap();
    }
  }
  return 0;
}
