#include "cgi/fdio.h"

#include <errno.h>
#include <unistd.h>

namespace kb {

bool WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t w = write(fd, s.data(), s.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    s.remove_prefix(size_t(w));
  }
  return true;
}

}  // namespace kb
