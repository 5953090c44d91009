// GET <server>/list?machine=M[&arch=A][&format=text|json|tsv]: the images a machine
// may boot, one name a line: its `once`, then its `default`, then every other image
// of the arch, newest first, each once. json and tsv add each image's manifest
// fields (tsv is for scripts: one image a line, tab-separated fields in a fixed
// order, no header; no field can hold a tab or a newline).
#include <algorithm>
#include <cstdio>

#include "cgi/handlers.h"
#include "cgi/json.h"
#include "cgi/state.h"
#include "store/store.h"

namespace kb {
namespace {

bool CheckArch(std::string_view a) {
  if (a.empty() || a.size() > 16) return false;
  for (char c : a)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// The machine's choice in `file` ("once" or "default"). A choice that cannot be
// honoured is an error, never silently another kernel: a damaged state file
// (500), or an image that is no longer in the store (409: removed by hand; prune
// keeps chosen images).
bool Chosen(const MachineState& st, std::string_view machine, const char* file, const ServerConfig& cfg,
            std::optional<std::string>* name, Response* err) {
  std::string why;
  if (!st.ReadName(file, name, &why)) return *err = Text(500, why), false;
  if (*name && !ImageExists(cfg.images, **name))
    return *err = Text(409, "machine " + std::string(machine) + ": its " + file + " image " + **name +
                                " is not in the store (removed?): choose another (kbisect set or once)"),
           false;
  return true;
}

// An image whose manifest cannot be read is still listed (the stage-1 will say
// why it refuses it), with null fields.
std::string Entry(const ServerConfig& cfg, const std::string& name, bool once, bool dflt, bool tsv) {
  Manifest m;
  std::string err;
  bool have = ReadManifest(cfg.images, name, &m, &err);
  if (!have) fprintf(stderr, "kbisect-list: %s\n", err.c_str());
  if (tsv) {
    std::string line = name;
    for (auto key : {&ImageIni::commit, &ImageIni::branch, &ImageIni::arch, &ImageIni::built})
      line += "\t" + (have ? std::string(m.ini.*key) : "-");
    return line + "\t" + (once ? "once" : dflt ? "default" : "-") + "\n";
  }
  auto field = [&](std::string_view ImageIni::*key) {
    return have ? JsonString(std::string(m.ini.*key)) : std::string("null");
  };
  return "{\"name\":" + JsonString(name) + ",\"commit\":" + field(&ImageIni::commit) + ",\"branch\":" +
         field(&ImageIni::branch) + ",\"arch\":" + field(&ImageIni::arch) + ",\"built\":" +
         field(&ImageIni::built) +
         ",\"once\":" + (once ? "true" : "false") + ",\"default\":" + (dflt ? "true" : "false") + "}";
}

}  // namespace

Response HandleList(const Request& req, const ServerConfig& cfg) {
  if (req.method != "GET" && req.method != "HEAD") return MethodNotAllowed(req.method, "GET, HEAD");
  QueryParam params[] = {{"machine"}, {"arch"}, {"format"}};
  auto& [machine, arch_p, format] = params;
  std::vector<char> storage;
  Response err;
  if (!ParseParams(req.query, params, &storage, &err) || !CheckMachineParam(machine, &err)) return err;
  std::string arch = arch_p.present ? std::string(arch_p.value) : "x86_64";
  if (!CheckArch(arch)) return Text(400, "bad arch: expected [a-z0-9_], 1 to 16 characters");
  bool json = format.present && format.value == "json", tsv = format.present && format.value == "tsv";
  if (format.present && !json && !tsv && format.value != "text")
    return Text(400, "bad format: expected text, json or tsv");

  MachineState st(cfg.state, std::string(machine.value));
  std::optional<std::string> once, dflt;
  if (!Chosen(st, machine.value, "once", cfg, &once, &err) || !Chosen(st, machine.value, "default", cfg, &dflt, &err))
    return err;
  // The arch's images, one a line: from the store's list index when it is fresh.
  ImageNames listed;
  std::string note, list_err;
  if (!ListImageNames(cfg.images, arch, &listed, &note, &list_err)) return Text(500, list_err);
  if (!note.empty()) fprintf(stderr, "kbisect-list: %s\n", note.c_str());
  const std::string_view text = listed.text;

  Response r;
  if (!json && !tsv) {
    // The chosen images first, then the names as they are (sent without a copy)
    // but for the chosen images' lines.
    std::vector<std::pair<size_t, size_t>> cut;  // [from, to) of a chosen image's line
    auto choose = [&](const std::string& name) {
      const std::string line = name + "\n";
      r.body += line;
      size_t at = 0;
      if (text.substr(0, line.size()) != line) {
        if ((at = text.find("\n" + line)) == std::string_view::npos) return;  // another arch's
        ++at;
      }
      cut.push_back({at, at + line.size()});
    };
    if (once) choose(*once);
    if (dflt && dflt != once) choose(*dflt);
    std::sort(cut.begin(), cut.end());
    size_t from = 0;
    for (auto [a, b] : cut) {
      if (a > from) r.more.push_back(text.substr(from, a - from));
      from = b;
    }
    if (from < text.size()) r.more.push_back(text.substr(from));
    r.keep = listed.keep;
    return r;
  }
  std::vector<std::string> names;
  if (once) names.push_back(*once);
  if (dflt && dflt != once) names.push_back(*dflt);
  for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string_view::npos; at = nl + 1) {
    std::string name(text.substr(at, nl - at));
    if (name != once && name != dflt) names.push_back(std::move(name));
  }

  if (tsv) {
    r.content_type = "text/tab-separated-values; charset=utf-8";
    for (const std::string& n : names) r.body += Entry(cfg, n, n == once, n == dflt, true);
    return r;
  }
  // One image a line inside the array: valid JSON that line tools can still read.
  r.content_type = "application/json";
  r.body = "[";
  for (size_t i = 0; i < names.size(); ++i)
    r.body += std::string(i ? ",\n" : "\n") + Entry(cfg, names[i], names[i] == once, names[i] == dflt, false);
  r.body += "\n]\n";
  return r;
}

}  // namespace kb
