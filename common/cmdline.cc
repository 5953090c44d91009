#include "common/cmdline.h"

#include "common/arch.h"

#include "common/chars.h"
#include "common/names.h"

namespace kb {

bool NextParam(std::string_view* rest, CmdlineParam* out, Error* err) {
  std::string_view s = *rest;
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  if (s.empty()) {
    *rest = s;
    return false;
  }
  bool quoted = s.front() == '"';
  if (quoted) s.remove_prefix(1);
  bool in_quote = quoted;
  size_t i = 0, equals = std::string_view::npos;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (IsSpace(c) && !in_quote) break;
    if (equals == std::string_view::npos && c == '=') equals = i;
    if (c == '"') in_quote = !in_quote;
  }
  if (in_quote) {
    *err = "unterminated quote";
    *rest = {};
    return false;
  }
  std::string_view param = s.substr(0, i);
  *rest = s.substr(i);
  // A quote that opened the parameter closes at its end.
  if (quoted && !param.empty() && param.back() == '"') param.remove_suffix(1);
  CmdlineParam p;
  if (equals == std::string_view::npos || equals >= param.size()) {
    p.key = param;
  } else {
    p.key = param.substr(0, equals);
    p.value = param.substr(equals + 1);
    p.has_value = true;
    if (!p.value.empty() && p.value.front() == '"') {
      p.value.remove_prefix(1);
      if (!p.value.empty() && p.value.back() == '"') p.value.remove_suffix(1);
    }
  }
  *out = p;
  return true;
}

Error ParseIpv4(std::string_view s, uint32_t* out) {
  uint32_t addr = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (s.empty() || s.front() != '.') return "not a dotted IPv4 address";
      s.remove_prefix(1);
    }
    size_t digits = 0;
    uint32_t v = 0;
    while (digits < s.size() && IsDigit(s[digits])) {
      v = v * 10 + uint32_t(s[digits] - '0');
      if (++digits > 3) return "not a dotted IPv4 address";
    }
    if (digits == 0 || v > 255) return "not a dotted IPv4 address";
    s.remove_prefix(digits);
    addr = addr << 8 | v;
  }
  if (!s.empty()) return "not a dotted IPv4 address";
  *out = addr;
  return nullptr;
}

Error ParseIpConfig(std::string_view s, IpConfig* out) {
  if (s == "dhcp") {
    *out = IpConfig{};
    return nullptr;
  }
  std::string_view f[9];
  size_t n = 0;
  while (true) {
    size_t colon = s.find(':');
    if (n == 9) return "ip= has more than 9 fields";
    f[n++] = s.substr(0, colon);
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
  }
  IpConfig ip;
  ip.dhcp = false;
  if (f[0].empty()) return "ip= has no client address (use kbisect.ip=dhcp for DHCP)";
  if (ParseIpv4(f[0], &ip.client)) return "ip= client address is not a dotted IPv4 address";
  if (!f[1].empty() && ParseIpv4(f[1], &ip.server)) return "ip= server address is not a dotted IPv4 address";
  if (!f[2].empty() && ParseIpv4(f[2], &ip.gateway)) return "ip= gateway is not a dotted IPv4 address";
  if (f[3].empty()) return "ip= has no netmask";
  if (ParseIpv4(f[3], &ip.netmask)) return "ip= netmask is not a dotted IPv4 address";
  uint32_t inverted = ~ip.netmask;
  if (ip.netmask == 0 || (inverted & (inverted + 1)) != 0) return "ip= netmask is not contiguous";
  if (!f[4].empty() && CheckHostName(f[4])) return "ip= host name is not a valid host name";
  ip.hostname = f[4];
  if (f[5].size() > 15) return "ip= device name is longer than 15 characters";
  for (char c : f[5])
    if (!(IsAlnum(c) || c == '_' || c == '-' || c == '.')) return "ip= device name has a bad character";
  ip.device = f[5];
  if (!(f[6].empty() || f[6] == "off" || f[6] == "none" || f[6] == "static"))
    return "ip= autoconf must be off with a static address (use kbisect.ip=dhcp for DHCP)";
  if (!f[7].empty() && ParseIpv4(f[7], &ip.dns0)) return "ip= dns0 is not a dotted IPv4 address";
  if (!f[8].empty() && ParseIpv4(f[8], &ip.dns1)) return "ip= dns1 is not a dotted IPv4 address";
  *out = ip;
  return nullptr;
}

Error CheckInterface(std::string_view v) {
  auto hex = [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'); };
  if (v.size() == 17 && v[2] == ':') {
    for (size_t i = 0; i < 17; ++i)
      if (i % 3 == 2 ? v[i] != ':' : !hex(v[i])) return "if is an interface's name or a MAC address (aa:bb:cc:dd:ee:ff)";
    return nullptr;
  }
  if (v.empty() || v.size() > 15) return "if is an interface's name (1 to 15 characters) or a MAC address";
  for (char ch : v)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
          ch == '-'))
      return "if is an interface's name ([A-Za-z0-9._-]) or a MAC address";
  return nullptr;
}

Error CheckModuleList(std::string_view list) {
  if (list.empty()) return nullptr;
  size_t count = 0;
  while (true) {
    size_t comma = list.find(',');
    std::string_view m = list.substr(0, comma);
    if (m.empty()) return "module list has an empty name";
    if (m.size() > 55) return "module name is longer than 55 characters";
    for (char c : m)
      if (!(IsAlnum(c) || c == '_' || c == '-')) return "module name has a character outside [A-Za-z0-9_-]";
    if (++count > kMaxModules) return "more than 32 modules";
    if (comma == std::string_view::npos) return nullptr;
    list.remove_prefix(comma + 1);
  }
}

