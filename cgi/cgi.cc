#include "cgi/cgi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "common/ini.h"
#include "common/fileio.h"
#include "common/names.h"
#include "common/version.h"

namespace kb {
namespace {

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
  }
  return "Unknown";
}

}  // namespace

Response Text(int status, std::string message) {
  Response r;
  r.status = status;
  r.body = std::move(message) + "\n";
  return r;
}

std::string Body(const Response& r) {
  std::string out = r.body;
  for (std::string_view v : r.more) out += v;
  return out;
}

std::string FormatResponse(const Response& r) {
  std::string out = "Status: " + std::to_string(r.status) + " " + Reason(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Cache-Control: no-store\r\n";
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  out += "\r\n";
  out += Body(r);
  return out;
}

Request RequestFromEnv(const Getenv& getenv) {
  auto get = [&](const char* name) {
    const char* v = getenv(name);
    return std::string(v ? v : "");
  };
  Request r;
  r.method = get("REQUEST_METHOD");
  r.query = get("QUERY_STRING");
  r.remote_addr = get("REMOTE_ADDR");
  r.content_type = get("CONTENT_TYPE");
  std::string len = get("CONTENT_LENGTH");
  if (!len.empty()) {
    r.content_length = 0;
    for (char c : len) {
      if (c < '0' || c > '9' || r.content_length > (1LL << 40)) {
        r.content_length = -1;
        break;
      }
      r.content_length = r.content_length * 10 + (c - '0');
    }
  }
  r.body_left = r.content_length > 0 ? r.content_length : 0;
  return r;
}

bool LoadServerConfigFile(const std::string& path, ServerConfig* out, std::string* err) {
  ServerConfig c;
  auto on_entry = [&](std::string_view section, std::string_view key, std::string_view value) -> std::string {
    if (section != "server") return "unknown section (expected [server])";
    if (key.empty()) return "";
    std::string* field = key == "images" ? &c.images : key == "state" ? &c.state : nullptr;
    if (!field) return "unknown key (expected images or state)";
    if (!field->empty()) return "given more than once";
    if (value.empty() || value.front() != '/') return "not an absolute path";
    *field = value;
    return "";
  };
  if (!ReadIni(path, on_entry, err)) return false;
  if (c.images.empty() || c.state.empty()) {
    *err = path + ": [server] needs both images = DIR and state = DIR";
    return false;
  }
  *out = std::move(c);
  return true;
}

bool LoadServerConfig(const Getenv& getenv, ServerConfig* out, std::string* err) {
  const char* path = getenv("KBISECT_CONFIG");
  return LoadServerConfigFile(path && *path ? path : "/etc/kbisect/kbisect.ini", out, err);
}

bool ReadBody(const Request& req, std::string* body, Response* error) {
  if (req.content_length < 0) {
    *error = Text(400, "Content-Length is not a number");
    return false;
  }
  if (req.content_length > static_cast<long long>(kMaxBody)) {
    *error = Text(413, "request body is longer than " + std::to_string(kMaxBody) + " bytes");
    return false;
  }
  body->assign(size_t(req.content_length), '\0');
  size_t got = 0;
  while (got < body->size()) {
    ssize_t r = read(req.body_fd, body->data() + got, body->size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      req.body_left = 0;
      *error = Text(400, "request body is shorter than its Content-Length");
      return false;
    }
    got += size_t(r);
    req.body_left -= r;
  }
  return true;
}

void DrainBody(const Request& req) {
  char buf[8192];
  long long budget = 1 << 20;
  while (req.body_left > 0 && budget > 0) {
    ssize_t r = read(req.body_fd, buf, size_t(std::min<long long>(req.body_left, sizeof buf)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    req.body_left -= r;
    budget -= r;
  }
}

bool ParseParams(std::string_view query, std::span<QueryParam> params, std::vector<char>* storage,
                 Response* error) {
  storage->resize(query.size());
  std::string_view where;
  if (Error e = ParseQuery(query, params, *storage, &where)) {
    std::string allowed;
    for (const QueryParam& p : params) allowed += (allowed.empty() ? "" : ", ") + std::string(p.name);
    std::string msg = where.empty() ? std::string(e) : "parameter '" + std::string(where) + "': " + e;
    if (std::string_view(e) == "unknown parameter") msg += " (this program takes " + allowed + ")";
    *error = Text(400, msg);
    return false;
  }
  return true;
}

bool CheckMachineParam(const QueryParam& machine, Response* error) {
  if (!machine.present) {
    *error = Text(400, "missing parameter 'machine'");
    return false;
  }
  if (Error e = CheckMachineName(machine.value)) {
    *error = Text(400, std::string("bad machine name: ") + e);
    return false;
  }
  return true;
}

Response MethodNotAllowed(std::string_view method, std::string_view allow) {
  Response r = Text(405, "method " + std::string(method) + " is not allowed here (allowed: " +
                             std::string(allow) + ")");
  r.headers.push_back({"Allow", std::string(allow)});
  return r;
}

int RunCgi(int argc, char** argv, const char* program, const Handler& handler) {
  Getenv env = [](const char* name) { return ::getenv(name); };
  // From a shell (not from a web server: Apache passes a query without '=' as
  // arguments, RFC 3875 4.4), --version and --help answer.
  if (argc == 2 && !env("GATEWAY_INTERFACE")) {
    if (strcmp(argv[1], "--version") == 0) return printf("%s (kbisect) %s\n", program, kVersion), 0;
    if (strcmp(argv[1], "--help") == 0)
      return printf("%s: the kbisect server's /kbisect/%s program, a CGI/1.1 program run by the web "
                    "server\n(doc/design.md \"HTTP interface\"; kbisect.ini(5) for its configuration, read "
                    "from $KBISECT_CONFIG,\nelse /etc/kbisect/kbisect.ini)\n",
                    program, program),
             0;
  }
  Request req = RequestFromEnv(env);
  req.now = time(nullptr);
  ServerConfig config;
  std::string err;
  Response resp;
  if (!LoadServerConfig(env, &config, &err)) {
    resp = Text(500, "kbisect server configuration: " + err);
  } else {
    resp = handler(req, config);
  }
  DrainBody(req);
  if (resp.status >= 500) fprintf(stderr, "kbisect-%s: %s", program, resp.body.c_str());
  if (req.method == "HEAD") {
    resp.body.clear();
    resp.more.clear();
  }
  // The head, then the body as it is (a list's is 200 KB: not copied again).
  std::string body = std::move(resp.body);
  std::vector<std::string_view> more = std::move(resp.more);
  resp.body.clear();
  resp.more.clear();
  bool ok = WriteAll(1, FormatResponse(resp)) && WriteAll(1, body);
  for (std::string_view v : more) ok = ok && WriteAll(1, v);
  return ok ? 0 : 1;
}

}  // namespace kb
