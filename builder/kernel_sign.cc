#include "builder/kernel_sign.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/bzimage.h"
#include "common/fd.h"

namespace kb {

namespace {

std::string Readable(const char* what, const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::string(what) + ": cannot open " + path + ": " + strerror(errno);
  return "";
}

}  // namespace

std::string CheckKernelSigning(const KernelSigning& s) {
  if (!s.enabled()) return "";
  for (const auto& [what, path] : {std::pair{"kernel_signing_key", &s.key}, std::pair{"kernel_signing_cert", &s.cert}})
    if (path->empty()) return std::string(what) + " is not set (the key and its certificate go together)";
  std::string why = Readable("kernel_signing_key", s.key);
  if (why.empty()) why = Readable("kernel_signing_cert", s.cert);
  if (!why.empty()) return why;
  // A key with a passphrase would make sbsign ask for it on the terminal: the
  // builder runs unattended.
  char buf[8192];
  Fd fd(open(s.key.c_str(), O_RDONLY | O_CLOEXEC));
  ssize_t n = fd ? read(fd.get(), buf, sizeof buf) : -1;
  std::string_view text(buf, n > 0 ? size_t(n) : 0);
  if (text.find("ENCRYPTED") != std::string_view::npos)
    return "kernel_signing_key: " + s.key +
           " has a passphrase: the builder signs unattended (openssl pkey -in KEY -out PLAIN gives it one without)";
  if (text.find("PRIVATE KEY-----") == std::string_view::npos)
    return "kernel_signing_key: " + s.key + " is not a PEM private key";
  return "";
}

std::string EfiImageProblem(std::string_view head) {
  return HasEfiStub({reinterpret_cast<const uint8_t*>(head.data()), head.size()}) ? "" : kNoEfiStub;
}

std::string SignKernel(Runner& runner, const KernelSigning& s, const std::string& in, const std::string& out) {
  {
    char head[4096];
    Fd fd(open(in.c_str(), O_RDONLY | O_CLOEXEC));
    std::string why = fd ? "" : "cannot open " + in + ": " + strerror(errno);
    ssize_t n = fd ? pread(fd.get(), head, sizeof head, 0) : 0;
    if (why.empty()) why = EfiImageProblem(std::string_view(head, n > 0 ? size_t(n) : 0));
    if (!why.empty()) return unlink(out.c_str()), why;
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
  // sbsign's last line says why (a key that does not match the certificate, a
  // key with a passphrase: "bad password read").
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  size_t nl = output.rfind('\n');
  std::string last = nl == std::string::npos ? output : output.substr(nl + 1);
  return "sbsign failed (" + DescribeExit(rc, c.timeout, err) + ")" + (last.empty() ? "" : ": " + last);
}

}  // namespace kb
