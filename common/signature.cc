#include "common/signature.h"

#include <bearssl.h>

namespace kb {
namespace {

// BearSSL keeps a point as a non-const pointer (and may work in place): a copy.
void CopyPoint(std::span<const uint8_t> key, uint8_t q[kImageKeySize]) {
  for (size_t i = 0; i < kImageKeySize; ++i) q[i] = key[i];
}

}  // namespace

void Sha256(std::string_view data, uint8_t out[32]) {
  br_sha256_context sha;
  br_sha256_init(&sha);
  br_sha256_update(&sha, data.data(), data.size());
  br_sha256_out(&sha, out);
}

Error CheckImageKey(std::span<const uint8_t> key) {
  if (key.size() != kImageKeySize || key[0] != 0x04)
    return "not a P-256 public key (65 bytes: 0x04, X, Y)";
  // Decoded by the curve's code (a multiplication by 1 checks the point).
  uint8_t q[kImageKeySize];
  CopyPoint(key, q);
  static const uint8_t kOne[1] = {1};
  if (br_ec_p256_m31.mul(q, sizeof q, kOne, sizeof kOne, BR_EC_secp256r1) != 1) return "not a point on P-256";
  return nullptr;
}

Error VerifyImageSignature(std::string_view manifest, std::span<const uint8_t> sig, std::span<const uint8_t> key) {
  if (Error e = CheckImageKey(key)) return e;
  if (sig.empty()) return "the signature is empty";
  if (sig.size() > kMaxImageSignature) return "the signature is too long to be an ECDSA P-256 one";
  uint8_t hash[32];
  Sha256(manifest, hash);
  uint8_t q[kImageKeySize];
  CopyPoint(key, q);
  br_ec_public_key pk{BR_EC_secp256r1, q, sizeof q};
  if (br_ecdsa_i31_vrfy_asn1(&br_ec_p256_m31, hash, sizeof hash, &pk, sig.data(), sig.size()) != 1)
    return "the signature does not verify with this key";
  return nullptr;
}

void ImageKeyFingerprint(std::span<const uint8_t> key, char out[17]) {
  uint8_t hash[32];
  Sha256(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), hash);
  constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < 8; ++i) {
    out[2 * i] = kHex[hash[i] >> 4];
    out[2 * i + 1] = kHex[hash[i] & 15];
  }
  out[16] = '\0';
}

}  // namespace kb
