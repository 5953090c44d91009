// Per-machine state (design.md): <state>/machines/<machine>/{default,once,booted}.
// Writers hold the machine's flock; files are replaced atomically (temporary
// file, fsync, rename, fsync of the directory), so a reader sees the old or the
// new content, never a torn one.
#pragma once

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
