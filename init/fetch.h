// HTTP(S) requests to the kbisect server, every wait bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/http.h"
#include "common/url.h"
#include "init/socket.h"

namespace kb {

struct FetchRequest {
  const Url* server;          // scheme, host, port, base path
  uint32_t address;           // the host's IPv4 address, resolved
  std::string_view method;    // GET or POST
  std::string_view target;    // path and query, starting with '/'
  std::string_view body;      // for POST
  int64_t timeout_ms;         // for the whole exchange
};

// Sends the request and feeds the reply to *response, whose body callback gets
// the body. Returns true when a whole reply was read (any status).
bool Fetch(const FetchRequest& req, HttpResponse* response, Failure* why);

// Says "kbisect: <step>: <what> (<syscall>: <ERRNO>)", or the reason and its
// detail when there is no errno.
void SayFetchFailure(std::string_view step, const Failure& f);

// Says "kbisect: <step>: <what>: the server answered <status><tail>".
void SayBadStatus(std::string_view step, std::string_view what, int status, std::string_view tail = {});

}  // namespace kb
