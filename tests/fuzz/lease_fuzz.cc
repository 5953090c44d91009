// A lease's two texts (cgi/state.h): a POST lease body and the lease file, both
// untrusted bytes. What is accepted keeps the rules and survives a round trip
// through the file; what is refused says why.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cgi/state.h"

namespace {

void CheckText(const std::string& s, size_t max) {
  if (s.empty() || s.size() > max) __builtin_trap();
  for (char c : s)
    if (c < 0x20 || c > 0x7e) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (kb::LeaseText which : {kb::LeaseText::kRequest, kb::LeaseText::kFile}) {
    kb::Lease l;
    std::string err;
    if (!kb::ParseLease(in, which, &l, &err)) {
      if (err.empty()) __builtin_trap();
      for (char c : err)
        if (static_cast<unsigned char>(c) < 0x20) __builtin_trap();
      continue;
    }
    CheckText(l.owner, kb::kLeaseOwnerMax);
    CheckText(l.purpose, kb::kLeasePurposeMax);
    if (l.seconds < 1 || l.seconds > kb::kLeaseMaxSeconds) __builtin_trap();
    if (which == kb::LeaseText::kRequest) continue;
    if (l.expires <= 0 || l.token.size() != kb::kLeaseTokenHex) __builtin_trap();
    if (!kb::LeaseTokenMatches(l.token, l.token)) __builtin_trap();
    kb::Lease again;
    if (!kb::ParseLease(kb::FormatLease(l), which, &again, &err)) __builtin_trap();
    if (again.owner != l.owner || again.purpose != l.purpose || again.seconds != l.seconds ||
        again.expires != l.expires || again.token != l.token)
      __builtin_trap();
  }
  int64_t seconds = 0;
  if (kb::ParseLeaseSeconds(in, &seconds) && (seconds < 1 || seconds > kb::kLeaseMaxSeconds)) __builtin_trap();
  return 0;
}
