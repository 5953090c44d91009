// The kbisect server's HTTP interface as the control program uses it (issue 13:
// the engine's HTTP edge), over libcurl. Every call is bounded in time and ends
// early when a stop (a signal) is requested. One error convention: false with
// *why; an answer that is not 2xx is an error too, with the server's reason.
#ifndef KBISECT_CONTROL_SERVER_H
#define KBISECT_CONTROL_SERVER_H

#include <map>
#include <string>

#include "control/http.h"

namespace kb {

class Server {
 public:
  // base: the server's URL ("http://host/kbisect"); timeout: seconds per request.
  explicit Server(std::string base, double timeout = 30);
  const std::string& Base() const { return base_; }

  // One request; path is relative to the base ("list?machine=m1"). A body is sent
  // as text/plain (PUT, POST). A stop ends it early, unless !stoppable (the
  // clean-up after a stop: clearing the machine's once).
  HttpAnswer Request(const std::string& method, const std::string& path, const std::string& body = "",
                     bool stoppable = true) const;

  // Request, with every failure as *why: "server URL unreachable: ..." (code 0,
  // *unreachable set) or "the server answered CODE: reason".
  bool Call(const std::string& method, const std::string& path, const std::string& body, std::string* out,
            std::string* why, bool* unreachable = nullptr, bool stoppable = true) const;

  // The machine's images of one arch as "name\tcommit\tbranch\tarch\tbuilt\trole"
  // lines; the image of a commit (full id) for that arch, "" when there is none
  // (the machine's once or default of another arch, which the list puts first,
  // is not it).
  bool ImageOf(const std::string& machine, const std::string& arch, const std::string& commit, std::string* image,
               std::string* why) const;
  // The image's code sum (image.ini code_sha256, from the store under
  // <server>/images/), as hex; "" when its manifest has none. False (why) when the
  // manifest cannot be had or read.
  bool ImageCode(const std::string& image, std::string* code, std::string* why) const;
  // The server's builder (request?commit=SHA&arch=A). RequestBuild asks it for an
  // image of commit for arch (POST), BuildState asks where that is (GET); both set
  // *answer to "queued", "ok IMAGE" or "fail LOG", and BuildState to "" when the
  // builder has neither a request nor a result. *no_builder: the server has no
  // builder (404 "no builder"); *not_running: it has one that does not run now
  // (503: stopped or restarting); false is returned then too.
  bool RequestBuild(const std::string& commit, const std::string& arch, std::string* answer, bool* no_builder,
                    bool* not_running, std::string* why) const;
  bool BuildState(const std::string& commit, const std::string& arch, std::string* answer, std::string* why) const;
  // The machine's newest boot report line ("" for none).
  bool NewestBoot(const std::string& machine, std::string* line, std::string* why) const;
  // Both present the machine's lease token when SetLease gave one.
  bool SetOnce(const std::string& machine, const std::string& image, std::string* why) const;
  // Not ended by a stop: it is the clean-up after one.
  bool ClearOnce(const std::string& machine, std::string* why) const;

  // Machine leases (design.md "HTTP interface", lease). While a lease is live the
  // server refuses another client's once and default (409, naming the holder).
  // Takes one for `seconds` (1..86400): *token proves it. Refused, naming the
  // holder, while another lease is live; owner and purpose are one line each.
  bool TakeLease(const std::string& machine, const std::string& owner, const std::string& purpose, int seconds,
                 std::string* token, std::string* why) const;
  // Extends the live lease to `seconds` from now (0: its own term). Refused once
  // it has expired: the machine was free meanwhile.
  bool RenewLease(const std::string& machine, const std::string& token, int seconds, std::string* why) const;
  // Not ended by a stop: it is the clean-up after one. An expired lease is no error.
  bool ReleaseLease(const std::string& machine, const std::string& token, std::string* why) const;
  // The token SetOnce and ClearOnce present for machine from now on ("": none).
  // Not for calling while another thread uses this Server.
  void SetLease(const std::string& machine, const std::string& token);

 private:
  std::string LeaseParam(const std::string& machine) const;  // "&lease=TOKEN" or ""

  std::string base_;
  double timeout_;
  std::map<std::string, std::string> leases_;  // machine -> token
};

}  // namespace kb

#endif
