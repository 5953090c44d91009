// The pool's leases for as long as a run lasts (design: "Control side"): taken
// before anything is touched, renewed at a third of their term by a thread of
// their own, released however the run ends (a stop included: the releases are
// not stoppable). While a machine is leased, the server refuses another client's
// once or default for it; the run's own requests carry the token (Server::SetLease).
#ifndef KBISECT_CONTROL_LEASES_H
#define KBISECT_CONTROL_LEASES_H

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "control/server.h"

namespace kb {

// $USER@host (or $LOGNAME), within the server's 64 characters: a lease's owner.
std::string LeaseOwner();

class PoolLeases {
 public:
  PoolLeases(Server& s, int seconds) : s_(s), seconds_(seconds) {}
  ~PoolLeases();
  // False with why (the server's: a 409 names the holder) when one is refused;
  // those taken before it are released with the object.
  bool Take(const std::vector<std::string>& machines, const std::string& purpose, std::string* why);

 private:
  void Renew();

  Server& s_;
  const int seconds_;
  std::vector<std::pair<std::string, std::string>> tokens_;
  std::thread renewer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

}  // namespace kb

#endif
