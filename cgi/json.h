// JSON text for the CGI's format=json answers.
#pragma once

#include <string>
#include <string_view>

namespace kb {

// s as a JSON string literal, quotes included. Bytes that are not valid UTF-8 are
// replaced by U+FFFD so the output always parses.
std::string JsonString(std::string_view s);

}  // namespace kb
