// Secure Boot signatures on the kernels the builder publishes ([builder]
// kernel_signing_key and kernel_signing_cert; `kbisect-builder publish
// --kernel-signing-key K --kernel-signing-cert C`). sbsign (Debian's sbsigntool)
// adds an Authenticode signature to the bzImage's PE/COFF header (its EFI stub);
// a stage-1 kernel that Secure Boot locked down takes a kernel by kexec_file_load
// only when that signature verifies against a key it trusts (the firmware's db or
// shim's MOK list: its platform keyring). The image's kernel_sha256 is the signed
// file's.
#pragma once

#include <string>

#include "lib/run.h"

namespace kb {

struct KernelSigning {
  std::string key, cert;  // PEM: the private key and its X.509 certificate; both or neither
  bool enabled() const { return !key.empty() || !cert.empty(); }
};

// The pair as a configuration or the command line gives it: "" when usable (both
// named, both readable), else why, naming the file.
std::string CheckKernelSigning(const KernelSigning& s);

// What SignKernel says of a kernel that is no PE/COFF image (common/bzimage's
// HasEfiStub): the commit's configuration, not the builder's trouble.
inline constexpr char kNoEfiStub[] =
    "the kernel has no EFI stub (CONFIG_EFI_STUB): there is nothing Secure Boot could check";

// Signs the kernel `in` into `out` with sbsign. It runs after the commit's build
// and outside its confinement (the key is hidden from the build): "" on success,
// else one line (sbsign's own message, kNoEfiStub, or why `in` cannot be read);
// `out` is removed on failure.
std::string SignKernel(Runner& runner, const KernelSigning& s, const std::string& in, const std::string& out);

}  // namespace kb
