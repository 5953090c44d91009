#include "control/lab.h"

#include <algorithm>
#include <cstdlib>

#include "common/arch.h"
#include "common/fileio.h"
#include "common/ini.h"
#include "common/names.h"
#include "control/http.h"

namespace kb {

const char kDefaultLab[] = "/etc/kbisect/lab.ini";

const LabMachine* Lab::Find(const std::string& name) const {
  for (const LabMachine& m : machines)
    if (m.name == name) return &m;
  return nullptr;
}

namespace {

std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < s.size()) {
    size_t start = s.find_first_not_of(" \t,", at);
    if (start == std::string::npos) break;
    size_t end = s.find_first_of(" \t,", start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    at = end;
  }
  return out;
}

}  // namespace

bool ParseLab(const std::string& source, const std::string& text, Lab* lab, std::string* why) {
  *lab = Lab{};
  lab->source = source;
  Lab l;
  l.source = source;
  auto entry = [&](std::string_view section_v, std::string_view key_v, std::string_view value_v) -> std::string {
    const std::string section(section_v), key(key_v), value(value_v);
    if (section.empty()) {
      if (key == "server") return l.server = value, "";
      return "unknown key '" + key + "' (before the machines' sections: server)";
    }
    if (key.empty()) {  // a section: a machine
      if (CheckMachineName(section))
        return "bad machine name: [A-Za-z0-9._-], 1 to 64 characters, not starting with '.'";
      if (l.Find(section)) return "machine " + section + " twice";
      l.machines.push_back(LabMachine{section, {}, "", {}, ""});
      return "";
    }
    LabMachine& m = l.machines.back();
    if (key == "arch") {
      if (!FindArch(value)) return "arch is one of " + std::string(ArchNames()) + ", not '" + value + "'";
      return m.arch = value, "";
    }
    if (key == "tags") {
      for (const std::string& t : Words(value))
        if (CheckMachineName(t)) return "bad tag '" + t + "': [A-Za-z0-9._-]";
      return m.tags = Words(value), "";
    }
    if (key == "description") return m.description = value, "";
    if (!IsMachineOption(key))
      return "unknown key (a machine's: " + std::string(MachineOptionNames()) + ", arch, tags, description)";
    for (const auto& kv : m.options)
      if (kv.first == key) return "given twice";
    if (value.empty()) return "needs a value";
    m.options.emplace_back(key, value);
    return "";
  };
  if (!ReadIniText(source, text, entry, why)) return false;
  *lab = std::move(l);
  return true;
}

bool ReadLab(const std::string& source, bool explicit_source, Lab* lab, std::string* why) {
  *lab = Lab{};
  lab->source = source;
  std::string text;
  if (source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0) {
    HttpRequest r;
    r.url = source;
    r.timeout = 30;
    HttpAnswer a = HttpDo(r);
    if (a.code == 0) return *why = "the lab file " + source + ": unreachable: " + a.why, false;
    if (a.code < 200 || a.code > 299)
      return *why = "the lab file " + source + ": the server answered " + std::to_string(a.code), false;
    text = a.body + "\n";
  } else {
    std::string err;
    bool missing = false;
    if (!ReadFile(source, &text, &err, explicit_source ? nullptr : &missing, size_t(4) << 20))
      return *why = "the lab file: " + err, false;
    if (missing) return true;  // the default file absent: no profiles
  }
  return ParseLab(source, text, lab, why);
}

bool LoadLab(const std::string& flag, Lab* lab, bool* given, std::string* why) {
  const char* env = getenv("KBISECT_LAB");
  *given = !flag.empty() || (env && *env);
  return ReadLab(!flag.empty() ? flag : *given ? env : kDefaultLab, *given, lab, why);
}

bool ApplyLab(const Lab& lab, bool lab_given, Options* o, std::string* why) {
  if (!o->pool.empty()) {
    if (!o->machines.empty()) return *why = "--pool TAG and --machine: give one", false;
    for (const LabMachine& m : lab.machines)
      if (std::find(m.tags.begin(), m.tags.end(), o->pool) != m.tags.end()) o->machines.push_back(m.name);
    if (o->machines.empty())
      return *why = "--pool " + o->pool + ": no machine of " +
                    (lab.source.empty() ? std::string(kDefaultLab) : lab.source) + " has that tag",
             false;
    o->machine = o->machines.front();
  }
  std::string arch;
  for (const std::string& name : o->machines) {
    const LabMachine* m = lab.Find(name);
    if (!m) {
      if (lab_given) return *why = "machine " + name + " is not in the lab file " + lab.source, false;
      continue;
    }
    o->profiles[name] = m->options;
    if (m->arch.empty()) continue;
    if (!arch.empty() && arch != m->arch)
      return *why = "the pool's machines are of different arches (" + arch + ", " + m->arch +
                    "): one run boots images of one",
             false;
    arch = m->arch;
  }
  if (!o->arch_given && !arch.empty()) o->arch = arch;
  if (o->server.empty()) o->server = lab.server;
  return true;
}

}  // namespace kb
