// <server>/booted?machine=M
//   POST  body NAME: stage-1 is about to kexec NAME. Appends "TIME NAME ADDRESS" to
//         the machine's log and consumes its `once` if that was NAME. Only for a
//         known machine (one that has had a default or once): a report never
//         creates one.
//   GET   the log, newest first; limit=N lines (default 100).
#include <time.h>

#include "cgi/handlers.h"
#include "cgi/state.h"
#include "store/store.h"
#include "common/names.h"
#include "common/text.h"

namespace kb {
namespace {

std::string UtcNow() {
  char buf[32];
  return std::string(FormatUtc(time(nullptr), kUtcIso, buf));
}

bool ParseLimit(const QueryParam& p, size_t* limit, Response* err) {
  if (!p.present) return true;
  size_t v = 0;
  for (char c : p.value) {
    if (c < '0' || c > '9' || v > 100000) {
      v = 0;
      break;
    }
    v = v * 10 + size_t(c - '0');
  }
  if (v < 1 || v > 100000) {
    *err = Text(400, "bad limit: expected a number from 1 to 100000");
    return false;
  }
  *limit = v;
  return true;
}

}  // namespace

Response HandleBooted(const Request& req, const ServerConfig& cfg) {
  bool get = req.method == "GET" || req.method == "HEAD";
  if (!get && req.method != "POST") return MethodNotAllowed(req.method, "GET, HEAD, POST");
  QueryParam params[] = {{"machine"}, {"limit"}};
  std::vector<char> storage;
  Response err;
  size_t limit = 100;
  if (!ParseParams(req.query, params, &storage, &err) || !CheckMachineParam(params[0], &err) ||
      !ParseLimit(params[1], &limit, &err))
    return err;
  std::string machine(params[0].value), e;
  MachineState st(cfg.state, machine);

  if (get) {
    std::vector<std::string> lines;
    if (!st.ReadBootLog(limit, &lines, &e)) return Text(500, e);
    Response r;
    for (const std::string& l : lines) r.body += l + "\n";
    return r;
  }

  std::string body;
  if (!ReadBody(req, &body, &err)) return err;
  if (!body.empty() && body.back() == '\n') body.pop_back();
  if (!body.empty() && body.back() == '\r') body.pop_back();
  if (body.empty()) return Text(400, "empty body: expected the image name being booted");
  if (Error bad = CheckImageName(body)) return Text(400, std::string("bad image name: ") + bad);
  if (!ImageExists(cfg.images, body)) return Text(404, "no image named " + body);
  if (!st.Known())
    return Text(404, "unknown machine " + machine + ": reports are taken once it has a default (PUT /default)");
  std::string addr = req.remote_addr.empty() ? "-" : req.remote_addr;
  for (char& c : addr)
    if (c <= ' ' || c == 0x7f) c = '?';
  if (!st.Lock(&e) || !st.AppendBootLog(UtcNow() + " " + body + " " + addr, &e)) return Text(500, e);
  std::optional<std::string> once;
  std::string once_note;
  if (st.ReadName("once", &once, &e) && once == body) {
    if (!st.Remove("once", &e)) return Text(500, e);
    once_note = " (once consumed)";
  }
  return Text(200, "machine " + machine + " booting " + body + once_note);
}

}  // namespace kb
