// Server replies as the init receives them, fed in pieces of varying size.
#include <cstddef>
#include <cstdint>

#include "common/http.h"

namespace {
bool Count(void* ctx, const char*, size_t n) {
  *static_cast<size_t*>(ctx) += n;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t step = data[0] % 17 + 1;
  const char* p = reinterpret_cast<const char*>(data + 1);
  size_t n = size - 1, body = 0;
  kb::HttpResponse r(Count, &body);
  kb::Error e = nullptr;
  for (size_t i = 0; i < n && !e; i += step) e = r.Feed(p + i, n - i < step ? n - i : step);
  if (!e) e = r.Finish();
  if (body != r.body_received() || body > n) __builtin_trap();
  if (!e && r.content_length() >= 0 && !r.chunked() && body != static_cast<size_t>(r.content_length()))
    __builtin_trap();
  return 0;
}
