// <server>/request?commit=SHA[&arch=A]: build requests for the server's builder,
// over HTTP, so that an engineer needs no access to the server's disks.
//   POST    ask for an image of SHA (7 to 40 hex digits) for arch A (else every
//           arch the builder builds): 202 "queued", or 200 with the builder's
//           result when it already has one ("ok IMAGE", "fail LOG")
//   GET     where the request is: "queued", "ok IMAGE", "fail LOG"; 404 when
//           there is neither a request nor a result
//   DELETE  withdraw the request (200; none left is fine too)
// The request is the file <state>/requests/<sha> that kbisect-builder watches
// (design.md "The builder"), its lines the arches asked for (empty: all). The
// builder makes <state>/requests (group-writable: the web server's user and the
// builder share the state directory's group) and, while `kbisect-builder watch`
// runs, <state>/builder/watching. A state without <state>/builder has no builder:
// 404 "no builder"; one whose builder does not watch it now (stopped, restarting):
// 503. Nothing is written then, for any method.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <errno.h>
#include <string.h>

#include <algorithm>

#include "cgi/handlers.h"
#include "cgi/state.h"
#include "common/arch.h"
#include "common/fd.h"
#include "common/fileio.h"

namespace kb {
namespace {

constexpr std::string_view kAllow = "GET, HEAD, POST, DELETE";

std::string Errno() { return strerror(errno); }

bool IsDir(const std::string& p) {
  struct stat sb;
  return stat(p.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
}

}  // namespace

Response HandleRequest(const Request& req, const ServerConfig& cfg) {
  bool get = req.method == "GET" || req.method == "HEAD";
  if (!get && req.method != "POST" && req.method != "DELETE") return MethodNotAllowed(req.method, kAllow);
  QueryParam params[] = {{"commit"}, {"arch"}};
  std::vector<char> storage;
  Response err;
  if (!ParseParams(req.query, params, &storage, &err)) return err;
  if (!params[0].present || params[0].value.empty()) return Text(400, "missing commit: expected commit=SHA");
  std::string sha(params[0].value);
  for (char& c : sha)
    if (c >= 'A' && c <= 'F') c = char(c - 'A' + 'a');
  if (!IsRequestName(sha)) return Text(400, "bad commit: expected 7 to 40 hexadecimal digits (a commit's id)");
  std::string arch(params[1].value);
  if (params[1].present && !FindArch(arch))
    return Text(400, "bad arch: one of " + std::string(ArchNames()) + ", not '" + arch + "'");
  DrainBody(req);

  const std::string builder = cfg.state + "/builder", dir = cfg.state + "/requests", file = dir + "/" + sha;
  struct stat sb;
  if (!IsDir(builder) || !IsDir(dir))
    return Text(404, "no builder: no kbisect-builder keeps this server's state (" + cfg.state + ")");
  // A builder's state, but no `watch` running: stopped, restarting or crashed. A
  // lab fault, not a server without a builder: kbisect waits, then aborts.
  if (stat((builder + "/watching").c_str(), &sb) != 0)
    return Text(503, "the builder is not running: kbisect-builder keeps this server's state (" + cfg.state +
                         ") but no `kbisect-builder watch` runs on it now");

  // A result of the builder's for the arch (or, without one, for any arch).
  auto result = [&](std::string* line) {
    std::vector<std::string> arches;
    if (!arch.empty()) arches.push_back(arch);
    else
      for (const Arch& a : Arches()) arches.emplace_back(a.name);
    for (const std::string& a : arches)
      if (ReadSmallFile(builder + "/results/" + sha + "-" + a, line)) {
        while (!line->empty() && line->back() == '\n') line->pop_back();
        return true;
      }
    return false;
  };

  // The requests directory's lock: a POST's read-merge-write of a file is whole.
  Fd lock(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!lock || flock(lock.get(), LOCK_EX) != 0) return Text(500, "cannot lock " + dir + ": " + Errno());
  std::string text, e, line;
  bool missing = false;
  if (!ReadFile(file, &text, &e, &missing, 4096)) return Text(500, e);
  const bool queued = !missing;
  std::vector<std::string> asked = RequestArches(text);
  // Whether the request already covers the arch asked about (none: every arch).
  const bool named = !arch.empty() && std::find(asked.begin(), asked.end(), arch) != asked.end();
  const bool for_arch = queued && (asked.empty() || named);

  if (get) {
    if (result(&line)) return Text(200, line);
    if (queued && (arch.empty() || for_arch)) return Text(200, "queued");
    return Text(404, "no request for " + sha + (arch.empty() ? "" : " for " + arch) + " and no result");
  }
  if (req.method == "DELETE") {
    if (queued && unlink(file.c_str()) != 0 && errno != ENOENT) return Text(500, "cannot remove " + file + ": " + Errno());
    return Text(200, queued ? "request for " + sha + " withdrawn" : "no request for " + sha);
  }
  if (result(&line)) return Text(200, line);
  if (for_arch) return Text(202, "queued");
  // Merged with the arches already asked for; an empty file (every arch) stays so.
  if (!queued || arch.empty()) {
    text = arch.empty() ? "" : arch + "\n";
  } else {
    text += (text.empty() || text.back() == '\n' ? "" : "\n") + arch + "\n";
  }
  if (!WriteFileAtomic(file, text, &e)) return Text(500, e);
  return Text(202, "queued");
}

}  // namespace kb
