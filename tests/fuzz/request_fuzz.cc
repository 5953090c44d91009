// The request CGI program (cgi/request.cc) on untrusted bytes: its query string,
// by any method, against a builder's state in a directory of its own. Whatever
// comes, the answer is one the HTTP interface documents, and the only files
// written are request files named by a commit id whose lines are known arches.
// Input: a method byte, then the query string. Each input starts from an empty
// queue (the request files it made are removed after the checks).
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "cgi/handlers.h"
#include "cgi/state.h"
#include "common/arch.h"
#include "common/fileio.h"

namespace {

std::string StateDir() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/kbisect-request-fuzz.XXXXXX";
    std::string d = mkdtemp(tmpl) ? tmpl : "/tmp";
    std::string err;
    kb::MakeDirs(d + "/state/requests", &err);
    kb::MakeDirs(d + "/state/builder/results", &err);
    kb::WriteFileAtomic(d + "/state/builder/watching", "1 fuzz\n", &err);
    static std::string top = d;
    atexit([] { std::error_code ec; std::filesystem::remove_all(top, ec); });
    return d + "/state";
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* kMethods[] = {"GET", "POST", "DELETE", "PUT", "HEAD"};
  kb::Request req;
  req.method = kMethods[data[0] % 5];
  req.query.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  req.body_fd = -1;
  kb::ServerConfig cfg{"/nonexistent", StateDir()};
  kb::Response r = kb::HandleRequest(req, cfg);
  switch (r.status) {
    case 200: case 202: case 400: case 404: case 405: break;
    default: __builtin_trap();
  }
  if (r.body.empty() || r.body.back() != '\n') __builtin_trap();
  // Every file in requests/ is a request: its name a commit id, its lines arches.
  DIR* d = opendir((cfg.state + "/requests").c_str());
  if (!d) __builtin_trap();
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    if (!kb::IsRequestName(n)) __builtin_trap();
    std::string text;
    if (!kb::ReadSmallFile(cfg.state + "/requests/" + n, &text)) __builtin_trap();
    for (const std::string& a : kb::RequestArches(text))
      if (!kb::FindArch(a)) __builtin_trap();
    unlink((cfg.state + "/requests/" + n).c_str());  // each input from an empty queue
  }
  closedir(d);
  return 0;
}
