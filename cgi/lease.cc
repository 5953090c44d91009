// <server>/lease?machine=M: a machine shared by several engineers, held by one
// bisection at a time (issue 16).
//   POST    body owner=O, purpose=P, seconds=N lines: take the lease when the
//           machine is free or its lease expired: 201, the body the token;
//           409 naming the holder while another lease is live
//   PUT     &lease=TOKEN[&seconds=N]: renew it, N seconds (default: its term)
//           from now; 409 when it is not the live lease
//   DELETE  &lease=TOKEN: release it (200; an absent or expired one too)
//   GET     the live lease as key=value lines, never its token; or "free"
// Only a known machine (one with a state directory) can be leased: 404 otherwise,
// as for boot reports. While a lease is live, the default program refuses
// writes of once and default that do not carry its token (LeaseAllows).
#include "cgi/lease.h"

#include <errno.h>
#include <sys/stat.h>

#include "cgi/handlers.h"
#include "common/text.h"

namespace kb {
namespace {

constexpr std::string_view kAllow = "GET, HEAD, POST, PUT, DELETE";

std::string Utc(int64_t t) {
  char buf[32];
  return std::string(FormatUtc(t, kUtcIso, buf));
}

Response Held(std::string_view machine, const Lease& l) {
  return Text(409, "machine " + std::string(machine) + " is leased by " + DescribeLease(l));
}

}  // namespace

std::string DescribeLease(const Lease& l) { return l.owner + " (" + l.purpose + ") until " + Utc(l.expires); }

bool CheckLeaseParam(const QueryParam& token, Response* error) {
  if (!token.present) return true;
  // Its form only: whether it is the lease's token is compared in constant time.
  bool hex = token.value.size() == kLeaseTokenHex;
  for (char c : token.value) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) *error = Text(400, "bad lease: expected the token (32 lowercase hex digits) that POST lease answered");
  return hex;
}

bool LeaseAllows(const MachineState& st, std::string_view machine, const QueryParam& token, int64_t now,
                 Response* error) {
  std::optional<Lease> l;
  std::string e;
  if (!st.ReadLease(&l, &e)) return *error = Text(500, e), false;
  if (!l || !l->Live(now) || (token.present && LeaseTokenMatches(token.value, l->token))) return true;
  *error = Held(machine, *l);
  return false;
}

namespace {

// GET: the machine's live lease, or "free".
Response ShowLease(MachineState& st, int64_t now) {
  std::optional<Lease> held;
  std::string e;
  if (!st.ReadLease(&held, &e)) return Text(500, e);
  if (!held || !held->Live(now)) return Text(200, "free");
  Response r;
  r.body = "owner=" + held->owner + "\npurpose=" + held->purpose + "\nseconds=" + std::to_string(held->seconds) +
           "\nexpires=" + std::to_string(held->expires) + "\nuntil=" + Utc(held->expires) +
           "\nleft=" + std::to_string(held->expires - now) + "\n";
  return r;
}

// DELETE: releases the lease of `token`.
Response ReleaseLease(MachineState& st, const std::string& machine, std::string_view token, int64_t now) {
  // Nothing to release for a machine without a lease: do not create its directory.
  struct stat sb;
  if (lstat((st.dir() + "/lease").c_str(), &sb) != 0 && errno == ENOENT)
    return Text(200, "machine " + machine + " has no lease");
  std::optional<Lease> held;
  std::string e;
  if (!st.Lock(&e) || !st.ReadLease(&held, &e)) return Text(500, e);
  if (!held) return Text(200, "machine " + machine + " has no lease");
  if (LeaseTokenMatches(token, held->token)) {
    if (!st.Remove("lease", &e)) return Text(500, e);
    return Text(200, "machine " + machine + ": lease released");
  }
  // Another's lease: live, it stays; expired, this token's lease is gone anyway.
  if (held->Live(now)) return Held(machine, *held);
  return Text(200, "machine " + machine + " has no live lease");
}

}  // namespace

Response HandleLease(const Request& req, const ServerConfig& cfg) {
  bool get = req.method == "GET" || req.method == "HEAD";
  if (!get && req.method != "POST" && req.method != "PUT" && req.method != "DELETE")
    return MethodNotAllowed(req.method, kAllow);
  QueryParam params[] = {{"machine"}, {"lease"}, {"seconds"}};
  auto& [machine_p, token, seconds_p] = params;
  std::vector<char> storage;
  Response err;
  if (!ParseParams(req.query, params, &storage, &err) || !CheckMachineParam(machine_p, &err) ||
      !CheckLeaseParam(token, &err))
    return err;
  bool needs_token = req.method == "PUT" || req.method == "DELETE";
  if (needs_token && !token.present) return Text(400, "missing parameter 'lease' (the token POST lease answered)");
  if (!needs_token && token.present) return Text(400, "lease=TOKEN is for PUT (renew) and DELETE (release)");
  int64_t seconds = 0;
  if (seconds_p.present && req.method != "PUT")
    return Text(400, "seconds= is for PUT (renew); POST gives seconds=N in its body");
  if (seconds_p.present && !ParseLeaseSeconds(seconds_p.value, &seconds))
    return Text(400, "bad seconds: expected a number from 1 to 86400");
  std::string machine(machine_p.value), e;
  MachineState st(cfg.state, machine);
  std::optional<Lease> held;

  if (get) return ShowLease(st, req.now);
  if (req.method == "DELETE") return ReleaseLease(st, machine, token.value, req.now);

  Lease want;
  if (req.method == "POST") {
    std::string body, why;
    if (!ReadBody(req, &body, &err)) return err;
    if (!ParseLease(body, LeaseText::kRequest, &want, &why)) return Text(400, "bad lease request: " + why);
  }
  // Leases are for the machines the lab knows, and taking one never creates one.
  if (!st.Known())
    return Text(404, "unknown machine " + machine + ": leases are taken once it has a default (PUT /default)");
  if (!st.Lock(&e) || !st.ReadLease(&held, &e)) return Text(500, e);

  if (req.method == "POST") {
    if (held && held->Live(req.now)) return Held(machine, *held);
    want.expires = req.now + want.seconds;
    if (!NewLeaseToken(&want.token, &e) || !st.WriteLease(want, &e)) return Text(500, e);
    return Text(201, want.token);
  }

  // PUT: only the live lease of this token is renewed. A lapsed one is not: the
  // machine was free meanwhile, and its holder must know that.
  if (!held || !LeaseTokenMatches(token.value, held->token)) {
    if (held && held->Live(req.now)) return Held(machine, *held);
    return Text(409, "machine " + machine +
                         " has no lease of this token (released, or expired and taken?): take a new one (POST)");
  }
  if (!held->Live(req.now))
    return Text(409, "machine " + machine + ": this lease expired at " + Utc(held->expires) +
                         ": take a new one (POST)");
  if (seconds) held->seconds = seconds;
  held->expires = req.now + held->seconds;
  if (!st.WriteLease(*held, &e)) return Text(500, e);
  return Text(200, "machine " + machine + " is leased by " + DescribeLease(*held));
}

}  // namespace kb
