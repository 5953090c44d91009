#include "common/image_ini.h"

#include "common/chars.h"
#include "common/names.h"
#include "common/text.h"

namespace kb {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Error CheckFileName(std::string_view f) {
  if (f.empty() || f.size() > 255) return "file name is empty or too long";
  if (f[0] == '.') return "file name starts with '.'";
  for (char c : f)
    if (c == '/' || IsControl(c)) return "file name has a '/' or control byte";
  return nullptr;
}

Error CheckCommit(std::string_view v) {
  if (v.size() != 40) return "commit is not 40 lowercase hex digits";
  for (char c : v)
    if (!IsLowerHex(c)) return "commit is not 40 lowercase hex digits";
  return nullptr;
}

Error CheckText(std::string_view v) {
  if (v.empty() || v.size() > kMaxImageName) return "value is empty or longer than 200 characters";
  return nullptr;
}

Error CheckArch(std::string_view v) {
  if (v.empty() || v.size() > 16) return "arch is not [a-z0-9_], 1 to 16 characters";
  for (char c : v)
    if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '_')) return "arch is not [a-z0-9_], 1 to 16 characters";
  return nullptr;
}

Error CheckBuilt(std::string_view v) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  bool ok = v.size() == kShape.size();
  for (size_t i = 0; ok && i < v.size(); ++i) ok = kShape[i] == 'd' ? IsDigit(v[i]) : v[i] == kShape[i];
  return ok ? nullptr : "built is not UTC as YYYY-MM-DDTHH:MM:SSZ";
}

Error CheckCmdline(std::string_view v) {
  return v.size() > kMaxImageCmdline ? "cmdline is longer than 2048 characters" : nullptr;
}

// The keys, in the order the builder writes them. A key has either a text field
// (with its check) or a sha256 field.
struct Key {
  std::string_view key;
  bool required;
  std::string_view ImageIni::*text;
  Error (*check)(std::string_view);
  uint8_t (ImageIni::*sum)[32];
  Error missing;  // the error when a required key is absent
};

Error CheckName(std::string_view v) { return CheckImageName(v); }

constexpr Key kKeys[] = {
    {"name", true, &ImageIni::name, CheckName, nullptr, "no name"},
    {"commit", true, &ImageIni::commit, CheckCommit, nullptr, "no commit"},
    {"branch", true, &ImageIni::branch, CheckText, nullptr, "no branch"},
    {"arch", true, &ImageIni::arch, CheckArch, nullptr, "no arch"},
    {"kernelrelease", true, &ImageIni::kernelrelease, CheckText, nullptr, "no kernelrelease"},
    {"built", true, &ImageIni::built, CheckBuilt, nullptr, "no built"},
    {"kernel", true, &ImageIni::kernel, CheckFileName, nullptr, "no kernel = FILE"},
    {"kernel_sha256", true, nullptr, nullptr, &ImageIni::kernel_sha256, "no kernel_sha256"},
    {"initrd", false, &ImageIni::initrd, CheckFileName, nullptr, nullptr},
    {"initrd_sha256", false, nullptr, nullptr, &ImageIni::initrd_sha256, nullptr},
    {"cmdline", false, &ImageIni::cmdline, CheckCmdline, nullptr, nullptr},
    {"modules", false, &ImageIni::modules, CheckFileName, nullptr, nullptr},
    {"modules_sha256", false, nullptr, nullptr, &ImageIni::modules_sha256, nullptr},
    {"code_sha256", false, nullptr, nullptr, &ImageIni::code_sha256, nullptr},
    {"compiler", false, &ImageIni::compiler, CheckText, nullptr, nullptr},
    {"config_sha256", false, nullptr, nullptr, &ImageIni::config_sha256, nullptr},
};
constexpr size_t kInitrd = 8, kInitrdSum = 9, kCmdline = 10, kModules = 11, kModulesSum = 12, kCode = 13,
                 kCompiler = 14, kConfigSum = 15;
static_assert(sizeof(kKeys) / sizeof(kKeys[0]) <= 32, "one bit per key in `seen`");

// Appends to a bounded buffer; `overflow` once anything did not fit.
struct Out {
  char* buf;
  size_t cap, len = 0;
  bool overflow = false;
  void Put(std::string_view s) {
    if (s.size() > cap - len) {
      overflow = true;
      return;
    }
    for (char c : s) buf[len++] = c;
  }
};

}  // namespace

