#include "control/leases.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "control/cli.h"

namespace kb {

std::string LeaseOwner() {
  const char* user = getenv("USER");
  if (!user || !*user) user = getenv("LOGNAME");
  char host[256] = "";
  if (gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  std::string owner = std::string(user && *user ? user : "kbisect") + (host[0] ? "@" + std::string(host) : "");
  return owner.substr(0, 64);
}

PoolLeases::~PoolLeases() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  for (const auto& [machine, token] : tokens_) {
    std::string why;
    if (!s_.ReleaseLease(machine, token, &why)) Say("could not release the lease on " + machine + ": " + why);
    s_.SetLease(machine, "");
  }
}

bool PoolLeases::Take(const std::vector<std::string>& machines, const std::string& purpose, std::string* why) {
  for (const std::string& m : machines) {
    std::string token;
    if (!s_.TakeLease(m, LeaseOwner(), purpose, seconds_, &token, why)) return false;
    tokens_.emplace_back(m, token);
    s_.SetLease(m, token);
  }
  renewer_ = std::thread([this] { Renew(); });
  return true;
}

void PoolLeases::Renew() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::duration<double>(seconds_ / 3.0), [this] { return done_; })) {
    for (const auto& [machine, token] : tokens_) {
      std::string why;
      if (!s_.RenewLease(machine, token, seconds_, &why)) Say("could not renew the lease on " + machine + ": " + why);
    }
  }
}

}  // namespace kb
