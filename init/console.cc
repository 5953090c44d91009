#include "init/console.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

namespace kb {

std::string_view ErrnoName(int err) {
  struct Row {
    int err;
    std::string_view name;
  };
  static constexpr Row kNames[] = {
      {EPERM, "EPERM"},         {ENOENT, "ENOENT"},       {EINTR, "EINTR"},
      {EIO, "EIO"},             {ENXIO, "ENXIO"},         {E2BIG, "E2BIG"},
      {ENOEXEC, "ENOEXEC"},     {EBADF, "EBADF"},         {EAGAIN, "EAGAIN"},
      {ENOMEM, "ENOMEM"},       {EACCES, "EACCES"},       {EFAULT, "EFAULT"},
      {EBUSY, "EBUSY"},         {EEXIST, "EEXIST"},       {ENODEV, "ENODEV"},
      {ENOTDIR, "ENOTDIR"},     {EISDIR, "EISDIR"},       {EINVAL, "EINVAL"},
      {ENOSPC, "ENOSPC"},       {EROFS, "EROFS"},         {EPIPE, "EPIPE"},
      {ENAMETOOLONG, "ENAMETOOLONG"}, {ENOSYS, "ENOSYS"}, {ENOTSUP, "ENOTSUP"},
      {EKEYREJECTED, "EKEYREJECTED"}, {EBADMSG, "EBADMSG"}, {ENETDOWN, "ENETDOWN"},
      {ENETUNREACH, "ENETUNREACH"}, {ECONNRESET, "ECONNRESET"}, {ETIMEDOUT, "ETIMEDOUT"},
      {ECONNREFUSED, "ECONNREFUSED"}, {EHOSTUNREACH, "EHOSTUNREACH"},
      {EADDRINUSE, "EADDRINUSE"}, {EADDRNOTAVAIL, "EADDRNOTAVAIL"}, {EINPROGRESS, "EINPROGRESS"},
      {ESTALE, "ESTALE"},       {ENOKEY, "ENOKEY"},       {EOVERFLOW, "EOVERFLOW"},
      {ENODATA, "ENODATA"},
  };
  for (const Row& r : kNames)
    if (r.err == err) return r.name;
  return "errno";
}

void Say(std::initializer_list<std::string_view> parts) {
  char line[1024];
  size_t n = 0;
  for (std::string_view p : parts) {
    size_t room = sizeof(line) - 1 - n;
    size_t take = p.size() < room ? p.size() : room;
    // Control bytes (a server's error body, a name from the network) could drive
    // the terminal: each becomes '?'.
    for (size_t i = 0; i < take; ++i) {
      const unsigned char c = static_cast<unsigned char>(p[i]);
      line[n++] = c < 0x20 || c == 0x7f ? '?' : p[i];
    }
  }
  line[n++] = '\n';
  for (size_t off = 0; off < n;) {
    ssize_t w = write(1, line + off, n - off);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) continue;
      return;  // nowhere else to say it
    }
    off += size_t(w);
  }
}

void SayFailure(std::string_view step, std::string_view what, std::string_view syscall, int err) {
  char num[24];
  std::string_view name = ErrnoName(err);
  if (name == "errno") name = FormatUnsigned(static_cast<unsigned long>(err), num);
  Say({"kbisect: ", step, ": ", what, " (", syscall, ": ", name, ")"});
}

void SayAt(std::string_view what) {
  timespec ts;
  clock_gettime(CLOCK_BOOTTIME, &ts);
  char sec[24], ms[24];
  std::string_view m = FormatUnsigned(static_cast<unsigned long>(ts.tv_nsec / 1000000 + 1000), ms).substr(1);
  Say({"kbisect: at ", FormatUnsigned(static_cast<unsigned long>(ts.tv_sec), sec), ".", m, " s: ", what});
}

}  // namespace kb