Error ParseSha256Hex(std::string_view hex, uint8_t out[32]) {
  if (hex.size() != 64) return "sha256 is not 64 hex digits";
  for (size_t i = 0; i < 32; ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return "sha256 is not 64 hex digits";
    out[i] = uint8_t(hi * 16 + lo);
  }
  return nullptr;
}

Error ParseImageIni(std::string_view text, ImageIni* out, size_t* line) {
  ImageIni ini;
  bool in_image = false;
  uint32_t seen = 0;
  *line = 0;
  for (size_t n = 1; !text.empty(); ++n) {
    size_t nl = text.find('\n');
    std::string_view l = Trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    *line = n;
    if (l.empty() || l[0] == ';' || l[0] == '#') continue;
    for (char c : l)
      if (IsControl(c) && c != '\t') return "control byte in image.ini";
    if (l[0] == '[') {
      if (l.back() != ']') return "section header without ']'";
      if (l != "[image]") return "unknown section (only [image])";
      if (in_image) return "[image] given twice";
      in_image = true;
      continue;
    }
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) return "not 'key = value'";
    std::string_view key = Trim(l.substr(0, eq)), value = Trim(l.substr(eq + 1));
    if (key.empty()) return "empty key";
    if (!in_image) return "key outside [image]";
    size_t i = 0;
    while (i < sizeof(kKeys) / sizeof(kKeys[0]) && kKeys[i].key != key) ++i;
    if (i == sizeof(kKeys) / sizeof(kKeys[0])) return "unknown key";
    if (seen & (1u << i)) return "duplicate key";
    seen |= 1u << i;
    const Key& k = kKeys[i];
    if (k.text) {
      if (Error e = k.check(value)) return e;
      ini.*k.text = value;
    } else if (Error e = ParseSha256Hex(value, ini.*k.sum)) {
      return e;
    }
  }
  *line = 0;
  if (!in_image) return "no [image] section";
  for (size_t i = 0; i < sizeof(kKeys) / sizeof(kKeys[0]); ++i)
    if (kKeys[i].required && !(seen & (1u << i))) return kKeys[i].missing;
  if (bool(seen & (1u << kInitrd)) != bool(seen & (1u << kInitrdSum)))
    return "initrd and initrd_sha256 go together";
  if (bool(seen & (1u << kModules)) != bool(seen & (1u << kModulesSum)))
    return "modules and modules_sha256 go together";
  ini.has_cmdline = seen & (1u << kCmdline);
  ini.has_code = seen & (1u << kCode);
  ini.has_config_sum = seen & (1u << kConfigSum);
  *out = ini;
  return nullptr;
}

Error ParseImageIniOf(std::string_view name, std::string_view text, ImageIni* out, size_t* line) {
  ImageIni ini;
  if (Error e = ParseImageIni(text, &ini, line)) return e;
  if (ini.name != name) return "it names another image, not its directory's";
  *out = ini;
  return nullptr;
}

Error FormatImageIni(const ImageIni& ini, char* buf, size_t cap, size_t* len) {
  Out o{buf, cap};
  o.Put("[image]\n");
  for (size_t i = 0; i < sizeof(kKeys) / sizeof(kKeys[0]); ++i) {
    const Key& k = kKeys[i];
    if ((i == kInitrd || i == kInitrdSum) && ini.initrd.empty()) continue;
    if (i == kCmdline && !ini.has_cmdline) continue;
    if ((i == kModules || i == kModulesSum) && ini.modules.empty()) continue;
    if (i == kCode && !ini.has_code) continue;
    if (i == kCompiler && ini.compiler.empty()) continue;
    if (i == kConfigSum && !ini.has_config_sum) continue;
    o.Put(k.key);
    o.Put(" = ");
    if (k.text) {
      o.Put(ini.*k.text);
    } else {
      char hex[64];
      o.Put(FormatHex(ini.*k.sum, hex));
    }
    o.Put("\n");
  }
  if (o.overflow) return "image.ini does not fit";
  // What is written must read back under the same rules.
  ImageIni check;
  size_t line;
  if (Error e = ParseImageIni(std::string_view(buf, o.len), &check, &line)) return e;
  *len = o.len;
  return nullptr;
}

}  // namespace kb
