// Signed images (doc/design.md "Signed images"): an ECDSA P-256 signature with
// SHA-256 over the exact bytes of an image's image.ini, DER-encoded as `openssl
// dgst -sha256 -sign` writes it, in image.ini.sig beside it. The manifest holds
// the sha256 of every file the stage-1 uses, so the signature covers them all.
// Pure (BearSSL only): the stage-1 verifies with it; the builder's signer
// (store/signing.h) checks its own signatures with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

// A public key as the stage-1 keeps it (/etc/kbisect/image-key): the uncompressed
// P-256 point, 0x04 X Y.
inline constexpr size_t kImageKeySize = 65;
// A DER ECDSA P-256 signature takes at most 72 bytes; a larger file is not one.
inline constexpr size_t kMaxImageSignature = 128;

// The SHA-256 of `data` in one call (the manifest's hash here; any part's small
// texts elsewhere).
void Sha256(std::string_view data, uint8_t out[32]);

// Whether `key` has the form of an uncompressed P-256 point (the curve check is
// the verifier's).
Error CheckImageKey(std::span<const uint8_t> key);

// Verifies `sig` (DER) over `manifest` with `key`. nullptr when it holds.
Error VerifyImageSignature(std::string_view manifest, std::span<const uint8_t> sig, std::span<const uint8_t> key);

// The key's fingerprint, to match a stage-1 with its builder by eye: the first 8
// bytes of the SHA-256 of the point, in hex (16 characters and a NUL).
void ImageKeyFingerprint(std::span<const uint8_t> key, char out[17]);

}  // namespace kb
