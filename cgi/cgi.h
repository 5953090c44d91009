// The CGI/1.1 side of kbisect's server programs (RFC 3875): the request as Apache
// hands it over, the response, and the driver every program's main() calls.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/url.h"

namespace kb {

inline constexpr size_t kMaxBody = 4096;

struct ServerConfig {
  std::string images;  // the image store (read-only to the CGI)
  std::string state;   // per-machine state (written by the CGI)
};

struct Request {
  std::string method;       // REQUEST_METHOD
  std::string query;        // QUERY_STRING
  std::string remote_addr;  // REMOTE_ADDR
  std::string content_type;
  long long content_length = 0;  // CONTENT_LENGTH; -1 when malformed
  int body_fd = 0;               // stdin
  int64_t now = 0;               // the request's time (UTC, seconds since the epoch): RunCgi's clock; tests choose it
  // Body bytes not read yet. RunCgi drains them (bounded) after the handler: a CGI
  // that answers without reading the body makes mod_cgid cut the response short.
  mutable long long body_left = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The rest of the body, after `body`, sent without a copy: views into what `keep`
  // holds (the list's 200 KB of names, as mapped from the store's list index).
  std::vector<std::string_view> more;
  std::shared_ptr<const void> keep;
};

// The whole body: `body`, then `more`.
std::string Body(const Response& r);

// A text/plain answer: the message and a newline.
Response Text(int status, std::string message);

// "Status: ..." and the other header lines, a blank line, the body.
std::string FormatResponse(const Response& r);

using Getenv = std::function<const char*(const char*)>;
Request RequestFromEnv(const Getenv& getenv);

// Reads the config named by KBISECT_CONFIG, else /etc/kbisect/kbisect.ini:
// [server] images = DIR, state = DIR (both required, absolute).
bool LoadServerConfig(const Getenv& getenv, ServerConfig* out, std::string* err);
bool LoadServerConfigFile(const std::string& path, ServerConfig* out, std::string* err);

// Reads and discards what is left of the body, at most 1 MiB.
void DrainBody(const Request& req);

// Reads the request body (at most 4 KiB). False with *error set (400, 411 or 413)
// when it is too long, missing or shorter than announced.
bool ReadBody(const Request& req, std::string* body, Response* error);

// Decodes a query string or form body into params; false with a 400 *error naming
// the parameter on bad input.
bool ParseParams(std::string_view query, std::span<QueryParam> params, std::vector<char>* storage,
                 Response* error);

// Checks the machine parameter: present and a valid machine name. False with a 400
// *error otherwise.
bool CheckMachineParam(const QueryParam& machine, Response* error);

// A 405 listing the allowed methods.
Response MethodNotAllowed(std::string_view method, std::string_view allow);

using Handler = std::function<Response(const Request&, const ServerConfig&)>;

// The whole of a CGI program: read the request and the configuration, run handler,
// write the response to stdout. 5xx answers are also logged on stderr (Apache's
// error log) with the program's name. Returns main()'s exit code.
// From a shell, `PROGRAM --version` and `--help` answer instead.
int RunCgi(int argc, char** argv, const char* program, const Handler& handler);

}  // namespace kb
