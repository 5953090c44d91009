// kbisect-builder's work loop: what to build next, building it, remembering the
// result and mailing about broken and recovered branches.
#pragma once

#include <string>
#include <vector>

#include "builder/build.h"
#include "builder/config.h"
#include "lib/git.h"
#include "builder/state.h"

namespace kb {

class Builder {
 public:
  explicit Builder(const BuilderConfig& c) : c_(c), state_(c.state) {}
  bool Open(std::string* err);

  // Fetches the remotes and queues the new commits of every branch: each
  // branch's new tip first, then the commits between, newest first.
  void Poll();
  // Queues the on-demand requests (<state>/requests/<sha>) first.
  void TakeRequests();
  // Builds the first queued item nobody else builds. False when there is none.
  bool BuildNext();

  // build COMMIT [--arch A]: now, in the foreground. Returns the exit code.
  int BuildNow(const std::string& rev, const std::string& arch);
  // backfill A..B: queues the range, then builds the queue until it is empty.
  int Backfill(const std::string& range);
  int Watch();
  // poll: fetch and queue once, then exit.
  int PollOnce();
  int Status();
  int Prune();

 private:
  // The watched branch whose tip contains sha, else "request".
  std::string BranchOf(const std::string& sha);
  void Record(const QueueItem& item, const CommitInfo& info, const BuildReport& r);
  Outcome Build(const QueueItem& item);

  const BuilderConfig& c_;
  BuilderState state_;
  Git git_;
  bool infrastructure_error_ = false;
};

}  // namespace kb
