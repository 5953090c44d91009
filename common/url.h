// URLs and query strings: the server's base URL (kbisect.server) and the CGI's
// QUERY_STRING / form bodies (application/x-www-form-urlencoded).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

inline constexpr size_t kMaxQuery = 4096;

struct Url {
  bool tls = false;          // https
  std::string_view host;     // a DNS name or dotted IPv4 address
  uint16_t port = 0;         // explicit, or 80 / 443
  std::string_view path;     // "" or starting with '/', without a trailing '/'
};

// A DNS name or dotted IPv4 address: [A-Za-z0-9.-], 1..253, no '.' or '-' at the ends.
Error CheckHostName(std::string_view host);

// Parses an absolute http:// or https:// base URL. Views point into `s`. Refuses
// user info, IPv6 literals, queries, fragments, spaces and control bytes.
Error ParseUrl(std::string_view s, Url* out);

// Percent-decodes `src` into `out`; with `form`, '+' is a space. Refuses a '%' not
// followed by two hex digits and decoded NUL or other control bytes. *len is the
// decoded length; the result never needs more room than src.size().
Error PercentDecode(std::string_view src, bool form, std::span<char> out, size_t* len);

struct QueryParam {
  // Implicit, so that a program's parameters read as a table: {{"machine"}, {"arch"}}.
  constexpr QueryParam(std::string_view n) : name(n) {}
  std::string_view name;   // set by the caller: a parameter the program accepts
  std::string_view value;  // decoded; set when present
  bool present = false;
};

// Decodes a query string or form body into `params`, storing decoded values in
// `buf` (at least query.size() bytes). Empty pieces ("a=1&&b=2") are ignored; a
// name without '=' has an empty value. Unknown names, repeated names, bad escapes,
// control bytes and queries over 4 KiB are errors; *where (if given) is then the
// offending name or piece.
Error ParseQuery(std::string_view query, std::span<QueryParam> params, std::span<char> buf,
                 std::string_view* where = nullptr);

}  // namespace kb
