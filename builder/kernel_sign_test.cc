#include "builder/kernel_sign.h"

#include <gtest/gtest.h>

#include <string>

#include "common/test_temp_dir.h"

namespace kb {
namespace {

// What sbsign would have been asked to do, without running it.
class FakeRunner : public Runner {
 public:
  int Run(const Command& c, std::string*) override {
    argv = c.argv;
    if (c.capture) *c.capture = output;
    return rc;
  }
  std::vector<std::string> argv;
  std::string output;
  int rc = 0;
};

std::string PeHead() {
  std::string h(0x100, '\0');
  h[0] = 'M', h[1] = 'Z', h[0x3c] = char(0x80);
  h.replace(0x80, 4, std::string("PE\0\0", 4));
  return h;
}

TEST(KernelSign, ChecksTheKeyAndCertificate) {
  TempDir d;
  std::string key = d.Write("k.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  std::string cert = d.Write("c.pem", "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(CheckKernelSigning({}), "");
  EXPECT_EQ(CheckKernelSigning({key, cert}), "");
  EXPECT_EQ(CheckKernelSigning({key, ""}), "kernel_signing_cert is not set (the key and its certificate go together)");
  EXPECT_EQ(CheckKernelSigning({"", cert}), "kernel_signing_key is not set (the key and its certificate go together)");
  EXPECT_EQ(CheckKernelSigning({d.path() + "/none", cert}),
            "kernel_signing_key: cannot open " + d.path() + "/none: No such file or directory");
  EXPECT_EQ(CheckKernelSigning({key, d.path() + "/none"}),
            "kernel_signing_cert: cannot open " + d.path() + "/none: No such file or directory");
  std::string enc = d.Write("e.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n");
  EXPECT_NE(CheckKernelSigning({enc, cert}).find("has a passphrase: the builder signs unattended"), std::string::npos);
  EXPECT_EQ(CheckKernelSigning({cert, key}), "kernel_signing_key: " + cert + " is not a PEM private key");
}

TEST(KernelSign, RunsSbsignAndSaysWhyItFailed) {
  TempDir d;
  std::string pe = d.Write("bzImage", PeHead()), plain = d.Write("plain", "not a kernel");
  FakeRunner r;
  KernelSigning s{"/k.pem", "/c.pem"};
  EXPECT_EQ(SignKernel(r, s, pe, d.path() + "/out"), "");
  EXPECT_EQ(r.argv, (std::vector<std::string>{"sbsign", "--key", "/k.pem", "--cert", "/c.pem", "--output",
                                               d.path() + "/out", pe}));
  r.argv.clear();
  d.Write("out", "left by an earlier try");
  EXPECT_EQ(SignKernel(r, s, plain, d.path() + "/out"), kNoEfiStub);
  EXPECT_FALSE(std::filesystem::exists(d.path() + "/out"));
  EXPECT_TRUE(r.argv.empty());  // not asked
  r.rc = 1;
  r.output = "Signing Unsigned original image\nPKCS7_sign_add_signer:private key does not match certificate\n";
  d.Write("out", "half");
  EXPECT_EQ(SignKernel(r, s, pe, d.path() + "/out"),
            "sbsign failed (exit 1): PKCS7_sign_add_signer:private key does not match certificate");
  EXPECT_FALSE(std::filesystem::exists(d.path() + "/out"));  // nothing half-written left
  EXPECT_EQ(SignKernel(r, s, d.path() + "/none", d.path() + "/out"),
            "cannot open " + d.path() + "/none: No such file or directory");
}

}  // namespace
}  // namespace kb
