#include "store/signing.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "common/fileio.h"
#include "common/signature.h"
#include "common/test_temp_dir.h"

namespace kb {
namespace {

const std::string kManifest = "[image]\nname = 6.1.0-main_aaaaaaaaaaaa_20261120_x86_64\nkernel_sha256 = 00\n";

int Sh(const std::string& cmd) { return system(("(" + cmd + ") >/dev/null 2>&1").c_str()); }

// A P-256 key made by openssl as an admin would (SEC1 or PKCS#8), and its public half.
struct Keys {
  TempDir d;
  std::string key, pub;
  explicit Keys(bool pkcs8 = false) {
    key = d.path() + "/key.pem";
    pub = d.path() + "/pub.pem";
    std::string gen = pkcs8 ? "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + key
                            : "openssl ecparam -name prime256v1 -genkey -noout -out " + key;
    EXPECT_EQ(Sh(gen + " && openssl pkey -in " + key + " -pubout -out " + pub), 0);
  }
};

TEST(Signing, OpensslVerifiesOurSignatureAndWeVerifyOpenssls) {
  for (bool pkcs8 : {false, true}) {
    Keys k(pkcs8);
    SigningKey key;
    std::string err, sig;
    ASSERT_TRUE(key.Load(k.key, &err)) << err;
    ASSERT_TRUE(key.Sign(kManifest, &sig, &err)) << err;
    std::string ini = k.d.Write("image.ini", kManifest), sigf = k.d.Write("image.ini.sig", sig);
    EXPECT_EQ(Sh("openssl dgst -sha256 -verify " + k.pub + " -signature " + sigf + " " + ini), 0)
        << "openssl accepts the builder's signature (pkcs8=" << pkcs8 << ")";
    ASSERT_EQ(Sh("openssl dgst -sha256 -sign " + k.key + " -out " + sigf + " " + ini), 0);
    std::string theirs;
    ASSERT_TRUE(ReadFile(sigf, &theirs, &err)) << err;
    auto bytes = [](const std::string& s) { return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
    EXPECT_EQ(VerifyImageSignature(kManifest, bytes(theirs), key.public_key()), nullptr);
    EXPECT_EQ(VerifyImageSignature(kManifest, bytes(sig), key.public_key()), nullptr);
  }
}

TEST(Signing, TamperedManifestOtherKeyAndGarbageAreRefused) {
  Keys a, b;
  SigningKey ka, kb_;
  std::string err, sig;
  ASSERT_TRUE(ka.Load(a.key, &err)) << err;
  ASSERT_TRUE(kb_.Load(b.key, &err)) << err;
  ASSERT_TRUE(ka.Sign(kManifest, &sig, &err)) << err;
  auto s = std::span(reinterpret_cast<const uint8_t*>(sig.data()), sig.size());
  std::string tampered = kManifest;
  tampered[tampered.size() - 2] = '1';
  EXPECT_STREQ(VerifyImageSignature(tampered, s, ka.public_key()), "the signature does not verify with this key");
  EXPECT_STREQ(VerifyImageSignature(kManifest, s, kb_.public_key()), "the signature does not verify with this key");
  EXPECT_STREQ(VerifyImageSignature(kManifest, s.first(s.size() - 1), ka.public_key()),
               "the signature does not verify with this key");
  EXPECT_STREQ(VerifyImageSignature(kManifest, {}, ka.public_key()), "the signature is empty");
  std::vector<uint8_t> big(200, 0x30);
  EXPECT_STREQ(VerifyImageSignature(kManifest, big, ka.public_key()),
               "the signature is too long to be an ECDSA P-256 one");
  std::vector<uint8_t> key = ka.public_key();
  key[0] = 0x02;
  EXPECT_NE(VerifyImageSignature(kManifest, s, key), nullptr) << "a compressed point is not our key form";
  EXPECT_NE(VerifyImageSignature(kManifest, s, std::span(ka.public_key()).first(64)), nullptr);
  key = ka.public_key();
  key[40] ^= 1;  // not on the curve any more
  EXPECT_STREQ(CheckImageKey(key), "not a point on P-256");
  EXPECT_STREQ(VerifyImageSignature(kManifest, s, key), "not a point on P-256");
  EXPECT_EQ(CheckImageKey(ka.public_key()), nullptr);
  EXPECT_NE(ka.Fingerprint(), kb_.Fingerprint());
  EXPECT_EQ(ka.Fingerprint().size(), 16u);
}

TEST(Signing, BadKeyFilesAreRefusedWithTheirReason) {
  TempDir d;
  SigningKey key;
  std::string err;
  EXPECT_FALSE(key.Load(d.path() + "/none.pem", &err));
  EXPECT_NE(err.find("none.pem"), std::string::npos) << err;
  Keys k;
  EXPECT_FALSE(key.Load(k.pub, &err));
  EXPECT_NE(err.find("no EC PRIVATE KEY or PRIVATE KEY in it (the signing key is the private one)"),
            std::string::npos)
      << err;
  std::string p384 = d.path() + "/p384.pem", rsa = d.path() + "/rsa.pem";
  ASSERT_EQ(Sh("openssl ecparam -name secp384r1 -genkey -noout -out " + p384), 0);
  EXPECT_FALSE(key.Load(p384, &err));
  EXPECT_NE(err.find("not a key on P-256 (prime256v1)"), std::string::npos) << err;
  ASSERT_EQ(Sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out " + rsa), 0);
  EXPECT_FALSE(key.Load(rsa, &err));
  EXPECT_NE(err.find("not an EC private key"), std::string::npos) << err;
  EXPECT_FALSE(key.Load(d.Write("junk.pem", "-----BEGIN EC PRIVATE KEY-----\n!!!\n"), &err));
  EXPECT_NE(err.find("not valid PEM"), std::string::npos) << err;
}

}  // namespace
}  // namespace kb
