// The builder's side of signed images (doc/design.md "Signed images"): a P-256
// private key read from a PEM file (SEC1 "EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY",
// as `openssl ecparam -genkey` and `openssl genpkey` write them), and signatures
// over manifests that `openssl dgst -sha256 -verify` and the stage-1 accept.
// ECDSA as BearSSL does it: deterministic (RFC 6979), no randomness needed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

class SigningKey {
 public:
  // Reads and checks the key. *err names the file and what is wrong with it.
  bool Load(const std::string& pem_path, std::string* err);

  // The DER signature of `manifest`, checked with the public key before it is
  // returned (a wrong signature is never written). False only on an internal error.
  bool Sign(std::string_view manifest, std::string* der, std::string* err) const;

  // The public key (0x04 X Y) and its fingerprint (common/signature.h).
  const std::vector<uint8_t>& public_key() const { return pub_; }
  std::string Fingerprint() const;

 private:
  std::vector<uint8_t> secret_;
  std::vector<uint8_t> pub_;
};

}  // namespace kb
