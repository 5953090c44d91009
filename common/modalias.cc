#include "common/modalias.h"

namespace kb {
namespace {

// Matches one bracket expression at p (p[0] == '['), against c. *end is past
// its ']'. An unterminated '[' is a literal '['.
bool BracketMatch(std::string_view p, char c, size_t* end) {
  size_t i = 1;
  bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  bool matched = false, first = true;
  for (; i < p.size() && (first || p[i] != ']'); first = false) {
    char lo = p[i], hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      i += 3;
    } else {
      i += 1;
    }
    if (lo <= c && c <= hi) matched = true;
  }
  if (i >= p.size()) {  // no closing ']': a literal '['
    *end = 1;
    return c == '[';
  }
  *end = i + 1;
  return matched != negate;
}

// The fields of a line separated by blanks.
size_t Fields(std::string_view line, std::string_view* f, size_t max) {
  size_t n = 0;
  while (n < max) {
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string_view::npos) break;
    line.remove_prefix(b);
    size_t e = line.find_first_of(" \t");
    f[n++] = line.substr(0, e);
    if (e == std::string_view::npos) break;
    line.remove_prefix(e);
  }
  return n;
}

// Calls fn(line) for each line; stops at the first error it returns.
template <typename Fn>
Error EachLine(std::string_view text, Fn fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (Error e = fn(line)) return e;
  }
  return nullptr;
}

Error Add(std::string_view name, std::span<std::string_view> out, size_t* count) {
  for (size_t i = 0; i < *count; ++i)
    if (out[i] == name) return nullptr;
  if (*count == out.size()) return "more modules than there is room for";
  out[(*count)++] = name;
  return nullptr;
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, star_t = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = ++pi;
      star_t = ti;
      continue;
    }
    if (pi < p.size()) {
      size_t len = 1;
      bool ok = p[pi] == '?' || (p[pi] == '[' ? BracketMatch(p.substr(pi), t[ti], &len) : p[pi] == t[ti]);
      if (ok) {
        pi += len;
        ++ti;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    pi = star;  // let the last '*' take one more byte
    ti = ++star_t;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Error ModulesForModalias(std::string_view aliases, std::string_view modalias, std::span<std::string_view> out,
                         size_t* count) {
  *count = 0;
  return EachLine(aliases, [&](std::string_view line) -> Error {
    std::string_view f[3];
    size_t n = Fields(line, f, 3);
    if (n == 0 || f[0][0] == '#') return nullptr;
    if (f[0] != "alias") return nullptr;  // other directives are modprobe.d's, not depmod's
    if (n < 3) return "modules.alias: an alias line without a pattern and a module";
    return GlobMatch(f[1], modalias) ? Add(f[2], out, count) : nullptr;
  });
}

Error SoftdepPre(std::string_view softdeps, std::string_view module, std::span<std::string_view> out, size_t* count) {
  *count = 0;
  return EachLine(softdeps, [&](std::string_view line) -> Error {
    std::string_view f[34];
    size_t n = Fields(line, f, 34);
    if (n < 2 || f[0] != "softdep" || f[1] != module) return nullptr;
    if (n == 34) return "modules.softdep: a line with more than 32 dependencies";
    bool pre = false;
    for (size_t i = 2; i < n; ++i) {
      if (f[i] == "pre:" || f[i] == "post:") {
        pre = f[i] == "pre:";
        continue;
      }
      if (pre)
        if (Error e = Add(f[i], out, count)) return e;
    }
    return nullptr;
  });
}

namespace {

// The two hex digits after `key` (e.g. "bc") in a modalias, upper-cased; empty
// when absent. The key is searched after the first ':' and after 'sd'/'ip' style
// fields, so "bc" is found in "...sd00000002bc01sc00i00".
std::string_view Field(std::string_view m, std::string_view key, char out[2]) {
  for (size_t at = m.find(key); at != std::string_view::npos; at = m.find(key, at + 1)) {
    if (at + key.size() + 2 > m.size()) break;
    char a = m[at + key.size()], b = m[at + key.size() + 1];
    auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); };
    if (!hex(a) || !hex(b)) continue;
    out[0] = a >= 'a' ? char(a - 'a' + 'A') : a;
    out[1] = b >= 'a' ? char(b - 'a' + 'A') : b;
    return std::string_view(out, 2);
  }
  return {};
}

}  // namespace

bool IsStorageModalias(std::string_view m) {
  char b1[2], b2[2];
  if (m.substr(0, 4) == "pci:") {
    std::string_view cls = Field(m, "bc", b1), sub = Field(m, "sc", b2);
    return cls == "01" || (cls == "0C" && sub == "03") || (cls == "08" && sub == "05");
  }
  if (m.substr(0, 7) == "virtio:") return m.substr(7, 9) == "d00000002" || m.substr(7, 9) == "d00000008";
  if (m.substr(0, 4) == "usb:") return Field(m, "ic", b1) == "08";
  return m.substr(0, 5) == "scsi:" || m.substr(0, 4) == "mmc:";
}

bool IsNetworkModalias(std::string_view m) {
  char b[2];
  if (m.substr(0, 4) == "pci:") return Field(m, "bc", b) == "02";
  return m.substr(0, 7) == "virtio:" && m.substr(7, 9) == "d00000001";
}

}  // namespace kb
