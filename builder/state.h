// The builder's state under <state>/ (shared by builders on one store):
//   builder/results/<sha>-<arch>  "ok <image>" or "fail <log>": built at most once
//   builder/locks/<sha>-<arch>    held while building (O_EXCL), "pid host"
//   builder/queue                 "<prio> <sha> <arch> <branch>" lines, under queue.lock
//   builder/tips/<branch>         the last tip seen
//   builder/health/<branch>-<arch> "pass" or "fail": mails go out on changes
//   builder/logs/<sha>-<arch>.log the log of a failed build
//   builder/running.<pid>         "<sha> <arch> <branch> <start>" during a build
//   requests/<sha>                on-demand requests (by kbisect step)
#pragma once

#include <string>
#include <vector>

#include "common/fileio.h"

namespace kb {

enum Priority { kRequest = 0, kTip = 1, kBetween = 2 };

struct QueueItem {
  int prio = kBetween;
  std::string sha, arch, branch;
};

// A branch's name as one file name under tips/ and health/: '%' and '/' (which
// branch names may hold) written as %25 and %2F.
std::string BranchFileName(const std::string& branch);

class BuilderState {
 public:
  explicit BuilderState(std::string state) : state_(std::move(state)), dir_(state_ + "/builder") {}
  // <state>/builder: the builder's own files.
  const std::string& Dir() const { return dir_; }
  bool Init(std::string* err);

  bool Result(const std::string& sha, const std::string& arch, std::string* line) const;
  bool SetResult(const std::string& sha, const std::string& arch, const std::string& line, std::string* err);

  // Takes the build lock of sha x arch; false when another builder holds it. A
  // lock left by a dead process of this host is taken over.
  bool TryLock(const std::string& sha, const std::string& arch);
  void Unlock(const std::string& sha, const std::string& arch);

  // Adds items that are neither queued nor built; keeps the queue sorted by
  // priority (stable). *added: how many were added.
  bool Enqueue(const std::vector<QueueItem>& items, int* added, std::string* err);
  bool Queue(std::vector<QueueItem>* out) const;
  bool Dequeue(const std::string& sha, const std::string& arch, std::string* err);

  std::string Tip(const std::string& branch) const;
  bool SetTip(const std::string& branch, const std::string& sha, std::string* err);
  std::string Health(const std::string& branch, const std::string& arch) const;
  bool SetHealth(const std::string& branch, const std::string& arch, const std::string& h, std::string* err);

  // Requested shas (file names under requests/), oldest first.
  std::vector<std::string> Requests() const;
  void DropRequest(const std::string& sha);
  // The arches a request names, one a line (the request CGI's); none: every arch.
  std::vector<std::string> RequestArches(const std::string& name) const;

  std::string LogPath(const std::string& sha, const std::string& arch) const;
  void SetRunning(const std::string& line);
  std::vector<std::string> Running() const;  // "<sha> <arch> <branch> <start> <pid>"
  std::vector<std::pair<std::string, std::string>> Results() const;  // (sha-arch, line), newest first

 private:
  std::string state_, dir_;
};

}  // namespace kb
