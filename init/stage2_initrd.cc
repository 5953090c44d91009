#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cpio.h"
#include "init/console.h"
#include "init/files.h"
#include "init/stage2.h"

// The stage-1's side of stage-2 (stage2.h): the candidate's initramfs.
namespace kb {

namespace {

// Writes one cpio entry's header (and the data's padding after `size` bytes).
bool PutEntry(int fd, const CpioEntry& e) {
  char buf[256];
  size_t n = CpioHeader(e, buf);
  return n > 0 && WriteAllFd(fd, buf, n) == 0;
}

bool PutPadding(int fd, uint64_t size) {
  static const char kZeros[4] = {};
  return WriteAllFd(fd, kZeros, CpioPadding(size)) == 0;
}

// The candidate's own archive: mount points, the console, this init, the marker.
bool PutStage2Archive(int out, std::string_view name) {
  Fd self(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!self || fstat(self.get(), &st) != 0) {
    SayFailure("stage-2", "cannot read this init (/proc/self/exe)", "open", errno);
    return false;
  }
  uint32_t ino = 1;
  for (std::string_view dir : {"dev", "proc", "sys", "root", "lib", "lib/modules"})
    if (!PutEntry(out, {dir, 040755, 0, ino++})) return false;
  if (!PutEntry(out, {"dev/console", 020600, 0, ino++, 5, 1})) return false;
  if (!PutEntry(out, {kStage2Marker + 1, 0100644, uint32_t(name.size() + 1), ino++}) ||
      WriteAllFd(out, name.data(), name.size()) != 0 || WriteAllFd(out, "\n", 1) != 0 ||
      !PutPadding(out, name.size() + 1))
    return false;
  if (!PutEntry(out, {"init", 0100755, uint32_t(st.st_size), ino++})) return false;
  static char buf[65536];
  uint64_t copied = 0;
  for (;;) {
    ssize_t r = read(self.get(), buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r == 0) break;
    if (WriteAllFd(out, buf, size_t(r)) != 0) return false;
    copied += uint64_t(r);
  }
  if (copied != uint64_t(st.st_size) || !PutPadding(out, copied)) return false;
  char trailer[256];
  size_t n = CpioTrailer(trailer);
  return WriteAllFd(out, trailer, n) == 0;
}

}  // namespace

Fd MakeStage2Initrd(const Site& site, std::string_view name, const ImageIni& ini, const char* path) {
  Fd out(open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out) {
    SayFailure("stage-2", path, "open", errno);
    return Fd();
  }
  if (!PutStage2Archive(out.get(), name)) {
    SayFailure("stage-2", "cannot write the candidate's initramfs", "write", errno);
    return Fd();
  }
  if (!ini.modules.empty() && !AppendVerified(site, name, ini.modules, ini.modules_sha256, out.get())) return Fd();
  if (out.Close() != 0) {
    SayFailure("stage-2", path, "close", errno);
    return Fd();
  }
  Say({"kbisect: stage-2: the candidate boots the machine's own OS (",
       ini.modules.empty() ? "no modules in the image" : "with the image's modules", ")"});
  return Fd(open(path, O_RDONLY | O_CLOEXEC));
}

}  // namespace kb
