#include "init/fetch.h"

#include <errno.h>
#include <unistd.h>

#include "init/clock.h"
#include "init/console.h"
#include "init/socket.h"
#include "init/tls.h"

namespace kb {

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

bool Fetch(const FetchRequest& req, HttpResponse* response, Failure* why) {
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
