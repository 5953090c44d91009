#include "init/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/fd.h"

namespace kb {
namespace {

constexpr int64_t kConnectMs = 5000;

int WaitFd(int fd, short events, const Deadline& d) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, int(d.LeftMs()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -errno;
    if (r == 0) return -ETIMEDOUT;
    return 0;
  }
}

}  // namespace

bool Fail(Failure* why, const char* what, const char* syscall, int err) {
  why->what = what;
  why->syscall = syscall;
  why->err = err;
  return false;
}

int Connect(uint32_t address, uint16_t port, const Deadline& total, Failure* why) {
  Fd sock(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  const int fd = sock.get();
  if (!sock) return Fail(why, "cannot make a socket", "socket", errno), -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(address);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
    Fail(why, "cannot connect to the server", "connect", errno);
    return -1;
  }
  Deadline d(total.LeftMs() < kConnectMs ? total.LeftMs() : kConnectMs);
  int r = WaitFd(fd, POLLOUT, d);
  int err = 0;
  socklen_t len = sizeof err;
  if (r == 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (r != 0 || err != 0) {
    Fail(why, "cannot connect to the server", "connect", r != 0 ? -r : err);
    return -1;
  }
  return sock.release();
}

int RawRead(int fd, char* buf, size_t n, const Deadline& d) {
  for (;;) {
    ssize_t r = read(fd, buf, n);
    if (r >= 0) return int(r);
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return -errno;
    if (int e = WaitFd(fd, POLLIN, d)) return e;
  }
}

int RawWrite(int fd, const char* buf, size_t n, const Deadline& d) {
  for (;;) {
    ssize_t w = write(fd, buf, n);
    if (w >= 0) return int(w);
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return -errno;
    if (int e = WaitFd(fd, POLLOUT, d)) return e;
  }
}

}  // namespace kb
