#include "common/image_ini.h"

#include "common/chars.h"

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
  bool in_image = false, seen_image = false, kernel_sum = false, initrd_sum = false;
  *line = 0;
  size_t n = 0;
  while (!text.empty()) {
    ++n;
    size_t nl = text.find('\n');
    std::string_view l = Trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    *line = n;
    if (l.empty() || l[0] == ';' || l[0] == '#') continue;
    for (char c : l)
      if (IsControl(c) && c != '\t') return "control byte in image.ini";
    if (l[0] == '[') {
      if (l.back() != ']') return "section header without ']'";
      in_image = l == "[image]";
      seen_image = seen_image || in_image;
      continue;
    }
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) return "not 'key = value'";
    std::string_view key = Trim(l.substr(0, eq)), value = Trim(l.substr(eq + 1));
    if (key.empty()) return "empty key";
    if (!in_image) continue;
    struct Text {
      std::string_view key;
      std::string_view* field;
    };
    const Text kText[] = {{"name", &ini.name},     {"commit", &ini.commit},
                          {"branch", &ini.branch}, {"arch", &ini.arch},
                          {"kernelrelease", &ini.kernelrelease}, {"built", &ini.built}};
    bool known = false;
    for (const Text& t : kText)
      if (t.key == key) {
        *t.field = value;
        known = true;
      }
    if (known) continue;
    if (key == "kernel" || key == "initrd") {
      if (Error e = CheckFileName(value)) return e;
      (key == "kernel" ? ini.kernel : ini.initrd) = value;
    } else if (key == "kernel_sha256") {
      if (Error e = ParseSha256Hex(value, ini.kernel_sha256)) return e;
      kernel_sum = true;
    } else if (key == "initrd_sha256") {
      if (Error e = ParseSha256Hex(value, ini.initrd_sha256)) return e;
      initrd_sum = true;
    } else if (key == "cmdline") {
      if (value.size() > 2048) return "cmdline is longer than 2048 characters";
      ini.cmdline = value;
      ini.has_cmdline = true;
    }
  }
  *line = 0;
  if (!seen_image) return "no [image] section";
  if (ini.kernel.empty()) return "no kernel = FILE";
  if (!kernel_sum) return "no kernel_sha256";
  if (!ini.initrd.empty() && !initrd_sum) return "initrd without initrd_sha256";
  *out = ini;
  return nullptr;
}

}  // namespace kb
