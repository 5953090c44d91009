#include "builder/config.h"

#include <functional>
#include <filesystem>
#include <sstream>

#include "common/arch.h"
#include "common/ini.h"
#include "common/names.h"

namespace kb {
namespace {

std::string Int(std::string_view v, int lo, int hi, int* out) {
  if (v.empty() || v.size() > 9) return "not a number";
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return "not a number";
    n = n * 10 + (c - '0');
  }
  if (n < lo || n > hi) return "not between " + std::to_string(lo) + " and " + std::to_string(hi);
  *out = n;
  return "";
}

std::string Bool(std::string_view v, bool* out) {
  if (v == "yes" || v == "true" || v == "1" || v == "on") {
    *out = true;
  } else if (v == "no" || v == "false" || v == "0" || v == "off") {
    *out = false;
  } else {
    return "not yes or no";
  }
  return "";
}

std::string Path(std::string_view v, std::string* out) {
  if (v.empty() || v.front() != '/') return "not an absolute path";
  *out = v;
  return "";
}

std::vector<std::string> Words(std::string_view v) {
  std::vector<std::string> out;
  std::istringstream in{std::string(v)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool NameOk(std::string_view n) {
  if (n.empty() || n.size() > 100) return false;
  for (char c : n)
    if (c <= ' ' || c == 0x7f || c == '\\' || c == '"') return false;
  return true;
}

// [builder] distcc = HOST/N HOST:PORT/N ...: the farm's hosts and the jobs each takes.
std::string Distcc(std::string_view v, std::vector<DistccHost>* out) {
  out->clear();
  for (const std::string& w : Words(v)) {
    const std::string what = "'" + w + "' is not HOST/N or HOST:PORT/N";
    size_t slash = w.rfind('/');
    if (slash == std::string::npos) return what + " (N: the jobs it takes)";
    DistccHost h;
    h.host = w.substr(0, slash);
    if (std::string e = Int(std::string_view(w).substr(slash + 1), 1, 64, &h.slots); !e.empty())
      return what + ": N is " + e;
    if (size_t colon = h.host.find(':'); colon != std::string::npos) {
      if (std::string e = Int(std::string_view(h.host).substr(colon + 1), 1, 65535, &h.port); !e.empty())
        return what + ": PORT is " + e;
      h.host.resize(colon);
    }
    if (h.host.empty() || h.host.size() > 253) return what + ": no host";
    for (char ch : h.host)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-'))
        return what + ": the host is not a name or an IPv4 address";
    if (h.host.front() == '-' || h.host == "localhost")
      return what + ": " + (h.host == "localhost" ? "the local jobs are [builder] jobs" : "the host starts with '-'");
    for (const DistccHost& o : *out)
      if (o.host == h.host && o.port == h.port) return "'" + w + "': host given twice";
    out->push_back(h);
  }
  return out->empty() ? "no host (HOST/N ...)" : "";
}

// One function per section: an error for the key (or "" when fine). The section
// header itself comes with an empty key.
std::string BuilderKey(BuilderConfig& c, std::string_view key, std::string_view v) {
  if (key == "repo") return Path(v, &c.repo);
  if (key == "images") return Path(v, &c.images);
  if (key == "state") return Path(v, &c.state);
  if (key == "work") return Path(v, &c.work);
  if (key == "jobs") return Int(v, 0, 1024, &c.jobs);
  if (key == "ccache") return Bool(v, &c.ccache);
  if (key == "distcc") return Distcc(v, &c.distcc);
  if (key == "poll") return Int(v, 1, 86400, &c.poll);
  if (key == "first_parent") return Bool(v, &c.first_parent);
  if (key == "signing_key") return Path(v, &c.signing_key);
  if (key == "kernel_signing_key") return Path(v, &c.kernel_signing.key);
  if (key == "kernel_signing_cert") return Path(v, &c.kernel_signing.cert);
  if (key == "confine") return Bool(v, &c.confine);
  return "unknown key (repo, images, state, work, jobs, ccache, distcc, poll, first_parent, confine, signing_key, "
         "kernel_signing_key, kernel_signing_cert)";
}

std::string MailKey(BuilderConfig& c, std::string_view key, std::string_view v) {
  if (key == "to") return c.mail_to = v, v.find('@') == std::string_view::npos ? "not a mail address" : "";
  if (key == "from") return c.mail_from = v, v.find('@') == std::string_view::npos ? "not a mail address" : "";
  if (key == "sendmail") return Path(v, &c.sendmail);
  return "unknown key (to, from, sendmail)";
}

std::string KeepKey(BuilderConfig& c, std::string_view key, std::string_view v) {
  if (key == "per_branch_arch") return Int(v, 0, 1000000, &c.keep_per_branch_arch);
  if (key == "days") return Int(v, 0, 100000, &c.keep_days);
  return "unknown key (per_branch_arch, days)";
}

std::string BranchKey(BuilderConfig& c, std::string_view section, std::string_view key, std::string_view v) {
  std::string name(section.substr(7));
  if (!NameOk(name)) return "bad branch name";
  if (key.empty()) {  // the section's header
    for (const BranchConfig& b : c.branches)
      if (b.name == name) return "branch given twice";
    c.branches.push_back({name, "refs/heads/" + name, ""});
    return "";
  }
  BranchConfig& b = c.branches.back();
  if (key == "ref") return v.substr(0, 5) == "refs/" && NameOk(v) ? (b.ref = v, "") : "not refs/...";
  if (key == "remote") return NameOk(v) ? (b.remote = v, "") : "bad remote name";
  return "unknown key (ref, remote)";
}

std::string ArchKey(BuilderConfig& c, std::string_view section, std::string_view key, std::string_view v) {
  std::string name(section.substr(5));
  if (!FindArch(name)) return "unsupported arch (" + std::string(ArchNames()) + ")";
  if (key.empty()) {  // the section's header
    for (const ArchConfig& a : c.arches)
      if (a.name == name) return "arch given twice";
    c.arches.push_back({name, "", {}, {std::string(FindArch(name)->image_file)}, {}, "", ""});
    return "";
  }
  ArchConfig& a = c.arches.back();
  if (key == "config") return v.empty() ? "empty" : (a.config = v, "");
  if (key == "fragments") {
    a.fragments = Words(v);
    for (const std::string& f : a.fragments)
      if (f.front() != '/') return "fragment " + f + " is not an absolute path";
    return "";
  }
  if (key == "targets") {
    a.targets = Words(v);
    for (const std::string& t : a.targets)
      if (t != "bzImage" && t != "modules") return "target " + t + " is not bzImage or modules";
    return a.targets.empty() ? "no target" : "";
  }
  if (key == "make") {
    a.make_vars = Words(v);
    for (const std::string& m : a.make_vars)
      if (m.find('=') == std::string::npos || m.front() == '=') return "'" + m + "' is not VAR=value";
    return "";
  }
  if (key == "cmdline") {
    for (char ch : v)
      if (static_cast<unsigned char>(ch) < 0x20) return "control byte";
    a.cmdline = v;
    return "";
  }
  if (key == "initrd") return Path(v, &a.initrd);
  return "unknown key (config, fragments, targets, make, cmdline, initrd)";
}

}  // namespace

bool LoadBuilderConfig(const std::string& path, BuilderConfig* out, std::string* err) {
  BuilderConfig c;
  c.path = path;
  auto entry = [&](std::string_view section, std::string_view key, std::string_view v) -> std::string {
    bool plain = section == "builder" || section == "mail" || section == "keep";
    if (plain && key.empty()) return "";
    if (section == "builder") return BuilderKey(c, key, v);
    if (section == "mail") return MailKey(c, key, v);
    if (section == "keep") return KeepKey(c, key, v);
    if (section.substr(0, 7) == "branch ") return BranchKey(c, section, key, v);
    if (section.substr(0, 5) == "arch ") return ArchKey(c, section, key, v);
    return "unknown section ([builder], [mail], [keep], [branch NAME], [arch NAME])";
  };
  if (!ReadIni(path, entry, err)) return false;
  const std::pair<const char*, std::string*> required[] = {
      {"repo", &c.repo}, {"images", &c.images}, {"state", &c.state}, {"work", &c.work}};
  for (const auto& [key, value] : required)
    if (value->empty()) return *err = path + ": [builder] " + key + " is missing", false;
  if (c.branches.empty()) return *err = path + ": no [branch NAME] section", false;
  if (c.arches.empty()) return *err = path + ": no [arch NAME] section", false;
  for (const ArchConfig& a : c.arches)
    if (a.config.empty()) return *err = path + ": [arch " + a.name + "] config is missing", false;
  if (c.mail_to.empty() != c.mail_from.empty())
    return *err = path + ": [mail] needs both to and from", false;
  // A build writes only under work: it must not be under what a build sees read-only.
  // Compared as the kernel will resolve them (symbolic links, "..", a trailing '/').
  auto real = [](const std::string& p) {
    std::error_code ec;
    std::string r = std::filesystem::weakly_canonical(p, ec).string();
    return ec || r.empty() ? p : r;
  };
  const std::string work = real(c.work);
  for (const std::string* ro : {&c.repo, &c.images, &c.state})
    if (c.confine && (work == real(*ro) || work.rfind(real(*ro) + "/", 0) == 0))
      return *err = path + ": [builder] work " + c.work + " is inside " + *ro +
                    ", which builds see read-only (put it elsewhere, or confine = no)",
             false;
  if (!c.signing_key.empty()) {
    std::string why;
    if (!c.key.Load(c.signing_key, &why)) return *err = path + ": [builder] signing_key: " + why, false;
    c.sign = true;
  }
  if (std::string why = CheckKernelSigning(c.kernel_signing); !why.empty())
    return *err = path + ": [builder] " + why, false;
  *out = std::move(c);
  return true;
}

}  // namespace kb
