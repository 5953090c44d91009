// What a CGI program receives: CONTENT_LENGTH, QUERY_STRING and a form body.
// Input: "<content-length>\n<query>\n<body>".
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cgi/cgi.h"
#include "cgi/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t a = in.find('\n');
  size_t b = a == std::string::npos ? std::string::npos : in.find('\n', a + 1);
  std::string length = in.substr(0, a);
  std::string query = a == std::string::npos ? "" : in.substr(a + 1, b - a - 1);
  std::string body = b == std::string::npos ? "" : in.substr(b + 1);
  if (length.find('\0') != std::string::npos || query.find('\0') != std::string::npos) return 0;

  kb::Request req = kb::RequestFromEnv([&](const char* name) -> const char* {
    std::string n = name;
    if (n == "CONTENT_LENGTH") return length.c_str();
    if (n == "QUERY_STRING") return query.c_str();
    if (n == "REQUEST_METHOD") return "POST";
    return nullptr;
  });
  if (req.content_length < -1 || req.body_left < 0) __builtin_trap();

  kb::Response err;
  std::vector<char> storage;
  kb::QueryParam params[] = {{"machine"}, {"once"}, {"arch"}, {"format"}, {"limit"}};
  if (kb::ParseParams(req.query, params, &storage, &err)) {
    if (!kb::CheckMachineParam(params[0], &err) && err.status != 400) __builtin_trap();
  } else if (err.status != 400 || err.body.empty()) {
    __builtin_trap();
  }
  kb::QueryParam form[] = {{"kernel"}, {"once"}};
  if (!kb::ParseParams(body, form, &storage, &err) && err.status != 400) __builtin_trap();
  std::string json = kb::JsonString(body);
  if (json.size() < 2 || json.front() != '"' || json.back() != '"') __builtin_trap();
  for (char c : json)
    if (static_cast<unsigned char>(c) < 0x20) __builtin_trap();
  return 0;
}
