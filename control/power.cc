#include "control/power.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/format.h"

namespace kb {

// The backends' Open functions, each in its own file.
std::unique_ptr<Power> OpenIpmiPower(const PowerTarget& t, std::string* why);
std::unique_ptr<Power> OpenRedfishPower(const PowerTarget& t, std::string* why);
std::unique_ptr<Power> OpenPduPower(const PowerTarget& t, std::string* why);
std::unique_ptr<Power> OpenQmpPower(const PowerTarget& t, std::string* why);
std::unique_ptr<Power> OpenCommandPower(const PowerTarget& t, std::string* why);

namespace {

// First match wins: the command, which takes anything, is last.
const PowerBackend kPowerBackends[] = {
    {"ipmi://", "ipmi://USER@HOST[:PORT][?cipher=N]", "a BMC over IPMI LAN+ (ipmitool; -C N), --power-secret FILE", OpenIpmiPower},
    {"redfish://", "redfish://USER@HOST[:PORT]/redfish/v1/Systems/ID", "a BMC over Redfish (https; --power-ca FILE)",
     OpenRedfishPower},
    {"redfish+http://", "redfish+http://...", "the same without TLS (a lab's BMC network)", OpenRedfishPower},
    {"pdu://", "pdu://HOST[:PORT]/PDU/PORT", "an outlet through pdudaemon's HTTP listener (port 16421)", OpenPduPower},
    {"qmp:", "qmp:SOCKET", "QEMU's QMP socket (on: reset and run; off: stop)", OpenQmpPower},
    {"", "CMD", "a shell command that power-cycles the machine", OpenCommandPower},
};

}  // namespace

const char* PowerVerbName(PowerVerb v) {
  switch (v) {
    case PowerVerb::kOn: return "power on";
    case PowerVerb::kOff: return "power off";
    case PowerVerb::kCycle: return "power-cycle";
    case PowerVerb::kStatus: return "tell the power state";
  }
  return "?";
}

std::unique_ptr<Power> OpenPower(const PowerTarget& t, std::string* why) {
  if (t.spec.empty()) return *why = "no --power given", nullptr;
  for (const PowerBackend& b : kPowerBackends)
    if (t.spec.rfind(b.prefix, 0) == 0) return b.open(t, why);
  return *why = "--power '" + t.spec + "': no backend takes it", nullptr;
}

std::string CheckSecretFile(const std::string& path) {
  struct stat st;
  if (path.empty()) return "no --power-secret FILE (the password's file)";
  if (lstat(path.c_str(), &st) != 0) return "--power-secret " + path + ": " + strerror(errno);
  if (!S_ISREG(st.st_mode)) return "--power-secret " + path + ": not a regular file";
  if (st.st_mode & 077)
    return "--power-secret " + path + ": others may read or change it (mode " +
           std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
           std::to_string(st.st_mode & 7) + "): chmod 600 it";
  if (access(path.c_str(), R_OK) != 0) return "--power-secret " + path + ": " + strerror(errno);
  return "";
}

namespace {

// What an address may be: a host name, an IPv4 address, or an IPv6 one.
bool HostOk(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '-') return false;
  for (char c : h)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
          c == ':' || c == '_'))
      return false;
  return true;
}

// A user name as BMCs take them (16 bytes in IPMI 2.0; Redfish's are longer),
// nothing a tool would read as an option.
bool UserOk(std::string_view u) {
  if (u.empty() || u.size() > 64 || u.front() == '-') return false;
  for (char c : u)
    if (static_cast<unsigned char>(c) <= ' ' || c == '@' || c == '/' || c == ':' || c == 0x7f) return false;
  return true;
}

}  // namespace

bool ParseBmcAddress(std::string_view text, const std::string& default_port, const std::string& form,
                     BmcAddress* out, std::string* why) {
  *out = BmcAddress{};
  size_t at = text.find('@');
  if (at != std::string_view::npos) {
    out->user = std::string(text.substr(0, at));
    text = text.substr(at + 1);
    if (!UserOk(out->user)) return *why = form + ": bad user '" + out->user + "'", false;
  }
  std::string host(text), port = default_port;
  // host:port, or [v6]:port; a bare IPv6 address has more than one colon.
  size_t colon = text.rfind(':');
  if (colon != std::string_view::npos && colon > 0 &&
      (text.front() == '[' ? text[colon - 1] == ']' : text.find(':') == colon)) {
    host = std::string(text.substr(0, colon));
    port = std::string(text.substr(colon + 1));
    bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535)
      return *why = form + ": bad port '" + port + "'", false;
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (!HostOk(host)) return *why = form + ": bad host '" + host + "'", false;
  out->host = host;
  out->port = port;
  return true;
}

bool ReadSecret(const std::string& path, std::string* password, std::string* why) {
  if (std::string bad = CheckSecretFile(path); !bad.empty()) return *why = bad, false;
  FILE* f = fopen(path.c_str(), "re");
  if (!f) return *why = "--power-secret " + path + ": " + strerror(errno), false;
  char buf[512];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  std::string s(buf, n);
  s = s.substr(0, s.find('\n'));
  if (!s.empty() && s.back() == '\r') s.pop_back();
  if (s.empty()) return *why = "--power-secret " + path + ": empty (the password is its first line)", false;
  *password = s;
  return true;
}

std::string PowerUsage() {
  std::string out;
  for (const PowerBackend& b : kPowerBackends) out += FormRow(b.form, b.usage);
  return out;
}

bool PowerCycleOrOn(Power& p, std::string* why) {
  if (p.Can(PowerVerb::kStatus)) {
    PowerState s;
    if (!p.Status(&s, why)) return false;
    if (s == PowerState::kOff) return p.On(why);
  }
  if (p.Can(PowerVerb::kCycle)) return p.Cycle(why);
  if (p.Can(PowerVerb::kOff) && p.Can(PowerVerb::kOn)) return p.Off(why) && p.On(why);
  return *why = p.Name() + " cannot power-cycle the machine", false;
}

}  // namespace kb
