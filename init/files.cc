#include "init/files.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/fd.h"

namespace kb {

int ReadFile(const char* path, std::span<char> buf, size_t* len) {
  Fd f(open(path, O_RDONLY | O_CLOEXEC));
  if (!f) return -errno;
  size_t n = 0;
  for (;;) {
    if (n == buf.size()) {
      char extra;
      if (read(f.get(), &extra, 1) > 0) return -EFBIG;
      break;
    }
    ssize_t r = read(f.get(), buf.data() + n, buf.size() - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -errno;
    if (r == 0) break;
    n += size_t(r);
  }
  *len = n;
  return 0;
}

int WriteAllFd(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -errno;
    if (w == 0) return -EIO;
    data += w;
    n -= size_t(w);
  }
  return 0;
}

std::string_view ReadSmall(const char* path, std::span<char> buf) {
  size_t len = 0;
  if (ReadFile(path, buf, &len) != 0) return {};
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\0')) --len;
  return std::string_view(buf.data(), len);
}

}  // namespace kb
