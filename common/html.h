// Text into HTML: the status page's and the bisection report's one escaping.
// Header-only: common/*.cc is built for the stage-1 too (musl, no std::string).
#pragma once

#include <string>
#include <string_view>

namespace kb {

// &, <, >, " and ' as entities: safe in element text and in quoted attributes.
inline std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace kb
