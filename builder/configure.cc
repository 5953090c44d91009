#include <sys/stat.h>
#include <unistd.h>

#include "builder/build_steps.h"
#include "common/fileio.h"
#include "common/names.h"
#include "common/signature.h"
#include "common/text.h"

namespace kb {
namespace {

bool SameFile(const std::string& a, const std::string& b) {
  std::string x, y;
  return ReadSmallFile(a, &x) && ReadSmallFile(b, &y) && x == y;
}

// What outside the tree feeds the configuration, as one hash: the config target
// or file, the fragments, the make variables and the compiler. "" when it cannot
// be told (the configuration is then made again).
std::string ConfigInputs(Build& b) {
  std::string all = b.arch.config + "\n", text;
  if (b.arch.config.front() == '/' && !ReadSmallFile(b.arch.config, &text)) return "";
  all += text;
  for (const std::string& f : b.arch.fragments) {
    if (!ReadSmallFile(f, &text)) return "";
    all += f + "\n" + text;
  }
  for (const std::string& v : b.arch.make_vars) all += v + "\n";
  if (b.Run({"gcc", "--version"}, b.log, &text) != 0) return "";
  all += text;
  uint8_t sum[32];
  Sha256(all, sum);
  char hex[64];
  return std::string(FormatHex(sum, hex));
}

// Whether the configuration in out/ (made for the commit and inputs the stamp
// names) still holds for this commit.
bool ConfigHolds(Build& b, const std::string& stamp, const std::string& inputs) {
  std::string text, why;
  struct stat st;
  if (inputs.empty() || !ReadSmallFile(stamp, &text) || stat((b.out + "/.config").c_str(), &st) != 0) return false;
  size_t nl = text.find('\n');
  if (nl == std::string::npos || text.substr(nl + 1) != inputs + "\n") return false;
  std::vector<std::string> changed;
  if (!b.git.ChangedPaths(text.substr(0, nl), b.commit.sha, &changed, &why)) return false;
  for (const std::string& p : changed)
    if (FeedsConfig(p)) return false;
  return true;
}

}  // namespace

// The configuration is made apart (O=config) and copied over only when it
// changed: a new .config would make kbuild rebuild more than the commit needs.
// It is not made at all when nothing that feeds it changed since the last one
// (config.stamp: that commit and ConfigInputs).
bool Configure(Build& b) {
  if (!MakeDirs(b.cfgdir, &b.r.error)) return false;
  std::string stamp = b.work + "/config.stamp", inputs = ConfigInputs(b);
  if (b.r.outcome == Outcome::kStopped) return false;
  if (ConfigHolds(b, stamp, inputs)) {
    b.note = ", kept: nothing that feeds it changed";
    return true;
  }
  unlink(stamp.c_str());
  int rc = 0;
  if (b.arch.config.front() == '/') {
    if (!CopyFile(b.arch.config, b.cfgdir + "/.config", &b.r.error)) return false;
  } else {
    rc = b.Run(b.Make({"O=" + b.cfgdir, b.arch.config}), b.log);
  }
  if (rc == 0 && !b.arch.fragments.empty()) {
    std::vector<std::string> merge = {b.src + "/scripts/kconfig/merge_config.sh", "-m", "-O", b.cfgdir,
                                      b.cfgdir + "/.config"};
    merge.insert(merge.end(), b.arch.fragments.begin(), b.arch.fragments.end());
    rc = b.Run(merge, b.log);
  }
  if (rc == 0) rc = b.Run(b.Make({"O=" + b.cfgdir, "olddefconfig"}), b.log);
  if (rc < 0) return false;
  if (rc != 0) return CommitFailed(b);
  if (!SameFile(b.cfgdir + "/.config", b.out + "/.config") &&
      !CopyFile(b.cfgdir + "/.config", b.out + "/.config", &b.r.error))
    return false;
  if (!inputs.empty()) WriteFileAtomic(stamp, b.commit.sha + "\n" + inputs + "\n", &b.r.error);
  return true;
}
std::string ConfigCompiler(std::string_view config) {
  static constexpr std::string_view kKey = "\nCONFIG_CC_VERSION_TEXT=\"";
  size_t at = config.find(kKey);
  if (at == std::string_view::npos) return "";
  std::string_view v = config.substr(at + kKey.size());
  v = v.substr(0, v.find('\n'));
  if (v.empty() || v.back() != '"') return "";
  v.remove_suffix(1);
  for (char c : v)
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == '"') return "";
  return v.size() <= kMaxImageName ? std::string(v) : "";
}

bool FeedsConfig(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (base.substr(0, 7) == "Kconfig") return true;
  if (path.substr(0, 8) == "scripts/" || path.substr(0, 15) == "kernel/configs/") return true;
  if (path == "Makefile") return true;
  if (path.substr(0, 5) == "arch/") {
    std::string_view rest = path.substr(5);
    size_t s = rest.find('/');
    if (s != std::string_view::npos && rest.substr(s) == "/Makefile") return true;  // arch/<a>/Makefile
    if (rest.find("/configs/") != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace kb
