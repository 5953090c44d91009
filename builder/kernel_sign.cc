#include "builder/kernel_sign.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>

#include "common/bzimage.h"
#include "common/fd.h"
#include "common/fileio.h"

namespace kb {

std::string CheckKernelSigning(const KernelSigning& s) {
  if (!s.enabled()) return "";
  for (const auto& [what, path] : {std::pair{"kernel_signing_key", &s.key}, std::pair{"kernel_signing_cert", &s.cert}})
    if (path->empty()) return std::string(what) + " is not set (the key and its certificate go together)";
  std::string key, cert, err;
  if (!ReadFile(s.key, &key, &err, nullptr, 1 << 20)) return "kernel_signing_key: " + err;
  if (!ReadFile(s.cert, &cert, &err, nullptr, 1 << 20)) return "kernel_signing_cert: " + err;
  // A key with a passphrase would make sbsign ask for it on the terminal: the
  // builder runs unattended.
  if (key.find("ENCRYPTED") != std::string::npos)
    return "kernel_signing_key: " + s.key +
           " has a passphrase: the builder signs unattended (openssl pkey -in KEY -out PLAIN gives it one without)";
  if (key.find("PRIVATE KEY-----") == std::string::npos)
    return "kernel_signing_key: " + s.key + " is not a PEM private key";
  return "";
}

std::string SignKernel(Runner& runner, const KernelSigning& s, const std::string& in, const std::string& out) {
  {
    uint8_t head[4096];
    Fd fd(open(in.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return unlink(out.c_str()), "cannot open " + in + ": " + strerror(errno);
    ssize_t n = pread(fd.get(), head, sizeof head, 0);
    if (!HasEfiStub({head, n > 0 ? size_t(n) : 0})) return unlink(out.c_str()), kNoEfiStub;
  }
  std::string output, err;
  Command c;
  c.argv = {"sbsign", "--key", s.key, "--cert", s.cert, "--output", out, in};
  c.capture = &output;
  c.capture_stderr = true;
  c.timeout = 120;
  int rc = runner.Run(c, &err);
  if (rc == 0) return "";
  unlink(out.c_str());
  // sbsign's last line says why (a key that does not match the certificate).
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  size_t nl = output.rfind('\n');
  std::string last = nl == std::string::npos ? output : output.substr(nl + 1);
  return "sbsign failed (" + DescribeExit(rc, c.timeout, err) + ")" + (last.empty() ? "" : ": " + last);
}

}  // namespace kb
