// A manifest's signature as the stage-1 gets it from the server (image.ini.sig):
// input = one byte n, then n bytes of signature (DER), then the manifest. The
// seed is a real openssl signature over "[image]\nname = x\n" with the key below.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/signature.h"

namespace {
constexpr uint8_t kKey[kb::kImageKeySize] = {
    0x04, 0xee, 0x82, 0x41, 0xf9, 0xed, 0x57, 0x33, 0x47, 0xe9, 0xc5, 0xd2, 0xf2, 0x2a, 0xd6, 0x8d, 0xc5,
    0x79, 0xa1, 0x53, 0xa9, 0x68, 0x0d, 0x90, 0x7b, 0xbe, 0xc7, 0x04, 0x4d, 0x85, 0x0b, 0x22, 0xa5, 0xa4,
    0x27, 0x3c, 0x59, 0x7b, 0xf7, 0x2f, 0x7c, 0x7c, 0xaf, 0xc1, 0x50, 0x72, 0x0c, 0xf6, 0x40, 0x2e, 0xbb,
    0x75, 0x78, 0xf7, 0x0b, 0x47, 0x13, 0xba, 0x92, 0x42, 0x66, 0xcf, 0xf5, 0xa8, 0x52};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t n = data[0] < size - 1 ? data[0] : size - 1;
  std::span<const uint8_t> sig(data + 1, n);
  std::string_view manifest(reinterpret_cast<const char*>(data + 1 + n), size - 1 - n);
  kb::Error e = kb::VerifyImageSignature(manifest, sig, kKey);
  // Only the seed's manifest can verify (no forgery out of mutations).
  if (!e && manifest != "[image]\nname = x\n") __builtin_trap();
  kb::CheckImageKey(std::span(data, size));
  char fp[17];
  kb::ImageKeyFingerprint(std::span(data, size), fp);
  return 0;
}
