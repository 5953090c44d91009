// bench/list.sh's baseline: a CGI program that does nothing but answer, built as
// the CGI programs are (static, -O2, stripped). With QUERY_STRING "copy" it also
// sends the file named by KBISECT_BENCH_BODY (Apache SetEnv): the least any CGI
// answering that many bytes costs, whatever it does to find them.
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

namespace {

bool WriteAll(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  return true;
}

}  // namespace

int main() {
  static const char kHeader[] =
      "Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\n";
  if (!WriteAll(kHeader, sizeof kHeader - 1)) return 1;
  const char* query = getenv("QUERY_STRING");
  const char* body = getenv("KBISECT_BENCH_BODY");
  if (!query || strcmp(query, "copy") != 0 || !body) return 0;
  int fd = open(body, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 1;
  static char buf[1 << 16];
  ssize_t r;
  while ((r = read(fd, buf, sizeof buf)) > 0)
    if (!WriteAll(buf, size_t(r))) return 1;
  return r == 0 ? 0 : 1;
}
