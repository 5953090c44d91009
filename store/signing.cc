#include "store/signing.h"

#include <bearssl.h>

#include "common/fileio.h"
#include "common/signature.h"

namespace kb {
namespace {

void AppendDer(void* ctx, const void* data, size_t n) {
  auto* der = static_cast<std::string*>(ctx);
  der->append(static_cast<const char*>(data), n);
}

// The DER of the first private key object of a PEM text; empty with *err set.
std::string PemPrivateKey(const std::string& pem, const std::string& path, std::string* err) {
  br_pem_decoder_context pc;
  br_pem_decoder_init(&pc);
  std::string der;
  bool in_key = false;
  size_t off = 0;
  // One more pass with a newline: the decoder ends an object on its END line's end.
  const std::string text = pem + "\n";
  while (off < text.size()) {
    off += br_pem_decoder_push(&pc, text.data() + off, text.size() - off);
    switch (br_pem_decoder_event(&pc)) {
      case BR_PEM_BEGIN_OBJ: {
        std::string_view name = br_pem_decoder_name(&pc);
        in_key = name == "EC PRIVATE KEY" || name == "PRIVATE KEY";
        der.clear();
        br_pem_decoder_setdest(&pc, in_key ? AppendDer : nullptr, &der);
        break;
      }
      case BR_PEM_END_OBJ:
        if (in_key) return der;
        break;
      case BR_PEM_ERROR:
        *err = path + ": not valid PEM";
        return {};
      default:
        break;
    }
  }
  *err = path + ": no EC PRIVATE KEY or PRIVATE KEY in it (the signing key is the private one)";
  return {};
}

}  // namespace

bool SigningKey::Load(const std::string& pem_path, std::string* err) {
  std::string pem;
  if (!ReadFile(pem_path, &pem, err, nullptr, 64 << 10)) return false;
  std::string der = PemPrivateKey(pem, pem_path, err);
  if (der.empty()) return false;
  br_skey_decoder_context dc;
  br_skey_decoder_init(&dc);
  br_skey_decoder_push(&dc, der.data(), der.size());
  const br_ec_private_key* sk = br_skey_decoder_get_ec(&dc);
  if (br_skey_decoder_last_error(&dc) != 0 || !sk) return *err = pem_path + ": not an EC private key", false;
  if (sk->curve != BR_EC_secp256r1) return *err = pem_path + ": not a key on P-256 (prime256v1)", false;
  secret_.assign(sk->x, sk->x + sk->xlen);
  br_ec_private_key copy{sk->curve, secret_.data(), secret_.size()};
  br_ec_public_key pk;
  uint8_t kbuf[BR_EC_KBUF_PUB_MAX_SIZE];
  size_t n = br_ec_compute_pub(&br_ec_p256_m31, &pk, kbuf, &copy);
  if (n != kImageKeySize) return *err = pem_path + ": its public key cannot be computed", false;
  pub_.assign(kbuf, kbuf + n);
  return true;
}

bool SigningKey::Sign(std::string_view manifest, std::string* der, std::string* err) const {
  uint8_t hash[32];
  Sha256(manifest, hash);
  std::vector<uint8_t> x = secret_;
  br_ec_private_key sk{BR_EC_secp256r1, x.data(), x.size()};
  uint8_t sig[kMaxImageSignature];
  size_t n = br_ecdsa_i31_sign_asn1(&br_ec_p256_m31, &br_sha256_vtable, hash, &sk, sig);
  if (n == 0) return *err = "ECDSA signing failed", false;
  if (Error e = VerifyImageSignature(manifest, std::span(sig, n), pub_))
    return *err = std::string("the new signature does not verify: ") + e, false;
  der->assign(reinterpret_cast<const char*>(sig), n);
  return true;
}

std::string SigningKey::Fingerprint() const {
  char fp[17];
  ImageKeyFingerprint(pub_, fp);
  return fp;
}

}  // namespace kb
