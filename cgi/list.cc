// GET <server>/list?machine=M[&arch=A][&format=json]: the images a machine may boot,
// one name a line: its `once`, then its `default`, then every other image of the
// arch, newest first, each once.
#include <cstdio>

#include "cgi/cgi.h"
#include "cgi/json.h"
#include "cgi/state.h"
#include "cgi/store.h"

namespace kb {
namespace {

bool CheckArch(std::string_view a) {
  if (a.empty() || a.size() > 16) return false;
  for (char c : a)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// The machine's choice in `file`, if it names an image of the store. A damaged
// state file is logged and ignored: the list must still be served.
std::optional<std::string> Chosen(const MachineState& st, const char* file, const ServerConfig& cfg) {
  std::optional<std::string> name;
  std::string err;
  if (!st.ReadName(file, &name, &err)) {
    fprintf(stderr, "kbisect-list: ignoring %s\n", err.c_str());
    return std::nullopt;
  }
  if (name && !ImageExists(cfg.images, *name)) return std::nullopt;
  return name;
}

std::string JsonEntry(const ServerConfig& cfg, const std::string& name, bool once, bool dflt) {
  ImageInfo info;
  std::string err;
  bool have = ReadImageInfo(cfg.images, name, &info, &err);
  auto field = [&](const char* key) {
    auto it = info.find(key);
    return have && it != info.end() ? JsonString(it->second) : std::string("null");
  };
  return "{\"name\":" + JsonString(name) + ",\"commit\":" + field("commit") + ",\"branch\":" +
         field("branch") + ",\"arch\":" + field("arch") + ",\"built\":" + field("built") +
         ",\"once\":" + (once ? "true" : "false") + ",\"default\":" + (dflt ? "true" : "false") + "}";
}

Response List(const Request& req, const ServerConfig& cfg) {
  if (req.method != "GET" && req.method != "HEAD") return MethodNotAllowed(req.method, "GET, HEAD");
  QueryParam params[] = {{"machine"}, {"arch"}, {"format"}};
  auto& [machine, arch_p, format] = params;
  std::vector<char> storage;
  Response err;
  if (!ParseParams(req.query, params, &storage, &err) || !CheckMachineParam(machine, &err)) return err;
  std::string arch = arch_p.present ? std::string(arch_p.value) : "x86_64";
  if (!CheckArch(arch)) return Text(400, "bad arch: expected [a-z0-9_], 1 to 16 characters");
  bool json = format.present && format.value == "json";
  if (format.present && !json && format.value != "text")
    return Text(400, "bad format: expected text or json");

  MachineState st(cfg.state, std::string(machine.value));
  std::optional<std::string> once = Chosen(st, "once", cfg), dflt = Chosen(st, "default", cfg);
  std::vector<StoreImage> images;
  std::string list_err;
  if (!ListImages(cfg.images, arch, &images, &list_err)) return Text(500, list_err);

  std::vector<std::string> names;
  if (once) names.push_back(*once);
  if (dflt && dflt != once) names.push_back(*dflt);
  for (const StoreImage& i : images)
    if (i.name != once && i.name != dflt) names.push_back(i.name);

  Response r;
  if (!json) {
    for (const std::string& n : names) r.body += n + "\n";
    return r;
  }
  // One image a line inside the array: valid JSON that line tools can still read.
  r.content_type = "application/json";
  r.body = "[";
  for (size_t i = 0; i < names.size(); ++i)
    r.body += std::string(i ? ",\n" : "\n") + JsonEntry(cfg, names[i], names[i] == once, names[i] == dflt);
  r.body += "\n]\n";
  return r;
}

}  // namespace
}  // namespace kb

int main() { return kb::RunCgi("list", kb::List); }