namespace {

Error ParseTimeout(std::string_view v, unsigned* out) {
  if (v.empty() || v.size() > 4) return "timeout is not a number of seconds from 0 to 3600";
  unsigned t = 0;
  for (char c : v) {
    if (!IsDigit(c)) return "timeout is not a number of seconds from 0 to 3600";
    t = t * 10 + unsigned(c - '0');
  }
  if (t > kMaxTimeout) return "timeout is not a number of seconds from 0 to 3600";
  *out = t;
  return nullptr;
}

// HOST:/EXPORT[,MOUNT OPTIONS]
Error ParseNfs(std::string_view v, Config* c) {
  size_t colon = v.find(':');
  if (colon == std::string_view::npos) return "nfs is not HOST:/EXPORT";
  std::string_view host = v.substr(0, colon), exp = v.substr(colon + 1), options;
  if (Error e = CheckHostName(host)) return e;
  size_t comma = exp.find(',');
  if (comma != std::string_view::npos) {
    options = exp.substr(comma + 1);
    exp = exp.substr(0, comma);
    if (options.empty()) return "nfs mount options are empty after ','";
    if (options.size() > 256) return "nfs mount options are longer than 256 characters";
    for (char ch : options)
      if (!(IsAlnum(ch) || ch == '=' || ch == ',' || ch == '.' || ch == '_' || ch == '-'))
        return "nfs mount options have a character outside [A-Za-z0-9=,._-]";
  }
  if (exp.empty() || exp.front() != '/') return "nfs export does not start with '/'";
  if (exp.size() > 1024) return "nfs export is longer than 1024 characters";
  for (char ch : exp)
    if (IsControl(ch) || ch == ' ') return "nfs export has a space or control byte";
  c->nfs_host = host;
  c->nfs_export = exp;
  c->nfs_options = options;
  return nullptr;
}

Error CheckAppend(std::string_view v) {
  if (v.size() > 2048) return "append is longer than 2048 characters";
  for (char c : v)
    if (IsControl(c)) return "append has a control byte";
  return nullptr;
}

// One row per kbisect.* key; `seen` bits catch repeats.
struct Key {
  std::string_view name;
  Error (*apply)(std::string_view value, Config* c);
};

constexpr Key kKeys[] = {
    {"kbisect.server",
     [](std::string_view v, Config* c) -> Error {
       if (Error e = ParseUrl(v, &c->server_url)) return e;
       c->server = v;
       return nullptr;
     }},
    {"kbisect.machine",
     [](std::string_view v, Config* c) -> Error {
       if (Error e = CheckMachineName(v)) return e;
       c->machine = v;
       return nullptr;
     }},
    {"kbisect.timeout", [](std::string_view v, Config* c) { return ParseTimeout(v, &c->timeout); }},
    {"kbisect.nfs", ParseNfs},
    {"kbisect.append",
     [](std::string_view v, Config* c) -> Error {
       if (Error e = CheckAppend(v)) return e;
       c->append = v;
       c->has_append = true;
       return nullptr;
     }},
    {"kbisect.ip", [](std::string_view v, Config* c) { return ParseIpConfig(v, &c->ip); }},
    {"kbisect.if",
     [](std::string_view v, Config* c) -> Error {
       if (Error e = CheckInterface(v)) return e;
       c->iface = v;
       return nullptr;
     }},
    {"kbisect.modules",
     [](std::string_view v, Config* c) -> Error {
       if (Error e = CheckModuleList(v)) return e;
       c->modules = v;
       c->has_modules = true;
       return nullptr;
     }},
    {"kbisect.arch",
     [](std::string_view v, Config* c) -> Error {
       if (!FindArch(v)) return "arch is not one kbisect builds (common/arches.def)";
       c->arch = v;
       return nullptr;
     }},
    {"kbisect.kexec",
     [](std::string_view v, Config* c) -> Error {
       if (v != "auto" && v != "load") return "kexec is auto or load";
       c->kexec_load = v == "load";
       return nullptr;
     }},
};

}  // namespace

size_t ParseConfig(std::string_view cmdline, Config* out, std::span<ConfigError> errors) {
  *out = Config{};
  size_t count = 0;
  auto fail = [&](std::string_view param, Error reason) {
    if (count < errors.size()) errors[count] = ConfigError{param, reason};
    ++count;
  };
  bool seen[std::size(kKeys)] = {};
  std::string_view rest = cmdline;
  CmdlineParam p;
  Error err = nullptr;
  while (NextParam(&rest, &p, &err)) {
    if (p.key.substr(0, 8) != "kbisect.") continue;
    const Key* key = nullptr;
    for (const Key& k : kKeys)
      if (k.name == p.key) key = &k;
    if (!key) {
      fail(p.key, "unknown kbisect parameter");
      continue;
    }
    size_t index = size_t(key - kKeys);
    if (seen[index]) {
      fail(p.key, "given more than once");
      continue;
    }
    seen[index] = true;
    if (!p.has_value) {
      fail(p.key, "has no value");
      continue;
    }
    Config trial = *out;
    if (Error e = key->apply(p.value, &trial)) {
      fail(p.key, e);
      continue;
    }
    *out = trial;
  }
  if (err) fail("command line", err);
  if (!seen[0]) fail("kbisect.server", "missing (the server's base URL)");
  return count;
}

}  // namespace kb
