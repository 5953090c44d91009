#include "control/server.h"

#include "control/format.h"

#include <vector>

#include "common/image_ini.h"
#include "common/names.h"
#include "lib/run.h"

namespace kb {

Server::Server(std::string base, double timeout) : base_(std::move(base)), timeout_(timeout) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

HttpAnswer Server::Request(const std::string& method, const std::string& path, const std::string& body,
                           bool stoppable) const {
  HttpRequest r;
  r.method = method;
  r.url = base_ + "/" + path;
  r.body = body;
  r.timeout = timeout_;
  r.stoppable = stoppable;
  return HttpDo(r);
}

bool Server::Call(const std::string& method, const std::string& path, const std::string& body, std::string* out,
                  std::string* why, bool* unreachable, bool stoppable) const {
  HttpAnswer a = Request(method, path, body, stoppable);
  if (unreachable) *unreachable = a.code == 0;
  if (a.code == 0) {
    *why = "server " + base_ + " unreachable: " + a.why;
    return false;
  }
  if (a.code < 200 || a.code > 299) {
    *why = "the server answered " + std::to_string(a.code) + ": " + ReasonLine(a.body);
    return false;
  }
  if (out) *out = std::move(a.body);
  return true;
}

bool Server::ImageOf(const std::string& machine, const std::string& arch, const std::string& commit,
                     std::string* image, std::string* why) const {
  std::string tsv;
  if (!Call("GET", "list?machine=" + UrlEncode(machine) + "&arch=" + UrlEncode(arch) + "&format=tsv", "", &tsv, why))
    return false;
  image->clear();
  size_t at = 0;
  while (at < tsv.size()) {
    size_t end = tsv.find('\n', at);
    if (end == std::string::npos) end = tsv.size();
    std::string line = tsv.substr(at, end - at);
    at = end + 1;
    // name commit branch arch built role: the machine's once and default head
    // every arch's list, so a line of another arch is not this commit's image.
    std::vector<std::string> f;
    for (size_t from = 0;;) {
      size_t tab = line.find('\t', from);
      f.push_back(line.substr(from, tab == std::string::npos ? std::string::npos : tab - from));
      if (tab == std::string::npos) break;
      from = tab + 1;
    }
    if (f.size() >= 4 && f[1] == commit && f[3] == arch) {
      *image = f[0];
      return true;
    }
  }
  return true;
}

bool Server::ImageCode(const std::string& image, std::string* code, std::string* why) const {
  if (CheckImageName(image)) return *why = "not an image name: " + image, false;
  std::string text;
  if (!Call("GET", "images/" + image + "/image.ini", "", &text, why)) return false;
  text += "\n";  // Call drops the last newline
  ImageIni ini;
  size_t line = 0;
  if (Error e = ParseImageIniOf(image, text, &ini, &line))
    return *why = "images/" + image + "/image.ini:" + std::to_string(line) + ": " + e, false;
  code->clear();
  if (!ini.has_code) return true;
  static const char kHex[] = "0123456789abcdef";
  for (uint8_t byte : ini.code_sha256) *code += kHex[byte >> 4], *code += kHex[byte & 15];
  return true;
}

bool Server::RequestBuild(const std::string& commit, const std::string& arch, std::string* answer, bool* no_builder,
                          bool* not_running, std::string* why) const {
  *no_builder = *not_running = false;
  HttpAnswer a = Request("POST", "request?commit=" + UrlEncode(commit) + "&arch=" + UrlEncode(arch));
  if (a.code == 404 && a.body.rfind("no builder", 0) == 0) {
    *no_builder = true;
    return *why = "the server has no builder", false;
  }
  if (a.code == 503) {
    *not_running = true;
    return *why = "the server's builder: " + ReasonLine(a.body), false;
  }
  if (a.code == 0) return *why = "server " + base_ + " unreachable: " + a.why, false;
  if (a.code < 200 || a.code > 299)
    return *why = "the server answered " + std::to_string(a.code) + " to a build request: " + ReasonLine(a.body), false;
  *answer = std::move(a.body);
  return true;
}

bool Server::BuildState(const std::string& commit, const std::string& arch, std::string* answer,
                        std::string* why) const {
  HttpAnswer a = Request("GET", "request?commit=" + UrlEncode(commit) + "&arch=" + UrlEncode(arch));
  if (a.code == 404 && a.body.rfind("no request", 0) == 0) return answer->clear(), true;
  if (a.code == 0) return *why = "server " + base_ + " unreachable: " + a.why, false;
  if (a.code < 200 || a.code > 299)
    return *why = "the server answered " + std::to_string(a.code) + " about a build: " + ReasonLine(a.body), false;
  *answer = std::move(a.body);
  return true;
}

bool Server::NewestBoot(const std::string& machine, std::string* line, std::string* why) const {
  return Call("GET", "booted?machine=" + UrlEncode(machine) + "&limit=1", "", line, why);
}

bool Server::SetOnce(const std::string& machine, const std::string& image, std::string* why) const {
  return Call("PUT", "default?machine=" + UrlEncode(machine) + "&once=1" + LeaseParam(machine), image, nullptr, why);
}

bool Server::ClearOnce(const std::string& machine, std::string* why) const {
  return Call("DELETE", "default?machine=" + UrlEncode(machine) + "&once=1" + LeaseParam(machine), "", nullptr, why,
              nullptr, false);
}

bool Server::TakeLease(const std::string& machine, const std::string& owner, const std::string& purpose, int seconds,
                       std::string* token, std::string* why) const {
  // One line each: a newline would smuggle in a key of its own.
  for (const std::string* s : {&owner, &purpose})
    if (s->find_first_of("\r\n") != std::string::npos)
      return *why = "a lease's owner and purpose are one line each", false;
  std::string body = "owner=" + owner + "\npurpose=" + purpose + "\nseconds=" + std::to_string(seconds) + "\n", out;
  if (!Call("POST", "lease?machine=" + UrlEncode(machine), body, &out, why)) return false;
  out = out.substr(0, out.find('\n'));
  if (out.size() != 32 || out.find_first_not_of("0123456789abcdef") != std::string::npos)
    return *why = "the server's answer to a lease is not a token", false;
  *token = out;
  return true;
}

bool Server::RenewLease(const std::string& machine, const std::string& token, int seconds, std::string* why) const {
  return Call("PUT",
              "lease?machine=" + UrlEncode(machine) + "&lease=" + UrlEncode(token) +
                  (seconds > 0 ? "&seconds=" + std::to_string(seconds) : ""),
              "", nullptr, why);
}

bool Server::ReleaseLease(const std::string& machine, const std::string& token, std::string* why) const {
  return Call("DELETE", "lease?machine=" + UrlEncode(machine) + "&lease=" + UrlEncode(token), "", nullptr, why,
              nullptr, false);
}

void Server::SetLease(const std::string& machine, const std::string& token) {
  if (token.empty()) leases_.erase(machine);
  else leases_[machine] = token;
}

std::string Server::LeaseParam(const std::string& machine) const {
  auto it = leases_.find(machine);
  return it == leases_.end() ? "" : "&lease=" + UrlEncode(it->second);
}

}  // namespace kb
