// <server>/default?machine=M[&once=1][&lease=TOKEN]: the kernel a machine boots.
//   GET     the name, or 404
//   PUT     body NAME; POST form kernel=NAME[&once=1]: set it (404 unknown image)
//   DELETE  clear it (idempotent)
// With once=1 the `once` file (next boot only) instead of `default`. While the
// machine is leased (cgi/lease.cc), PUT, POST and DELETE need the lease's token
// as lease=TOKEN: 409 naming the holder otherwise.
#include <errno.h>
#include <sys/stat.h>

#include "cgi/handlers.h"
#include "cgi/lease.h"
#include "cgi/state.h"
#include "store/store.h"
#include "common/names.h"

namespace kb {
namespace {

constexpr std::string_view kAllow = "GET, HEAD, PUT, POST, DELETE";

bool OnceValue(const QueryParam& p, bool* once, Response* err) {
  if (!p.present) return true;
  if (p.value == "" || p.value == "1") {
    *once = true;
    return true;
  }
  if (p.value == "0") return true;
  *err = Text(400, "bad once: expected 1 or 0");
  return false;
}

// The image name of a PUT body: the name, optionally followed by one newline.
bool NameFromBody(std::string body, std::string* name, Response* err) {
  if (body.size() >= 1 && body.back() == '\n') body.pop_back();
  if (body.size() >= 1 && body.back() == '\r') body.pop_back();
  if (body.empty()) {
    *err = Text(400, "empty body: expected an image name");
    return false;
  }
  if (Error e = CheckImageName(body)) {
    *err = Text(400, std::string("bad image name: ") + e);
    return false;
  }
  *name = std::move(body);
  return true;
}

}  // namespace

Response HandleDefault(const Request& req, const ServerConfig& cfg) {
  bool get = req.method == "GET" || req.method == "HEAD";
  if (!get && req.method != "PUT" && req.method != "POST" && req.method != "DELETE")
    return MethodNotAllowed(req.method, kAllow);
  QueryParam params[] = {{"machine"}, {"once"}, {"lease"}};
  const QueryParam& lease = params[2];
  std::vector<char> storage;
  Response err;
  bool once = false;
  if (!ParseParams(req.query, params, &storage, &err) || !CheckMachineParam(params[0], &err) ||
      !OnceValue(params[1], &once, &err) || !CheckLeaseParam(lease, &err))
    return err;
  std::string machine(params[0].value);
  const char* file = once ? "once" : "default";
  MachineState st(cfg.state, machine);
  std::string e;

  if (get) {
    std::optional<std::string> name;
    if (!st.ReadName(file, &name, &e)) return Text(500, e);
    if (!name) return Text(404, "machine " + machine + " has no " + file);
    return Text(200, *name);
  }

  if (req.method == "DELETE") {
    // Nothing to clear for a machine without state: do not create its directory.
    // A damaged file is cleared like any other.
    struct stat sb;
    if (lstat((st.dir() + "/" + file).c_str(), &sb) != 0 && errno == ENOENT)
      return Text(200, "machine " + machine + " has no " + file);
    if (!st.Lock(&e)) return Text(500, e);
    if (!LeaseAllows(st, machine, lease, req.now, &err)) return err;
    if (!st.Remove(file, &e)) return Text(500, e);
    return Text(200, "machine " + machine + ": " + file + " cleared");
  }

  std::string body, name;
  if (!ReadBody(req, &body, &err)) return err;
  if (req.method == "POST") {
    std::string type = req.content_type.substr(0, req.content_type.find(';'));
    if (!type.empty() && type != "application/x-www-form-urlencoded")
      return Text(400, "POST takes a form (application/x-www-form-urlencoded) with kernel=NAME");
    QueryParam form[] = {{"kernel"}, {"once"}};
    std::vector<char> form_storage;
    if (!ParseParams(body, form, &form_storage, &err) || !OnceValue(form[1], &once, &err)) return err;
    if (!form[0].present) return Text(400, "missing form field 'kernel'");
    if (!NameFromBody(std::string(form[0].value), &name, &err)) return err;
    file = once ? "once" : "default";
  } else if (!NameFromBody(body, &name, &err)) {
    return err;
  }
  if (!ImageExists(cfg.images, name)) return Text(404, "no image named " + name);
  if (!st.Lock(&e)) return Text(500, e);
  if (!LeaseAllows(st, machine, lease, req.now, &err)) return err;
  if (!st.WriteName(file, name, &e)) return Text(500, e);
  return Text(200, "machine " + machine + ": " + file + " is " + name);
}

}  // namespace kb
