// kbisect's HTTP client edge (libcurl): the kbisect server (control/server.h), a
// Redfish BMC and pdudaemon (the power backends). Every request is bounded in
// time and ends early when a stop (a signal) is requested, unless it is a
// clean-up after one.
#ifndef KBISECT_CONTROL_HTTP_H
#define KBISECT_CONTROL_HTTP_H

#include <string>
#include <vector>

namespace kb {

struct HttpAnswer {
  long code = 0;      // 0: the server could not be reached (why)
  std::string body;   // without its last newline
  std::string why;    // curl's reason when code is 0
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::string body;                    // sent with PUT, POST and PATCH
  std::string content_type = "text/plain";
  std::vector<std::string> headers;    // more "Name: value" lines
  std::string user, password;          // HTTP Basic authentication when user is set
  std::string ca_file;                 // the CA (or the server's own certificate) for https
  double timeout = 30;                 // seconds, the connection and the whole request
  bool stoppable = true;               // a stop (g_stop) ends it
};

HttpAnswer HttpDo(const HttpRequest& r);

// %XX-encodes everything but [A-Za-z0-9._~-], for a query value.
std::string UrlEncode(const std::string& s);

}  // namespace kb

#endif
