#include "init/load_modules.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/fd.h"
#include "common/modalias.h"
#include "common/modules.h"
#include "init/clock.h"
#include "init/console.h"
#include "init/files.h"

namespace kb {

namespace {

// One module file, as finit_module takes it (a compressed one decompressed by
// the kernel); false, said, when it cannot be loaded (loaded already is no
// failure).
bool LoadModuleFile(const char* path, std::string_view rel, bool* already = nullptr) {
  Fd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) {
    SayFailure("modules", rel, "open", errno);
    return false;
  }
  const int flags = ModuleInitFlags(rel);
  if (syscall(SYS_finit_module, fd.get(), "", flags) == 0) return true;
  if (errno == EEXIST) {
    if (already) *already = true;
    return true;
  }
  if (flags && (errno == EOPNOTSUPP || errno == EINVAL)) {
    // A kernel before 5.17 (EINVAL) or without CONFIG_MODULE_DECOMPRESS for this
    // compression (EOPNOTSUPP) cannot take it compressed.
    Say({"kbisect: modules: ", rel, ": this kernel cannot decompress modules (CONFIG_MODULE_DECOMPRESS): "
         "kbisect-mkinitramfs packs them decompressed when the kernel's config says so (--kernel-config)"});
    return false;
  }
  SayFailure("modules", rel, "finit_module", errno);
  return false;
}

}  // namespace

int LoadModules(std::string_view names, ModuleSet set) {
  std::string_view wanted[32];
  size_t n = 0;
  while (!names.empty() && n < std::size(wanted)) {
    size_t end = names.find_first_of(",\n");
    std::string_view name = names.substr(0, end);
    names = end == std::string_view::npos ? std::string_view() : names.substr(end + 1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\r' || name.back() == '\t')) name.remove_suffix(1);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    if (name.empty() || name.front() == '#') continue;
    if (IsNfsClientModule(name) != (set == ModuleSet::kNfs)) continue;
    wanted[n++] = name;
  }
  if (n == 0) return 0;

  utsname u;
  uname(&u);
  char dir[256], path[512];
  if (!JoinPath(dir, {"/lib/modules/", u.release, "/"})) return 1;
  static char dep[256 * 1024];
  size_t dep_len = 0;
  if (!JoinPath(path, {dir, "modules.dep"})) return 1;
  if (int e = ReadFile(path, dep, &dep_len)) {
    SayFailure("modules", path, "open", -e);
    return int(n);
  }
  // Each name on its own: one that is not a module here (built into this kernel,
  // as virtio_pci is into Debian 13's) or whose dependencies are missing is said
  // and the others are still loaded.
  std::string_view order[kMaxModulePaths];
  size_t count = 0;
  int failed = 0;
  for (size_t w = 0; w < n; ++w) {
    std::string_view one[kMaxModulePaths], which;
    size_t got = 0;
    if (Error e = ResolveModules(std::string_view(dep, dep_len), std::span(&wanted[w], 1), one, &got, &which)) {
      if (which == wanted[w] && std::string_view(e) == "module is not in modules.dep") {
        Say({"kbisect: modules: ", which, ": not a module of this kernel (built in?): nothing to load"});
      } else {
        Say({"kbisect: modules: ", which, ": ", e});
        ++failed;
      }
      continue;
    }
    for (size_t i = 0; i < got; ++i) {
      bool seen = false;
      for (size_t j = 0; j < count && !seen; ++j) seen = order[j] == one[i];
      if (!seen && count < kMaxModulePaths) order[count++] = one[i];
    }
  }
  int64_t start = NowMs();
  int not_loaded = 0;
  for (size_t i = 0; i < count; ++i) {
    if (!JoinPath(path, {dir, order[i]})) continue;
    if (!LoadModuleFile(path, order[i])) ++not_loaded;
  }
  char num[24], ms[24];
  Say({"kbisect: modules: loaded ", FormatUnsigned(count - size_t(not_loaded), num), " in ",
       FormatUnsigned(static_cast<unsigned long>(NowMs() - start), ms), " ms"});
  return failed + not_loaded;
}

namespace {

// The whole file mapped read-only; empty when it cannot be (or is empty).
std::string_view MapFile(const char* path) {
  Fd fd(open(path, O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!fd || fstat(fd.get(), &st) != 0 || st.st_size <= 0) return {};
  void* p = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (p == MAP_FAILED) return {};
  return std::string_view(static_cast<const char*>(p), size_t(st.st_size));
}

constexpr int kMaxDepth = 8;

}  // namespace

bool ModuleIndex::Open(std::string_view release, bool quiet) {
  char path[512];
  if (!JoinPath(dir_, {"/lib/modules/", release, "/"}) || !JoinPath(path, {dir_, "modules.dep"})) return false;
  dep_ = MapFile(path);
  if (dep_.empty()) {
    if (!quiet) Say({"kbisect: modules: no ", path, " (an image without modules, or not for ", release, ")"});
    return false;
  }
  if (JoinPath(path, {dir_, "modules.alias"})) alias_ = MapFile(path);
  if (JoinPath(path, {dir_, "modules.softdep"})) softdep_ = MapFile(path);
  return true;
}

bool ModuleIndex::Tried(std::string_view path) const {
  for (size_t i = 0; i < loaded_count_; ++i)
    if (loaded_[i] == path) return true;
  return false;
}

int ModuleIndex::Load(std::string_view name) { return LoadDepth(name, 0); }

int ModuleIndex::LoadForDevice(std::string_view modalias) {
  std::string_view mods[16];
  size_t n = 0;
  if (Error e = ModulesForModalias(alias_, modalias, mods, &n)) {
    Say({"kbisect: modules: ", modalias, ": ", e});
    return 0;
  }
  int loaded = 0;
  for (size_t i = 0; i < n; ++i) loaded += LoadDepth(mods[i], 1);
  return loaded;
}

int ModuleIndex::LoadDepth(std::string_view name, int depth) {
  if (!is_open() || depth > kMaxDepth) return 0;
  std::string_view one[1] = {name}, order[kMaxModulePaths], which;
  size_t count = 0;
  Error e = ResolveModules(dep_, one, order, &count, &which);
  if (e && which == name) {
    // Not a module's name: an alias (modprobe's second try), or built in.
    std::string_view mods[16];
    size_t n = 0;
    if (ModulesForModalias(alias_, name, mods, &n) != nullptr) return 0;
    int loaded = 0;
    for (size_t i = 0; i < n; ++i) loaded += LoadDepth(mods[i], depth + 1);
    return loaded;
  }
  if (e) {
    Say({"kbisect: modules: ", name, ": ", which, ": ", e});
    return 0;
  }
  int loaded = 0;
  for (size_t i = 0; i < count; ++i) {
    if (Tried(order[i])) continue;
    char mod[64];
    size_t len = ModuleNameOfPath(order[i], mod);
    std::string_view pre[32];
    size_t npre = 0;
    if (len && SoftdepPre(softdep_, std::string_view(mod, len), pre, &npre) == nullptr)
      for (size_t j = 0; j < npre; ++j) loaded += LoadDepth(pre[j], depth + 1);
    char path[512];
    if (!JoinPath(path, {dir_, order[i]})) continue;
    if (loaded_count_ < kMaxLoaded) loaded_[loaded_count_++] = order[i];  // tried once, loaded or not
    bool already = false;
    if (!LoadModuleFile(path, order[i], &already) || already) continue;
    Say({"kbisect: modules: loaded ", std::string_view(mod, len)});
    ++loaded;
  }
  return loaded;
}

}  // namespace kb
