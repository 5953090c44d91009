#include "init/load_modules.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/modules.h"
#include "init/clock.h"
#include "init/console.h"
#include "init/files.h"

namespace kb {

int LoadModules(std::string_view names) {
  std::string_view wanted[32];
  size_t n = 0;
  while (!names.empty() && n < std::size(wanted)) {
    size_t end = names.find_first_of(",\n");
    std::string_view name = names.substr(0, end);
    names = end == std::string_view::npos ? std::string_view() : names.substr(end + 1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\r' || name.back() == '\t')) name.remove_suffix(1);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    if (name.empty() || name.front() == '#') continue;
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
  std::string_view order[kMaxModulePaths];
  size_t count = 0;
  std::string_view which;
  if (Error e = ResolveModules(std::string_view(dep, dep_len), std::span(wanted, n), order, &count, &which)) {
    Say({"kbisect: modules: ", which, ": ", e});
    return 1;
  }
  int failed = 0;
  int64_t start = NowMs();
  for (size_t i = 0; i < count; ++i) {
    if (!JoinPath(path, {dir, order[i]})) continue;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      SayFailure("modules", order[i], "open", errno);
      ++failed;
      continue;
    }
    if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST) {
      SayFailure("modules", order[i], "finit_module", errno);
      ++failed;
    }
    close(fd);
  }
  char num[24], ms[24];
  Say({"kbisect: modules: loaded ", FormatUnsigned(count - size_t(failed), num), " in ",
       FormatUnsigned(static_cast<unsigned long>(NowMs() - start), ms), " ms"});
  return failed;
}

}  // namespace kb
