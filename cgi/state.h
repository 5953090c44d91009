// Per-machine state (design.md): <state>/machines/<machine>/{default,once,booted,lease}.
// Writers hold the machine's flock; files are replaced atomically (temporary
// file, fsync, rename, fsync of the directory), so a reader sees the old or the
// new content, never a torn one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/fd.h"

namespace kb {

// The boot log's cap: an append that finds it larger first keeps only its newest
// kBootLogKeep bytes (whole lines). Readers read it from its end.
inline constexpr long long kBootLogMax = 1 << 20, kBootLogKeep = 512 << 10;

// A machine's lease (design.md "Per-machine state"): who holds the machine, why,
// until when, and the token that proves it. Live while now < expires; an expired
// one frees the machine even before its file is removed.
struct Lease {
  std::string owner;    // printable ASCII, 1..kLeaseOwnerMax
  std::string purpose;  // printable ASCII, 1..kLeasePurposeMax
  int64_t seconds = 0;  // its term, 1..kLeaseMaxSeconds: what a renewal extends it by
  int64_t expires = 0;  // UTC, seconds since the epoch
  std::string token;    // kLeaseTokenHex lowercase hex digits (128 random bits)
  bool Live(int64_t now) const { return now < expires; }
};
inline constexpr size_t kLeaseOwnerMax = 64, kLeasePurposeMax = 200, kLeaseTokenHex = 32;
inline constexpr int64_t kLeaseMaxSeconds = 86400;

// The two texts of a lease, both `key=value` lines (spaces around either trimmed,
// blank lines ignored, CRLF taken): kRequest is a POST body (owner, purpose,
// seconds; the server adds the rest), kFile the `lease` file (all five). A key
// missing, unknown or given twice, or a value that breaks its rule, fails with
// *err naming it. Untrusted bytes (a request; a file damaged by hand): never more
// than a message.
enum class LeaseText { kRequest, kFile };
bool ParseLease(std::string_view text, LeaseText which, Lease* out, std::string* err);
// The kFile text of a lease ParseLease accepts.
std::string FormatLease(const Lease& lease);
// A term in seconds: decimal digits, 1..kLeaseMaxSeconds.
bool ParseLeaseSeconds(std::string_view s, int64_t* seconds);
// A fresh token: 128 bits from getrandom(2), as hex.
bool NewLeaseToken(std::string* token, std::string* err);
// Whether `given` is `token`, in time independent of where they differ (the
// length is public: always kLeaseTokenHex).
bool LeaseTokenMatches(std::string_view given, std::string_view token);

// A build request file's text, <state>/requests/<sha> (design.md "The builder"):
// the arches asked for, a line each, blank lines skipped; none: every arch. The
// request CGI writes it, kbisect-builder reads it.
std::vector<std::string> RequestArches(std::string_view text);
// A request file's name: the commit's id, 7 to 40 lowercase hex digits.
bool IsRequestName(std::string_view name);

class MachineState {
 public:
  // `machine` must already be a valid machine name.
  MachineState(std::string state_dir, std::string machine);
  MachineState(const MachineState&) = delete;
  MachineState& operator=(const MachineState&) = delete;

  // The image name in `file` ("default" or "once"); nullopt when there is none.
  // Fails when the file cannot be read or does not hold a valid image name.
  bool ReadName(const char* file, std::optional<std::string>* name, std::string* err) const;

  // Whether the machine is known: its directory exists (made by the first PUT of a
  // default or once, or by an admin). Boot reports are taken only from known ones.
  bool Known() const;

  // Creates the machine's directory if needed and takes its lock (blocking, bounded
  // by the web server's own timeout). Every write below needs it.
  bool Lock(std::string* err);

  bool WriteName(const char* file, std::string_view name, std::string* err);
  bool Remove(const char* file, std::string* err);  // absent is fine
  // One line, whole or not at all (a short write is taken back; a torn last line
  // a crash left is dropped first); the log trimmed to its cap first.
  bool AppendBootLog(std::string_view line, std::string* err);

  // The boot log's lines, newest first, at most `limit` of them.
  bool ReadBootLog(size_t limit, std::vector<std::string>* lines, std::string* err) const;

  // The `lease` file, live or expired; nullopt when there is none. Fails, naming
  // the file, when it cannot be read or is damaged (the machine is then neither
  // free nor leased: an admin removes the file).
  bool ReadLease(std::optional<Lease>* lease, std::string* err) const;
  bool WriteLease(const Lease& lease, std::string* err);  // under the lock

  const std::string& dir() const { return dir_; }

 private:
  std::string state_;
  std::string dir_;
  Fd lock_;  // held from Lock() on
};

// All machines that have a state directory, sorted.
bool ListMachines(const std::string& state_dir, std::vector<std::string>* out, std::string* err);

// The images some machine has as its default or once: what the builder's prune
// keeps, each with why ("machine M's default").
// Fails (nothing may then be pruned) when a machine's state cannot be read.
bool ChosenImages(const std::string& state_dir, std::vector<std::pair<std::string, std::string>>* out,
                  std::string* err);

}  // namespace kb
