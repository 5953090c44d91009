// Query strings and form bodies as the CGI receives them, and base URLs.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  std::vector<char> buf(size);
  kb::QueryParam params[] = {{"machine"}, {"arch"}, {"format"}, {"once"}, {"kernel"}, {"limit"}};
  std::string_view where;
  if (!kb::ParseQuery(s, params, buf, &where)) {
    for (const kb::QueryParam& p : params)
      for (char c : p.value)
        if (c == '\0' || static_cast<unsigned char>(c) < 0x20) __builtin_trap();
  }
  size_t n;
  kb::PercentDecode(s, true, buf, &n);
  kb::Url url;
  if (!kb::ParseUrl(s, &url) && url.host.empty()) __builtin_trap();
  return 0;
}
