#include "common/modules.h"

namespace kb {
namespace {

constexpr int kMaxDepth = 16;

bool SameModule(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
    if (x != y) return false;
  }
  return true;
}

struct Resolver {
  std::string_view dep;
  std::span<std::string_view> out;
  size_t count = 0;
  std::string_view which;

  // The line "path: deps" whose path's module name (or whole path) is `name`.
  bool Find(std::string_view name, bool by_path, std::string_view* path, std::string_view* deps) {
    std::string_view rest = dep;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view p = line.substr(0, colon);
      char buf[64];
      size_t len = ModuleNameOfPath(p, buf);
      if (by_path ? p == name : (len > 0 && SameModule(std::string_view(buf, len), name))) {
        *path = p;
        *deps = line.substr(colon + 1);
        return true;
      }
    }
    return false;
  }

  Error Add(std::string_view name, bool by_path, int depth) {
    if (depth > kMaxDepth) {
      which = name;
      return "module dependencies loop or are deeper than 16";
    }
    std::string_view path, deps;
    if (!Find(name, by_path, &path, &deps)) {
      which = name;
      return by_path ? "a dependency is missing from modules.dep" : "module is not in modules.dep";
    }
    for (size_t i = 0; i < count; ++i)
      if (out[i] == path) return nullptr;
    while (!deps.empty()) {
      while (!deps.empty() && (deps.front() == ' ' || deps.front() == '\t' || deps.front() == '\r'))
        deps.remove_prefix(1);
      size_t end = deps.find_first_of(" \t\r");
      std::string_view d = deps.substr(0, end);
      deps = end == std::string_view::npos ? std::string_view() : deps.substr(end);
      if (d.empty()) continue;
      if (Error e = Add(d, true, depth + 1)) return e;
    }
    for (size_t i = 0; i < count; ++i)
      if (out[i] == path) return nullptr;
    if (count == out.size()) {
      which = name;
      return "too many modules to load";
    }
    out[count++] = path;
    return nullptr;
  }
};

}  // namespace

bool IsNfsClientModule(std::string_view name) {
  if (!name.starts_with("nfs")) return false;
  std::string_view rest = name.substr(3);
  if (rest.empty()) return true;
  if (rest.front() != 'v' || rest.size() == 1) return false;
  for (char c : rest.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

int ModuleInitFlags(std::string_view path) {
  for (std::string_view ext : {".ko.xz", ".ko.zst", ".ko.gz"})
    if (path.size() > ext.size() && path.substr(path.size() - ext.size()) == ext) return kModuleInitCompressedFile;
  return 0;
}

size_t ModuleNameOfPath(std::string_view path, std::span<char> out) {
  size_t slash = path.rfind('/');
  std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (std::string_view ext : {".xz", ".gz", ".zst"})
    if (file.size() > ext.size() && file.substr(file.size() - ext.size()) == ext) file.remove_suffix(ext.size());
  if (file.size() <= 3 || file.substr(file.size() - 3) != ".ko") return 0;
  file.remove_suffix(3);
  if (file.size() > out.size()) return 0;
  for (size_t i = 0; i < file.size(); ++i) out[i] = file[i] == '-' ? '_' : file[i];
  return file.size();
}

Error ResolveModules(std::string_view modules_dep, std::span<const std::string_view> modules,
                     std::span<std::string_view> out, size_t* count, std::string_view* which) {
  Resolver r{modules_dep, out, 0, {}};
  for (std::string_view m : modules) {
    if (Error e = r.Add(m, false, 0)) {
      if (which) *which = r.which;
      return e;
    }
  }
  *count = r.count;
  return nullptr;
}

}  // namespace kb
