#include "init/fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "init/clock.h"
#include "init/console.h"
#include "init/tls.h"

namespace kb {
namespace {

constexpr int64_t kConnectMs = 5000;

bool Fail(Failure* why, const char* what, const char* syscall, int err) {
  why->what = what;
  why->syscall = syscall;
  why->err = err;
  return false;
}

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

int Connect(uint32_t address, uint16_t port, const Deadline& total, Failure* why) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Fail(why, "cannot make a socket", "socket", errno), -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(address);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
    Fail(why, "cannot connect to the server", "connect", errno);
    close(fd);
    return -1;
  }
  Deadline d(total.LeftMs() < kConnectMs ? total.LeftMs() : kConnectMs);
  int r = WaitFd(fd, POLLOUT, d);
  int err = 0;
  socklen_t len = sizeof err;
  if (r == 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (r != 0 || err != 0) {
    Fail(why, "cannot connect to the server", "connect", r != 0 ? -r : err);
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

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

void SayFetchFailure(std::string_view step, const Failure& f) {
  if (f.syscall) {
    SayFailure(step, f.what, f.syscall, f.err);
  } else {
    Say({"kbisect: ", step, ": ", f.what, f.detail[0] ? " (" : "", f.detail, f.detail[0] ? ")" : ""});
  }
}

void SayBadStatus(std::string_view step, std::string_view what, int status, std::string_view tail) {
  char code[24];
  Say({"kbisect: ", step, ": ", what, what.empty() ? "" : ": ", "the server answered ",
       FormatUnsigned(static_cast<unsigned long>(status), code), tail});
}

bool Fetch(const Request& req, HttpResponse* response, Failure* why) {
  Deadline d(req.timeout_ms);
  char head[1024];
  size_t head_len = 0;
  char target[768];
  if (req.server->path.size() + req.target.size() >= sizeof target)
    return Fail(why, "request target too long", nullptr, 0);
  size_t t = 0;
  for (char c : req.server->path) target[t++] = c;
  for (char c : req.target) target[t++] = c;
  if (FormatHttpRequest(req.method, req.server->host, req.server->port, req.server->tls,
                        std::string_view(target, t), req.body.size(), head, &head_len))
    return Fail(why, "cannot format the request", nullptr, 0);

  int fd = Connect(req.address, req.server->port, d, why);
  if (fd < 0) return false;
  Conn conn{fd, nullptr};
  bool ok = true;
  if (req.server->tls) ok = TlsStart(&conn, req.server->host, d, why);
  ok = ok && ConnWriteAll(&conn, head, head_len, d, why) &&
       ConnWriteAll(&conn, req.body.data(), req.body.size(), d, why) && ConnFlush(&conn, d, why);
  char buf[16384];
  while (ok) {
    int n = ConnRead(&conn, buf, sizeof buf, d, why);
    if (n < 0) {
      ok = false;
      break;
    }
    if (n == 0) {
      if (Error e = response->Finish()) ok = Fail(why, e, nullptr, 0);
      break;
    }
    if (Error e = response->Feed(buf, size_t(n))) {
      ok = Fail(why, e, nullptr, 0);
      break;
    }
    if (response->done()) break;
  }
  ConnClose(&conn);
  return ok;
}

}  // namespace kb
