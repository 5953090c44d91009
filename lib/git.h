// The builder's use of libgit2: tips of watched branches, new commits between
// two tips, and per-arch work trees checked out incrementally.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct git_repository;

namespace kb {

struct CommitInfo {
  std::string sha;      // 40 hex
  std::string summary;  // first line of the message
  int64_t time = 0;     // committer time, seconds since the epoch (UTC)
  std::string author;   // "Name <email>"
};

class Git {
 public:
  Git();
  ~Git();
  Git(const Git&) = delete;
  Git& operator=(const Git&) = delete;

  bool Open(const std::string& path, std::string* err);
  // The repository containing path (path or one of its parents, as git finds it).
  bool Discover(const std::string& path, std::string* err);
  // Where HEAD is: the branch's short name ("" when detached) and the commit.
  bool Head(std::string* branch, std::string* sha, std::string* err);
  // The work tree's top directory ("" for a bare repository).
  std::string WorkDir() const;

  // Fetches `ref` from `remote` into refs/kbisect/<remote>/<name>.
  bool Fetch(const std::string& remote, const std::string& ref, const std::string& name, std::string* err);

  // The commit a branch's ref points at (the fetched copy for a remote branch).
  bool Tip(const std::string& remote, const std::string& ref, const std::string& name, std::string* sha,
           std::string* err);

  // Commits reachable from `tip` and not from `old` (all of tip's ancestry when
  // old is empty: callers pass the tip alone then), newest first.
  bool NewCommits(const std::string& old, const std::string& tip, bool first_parent, std::vector<std::string>* out,
                  std::string* err);

  // "A..B" or a single revision to commits (as NewCommits), for backfill.
  bool Range(const std::string& spec, bool first_parent, std::vector<std::string>* out, std::string* err);

  bool Resolve(const std::string& rev, std::string* sha, std::string* err);
  // The commit's parents, first parent first.
  bool Parents(const std::string& sha, std::vector<std::string>* out, std::string* err);
  bool Info(const std::string& sha, CommitInfo* out, std::string* err);
  bool IsAncestor(const std::string& ancestor, const std::string& of);

  // The paths whose contents differ between commits `from` and `to` (added,
  // removed or changed files, in either direction).
  bool ChangedPaths(const std::string& from, const std::string& to, std::vector<std::string>* out,
                    std::string* err);

  // A commit on `onto` that reverts `culprit` (a merge against its first parent),
  // made in memory: no work tree or index is touched, no ref moved. Its message
  // is git revert's. False with why; a revert that does not apply cleanly is
  // false with *conflicts (the paths) filled.
  bool Revert(const std::string& onto, const std::string& culprit, std::string* sha,
              std::vector<std::string>* conflicts, std::string* err);

  // Points the local ref `ref` at `sha` and force-pushes it to `remote` (a
  // remote's name, or a URL or path) under the same name.
  bool PushRef(const std::string& remote, const std::string& sha, const std::string& ref, std::string* err);

  // Checks `sha` out into the work tree at `path` (a libgit2 worktree named
  // `name`, made on first use). Only files that differ are written, so make
  // rebuilds only what changed.
  bool Checkout(const std::string& name, const std::string& path, const std::string& sha, std::string* err);

 private:
  git_repository* repo_ = nullptr;
};

}  // namespace kb
