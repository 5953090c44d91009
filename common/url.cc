#include "common/url.h"

#include "common/chars.h"

namespace kb {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

Error CheckHostName(std::string_view h) {
  if (h.empty()) return "URL has no host";
  if (h.size() > 253) return "URL host is longer than 253 characters";
  if (h[0] == '[') return "URL host is an IPv6 literal (only IPv4 is supported)";
  for (char c : h)
    if (!(IsAlnum(c) || c == '.' || c == '-')) return "URL host has a character outside [A-Za-z0-9.-]";
  if (h.front() == '.' || h.front() == '-' || h.back() == '-')
    return "URL host starts or ends with '.' or '-'";
  return nullptr;
}

Error ParseUrl(std::string_view s, Url* out) {
  Url u;
  if (StartsWith(s, "http://")) {
    s.remove_prefix(7);
    u.port = 80;
  } else if (StartsWith(s, "https://")) {
    s.remove_prefix(8);
    u.tls = true;
    u.port = 443;
  } else {
    return "URL does not start with http:// or https://";
  }
  for (char c : s) {
    if (IsControl(c) || c == ' ') return "URL has a space or control byte";
    if (c == '?' || c == '#') return "URL has a query or fragment";
    if (c == '@') return "URL has user info";
    if (c == '\\' || static_cast<unsigned char>(c) >= 0x80) return "URL has a character it may not have";
  }
  size_t slash = s.find('/');
  std::string_view authority = s.substr(0, slash);
  u.path = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
  while (!u.path.empty() && u.path.back() == '/') u.path.remove_suffix(1);
  size_t colon = authority.find(':');
  u.host = authority.substr(0, colon);
  if (Error e = CheckHostName(u.host)) return e;
  if (colon != std::string_view::npos) {
    std::string_view p = authority.substr(colon + 1);
    if (p.empty() || p.size() > 5) return "URL port is not a number from 1 to 65535";
    uint32_t port = 0;
    for (char c : p) {
      if (!IsDigit(c)) return "URL port is not a number from 1 to 65535";
      port = port * 10 + uint32_t(c - '0');
    }
    if (port == 0 || port > 65535) return "URL port is not a number from 1 to 65535";
    u.port = uint16_t(port);
  }
  for (size_t i = 0; i + 1 < u.path.size(); ++i) {
    if (u.path[i] == '/' && u.path[i + 1] == '.') {
      std::string_view seg = u.path.substr(i + 1, u.path.find('/', i + 1) - (i + 1));
      if (seg == "." || seg == "..") return "URL path has a '.' or '..' segment";
    }
  }
  *out = u;
  return nullptr;
}

Error PercentDecode(std::string_view src, bool form, std::span<char> out, size_t* len) {
  if (out.size() < src.size()) return "decode buffer too small";
  size_t n = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    char c = src[i];
    if (c == '%') {
      if (i + 2 >= src.size()) return "'%' is not followed by two hex digits";
      int hi = HexValue(src[i + 1]), lo = HexValue(src[i + 2]);
      if (hi < 0 || lo < 0) return "'%' is not followed by two hex digits";
      c = char(hi * 16 + lo);
      i += 2;
      if (c == '\0') return "decodes to a NUL byte";
    } else if (form && c == '+') {
      c = ' ';
    }
    if (IsControl(c)) return "has a control byte";
    out[n++] = c;
  }
  *len = n;
  return nullptr;
}

Error ParseQuery(std::string_view query, std::span<QueryParam> params, std::span<char> buf,
                 std::string_view* where) {
  if (query.size() > kMaxQuery) return "query is longer than 4 KiB";
  if (buf.size() < query.size()) return "decode buffer too small";
  size_t used = 0;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string_view raw_name = piece.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    if (where) *where = raw_name;
    size_t n;
    if (Error e = PercentDecode(raw_name, true, buf.subspan(used), &n)) return e;
    std::string_view name(buf.data() + used, n);
    QueryParam* p = nullptr;
    for (QueryParam& q : params)
      if (q.name == name) p = &q;
    if (!p) return "unknown parameter";
    if (p->present) return "parameter given more than once";
    if (Error e = PercentDecode(raw_value, true, buf.subspan(used), &n)) return e;
    p->value = std::string_view(buf.data() + used, n);
    p->present = true;
    used += n;
  }
  if (where) *where = {};
  return nullptr;
}

}  // namespace kb
