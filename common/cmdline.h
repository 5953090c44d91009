// The stage-1 kernel command line (design.md, "Stage-1 kernel command line").
//
// Parameters are split as the kernel splits them (lib/cmdline.c next_arg): spaces
// separate, double quotes group, and quotes around a whole parameter or around its
// value are removed. Unlike the kernel, an unterminated quote is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"
#include "common/url.h"

namespace kb {

struct CmdlineParam {
  std::string_view key;
  std::string_view value;  // without its surrounding quotes
  bool has_value = false;  // "key=" has an empty value; "key" has none
};

// Takes the next parameter off the front of *rest. Returns false at the end of the
// line, or on an error (then *err is set and *rest is left empty).
bool NextParam(std::string_view* rest, CmdlineParam* out, Error* err);

// IPv4 in host byte order.
Error ParseIpv4(std::string_view s, uint32_t* out);

// kbisect.ip: "dhcp", or the kernel's static ip= syntax
// <client>:<server>:<gateway>:<netmask>:<hostname>:<device>:<autoconf>:<dns0>:<dns1>
// where client and netmask are required and autoconf is empty, "off", "none" or "static".
struct IpConfig {
  bool dhcp = true;
  uint32_t client = 0, server = 0, gateway = 0, netmask = 0, dns0 = 0, dns1 = 0;
  std::string_view hostname, device;
};
Error ParseIpConfig(std::string_view s, IpConfig* out);

inline constexpr size_t kMaxModules = 32;
// kbisect.if: an interface's name ([A-Za-z0-9._-], at most 15) or its MAC address
// (six hex pairs separated by ':').
Error CheckInterface(std::string_view v);

// kbisect.modules: comma-separated module names, [A-Za-z0-9_-], at most 32 of them.
Error CheckModuleList(std::string_view list);

inline constexpr unsigned kMaxTimeout = 3600;

struct Config {
  std::string_view server;       // kbisect.server, checked by ParseUrl
  Url server_url;
  std::string_view machine;      // empty: from DHCP or the MAC address
  unsigned timeout = 2;          // seconds of menu; 0: no menu
  std::string_view nfs_host;     // empty: images over HTTP
  std::string_view nfs_export;
  std::string_view nfs_options;  // after the export: ",vers=3,port=2049" (without the comma)
  std::string_view append;
  bool has_append = false;       // false: the image's cmdline
  IpConfig ip;
  std::string_view iface;        // kbisect.if: an interface's name or MAC (aa:bb:..); empty: each with a link
  std::string_view modules;
  bool has_modules = false;      // false: /etc/kbisect/modules
  std::string_view arch;         // the list's arch, x86_64 or i386; empty: the stage-1's own
  bool kexec_load = false;       // kbisect.kexec=load: kexec_load for 64-bit images too
};

struct ConfigError {
  std::string_view param;  // the parameter as written (key=value), or the key
  Error reason;
};

// Reads the kbisect.* parameters of a command line into *out (views into cmdline);
// other parameters are ignored. A bad or unknown kbisect.* parameter, a repeated
// one, bad quoting and a missing kbisect.server are errors: the first
// errors.size() of them are stored, the rest of the line is still read, and bad
// values leave their defaults. Returns the number of errors.
size_t ParseConfig(std::string_view cmdline, Config* out, std::span<ConfigError> errors);

}  // namespace kb
