#include "builder/builder.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "builder/mail.h"
#include "cgi/state.h"
#include "common/fileio.h"
#include "common/text.h"
#include "lib/run.h"
#include "store/store.h"

namespace kb {
namespace {

// How long `build` waits for another build of the same arch to end.
constexpr int kBusyWaitSeconds = 3600;

void Log(const std::string& msg) {
  printf("kbisect-builder: %s\n", msg.c_str());
  fflush(stdout);
}

// Sleeps up to `seconds`, waking for a stop or when `wake` says so (checked each second).
template <typename F>
void Nap(int seconds, F wake) {
  for (int i = 0; i < seconds && !g_stop && !wake(); ++i) sleep(1);
}

std::string Tail(const std::string& path, size_t lines) {
  std::string all;
  ReadSmallFile(path, &all);
  size_t pos = all.size();
  for (size_t n = 0; n <= lines && pos > 0; ++n) pos = all.rfind('\n', pos - 1);
  return pos == std::string::npos ? all : all.substr(pos + 1);
}

}  // namespace

bool Builder::Open(std::string* err) {
  if (!git_.Open(c_.repo, err)) return false;
  if (!state_.Init(err)) return false;
  if (!MakeDirs(c_.images, err) || !MakeDirs(c_.work, err)) return false;
  // What a builder that died mid-publication left in the store (an hour old).
  std::vector<std::string> removed;
  if (!CleanLeftovers(c_.images, 3600, &removed, err)) return false;
  for (const std::string& r : removed) Log("removed the leftover " + c_.images + "/" + r);
  // The list index, for a store that has none yet (its writers keep it after this).
  std::string why;
  if (removed.empty() && !WriteListIndex(c_.images, &why)) Log("the image store's list index: " + why);
  return true;
}

std::string Builder::BranchOf(const std::string& sha) {
  for (const BranchConfig& b : c_.branches) {
    std::string tip, err;
    if (git_.Tip(b.remote, b.ref, b.name, &tip, &err) && git_.IsAncestor(sha, tip)) return b.name;
  }
  return "request";
}

void Builder::Poll() {
  for (const BranchConfig& b : c_.branches) {
    std::string err, tip;
    if (!b.remote.empty() && !git_.Fetch(b.remote, b.ref, b.name, &err)) {
      Log("fetch: " + err);
      continue;
    }
    if (!git_.Tip(b.remote, b.ref, b.name, &tip, &err)) {
      Log(err);
      continue;
    }
    std::string old = state_.Tip(b.name);
    if (old == tip) continue;
    std::vector<std::string> commits;
    if (!old.empty() && !git_.IsAncestor(old, tip)) {
      Log("branch " + b.name + " was rewritten: building its new tip only");
      old.clear();
    }
    if (!git_.NewCommits(old, tip, c_.first_parent, &commits, &err)) {
      Log(err);
      continue;
    }
    std::vector<QueueItem> items;
    for (size_t i = 0; i < commits.size(); ++i)
      for (const ArchConfig& a : c_.arches) items.push_back({i == 0 ? kTip : kBetween, commits[i], a.name, b.name});
    int added = 0;
    if (!state_.Enqueue(items, &added, &err)) {
      Log(err);
      continue;
    }
    state_.SetTip(b.name, tip, &err);
    Log("branch " + b.name + " at " + tip.substr(0, 12) + ": " + std::to_string(commits.size()) + " new commit(s), " +
        std::to_string(added) + " build(s) queued");
  }
}

void Builder::TakeRequests() {
  for (const std::string& req : state_.Requests()) {
    std::string sha, err;
    if (!git_.Resolve(req, &sha, &err)) {
      Log("request " + req + ": " + err + " (dropped)");
      state_.DropRequest(req);
      continue;
    }
    std::vector<QueueItem> items;
    bool all_done = true;
    const std::vector<std::string> asked = state_.RequestArches(req);
    for (const std::string& a : asked) {
      bool ours = false;
      for (const ArchConfig& c : c_.arches) ours = ours || c.name == a;
      if (!ours) Log("request " + req + " for " + a + ": not an arch this builder builds");
    }
    for (const ArchConfig& a : c_.arches) {
      if (!asked.empty() && std::find(asked.begin(), asked.end(), a.name) == asked.end()) continue;
      std::string line;
      if (state_.Result(sha, a.name, &line)) continue;
      all_done = false;
      items.push_back({kRequest, sha, a.name, BranchOf(sha)});
    }
    if (all_done) {
      state_.DropRequest(req);
      continue;
    }
    int added = 0;
    if (!state_.Enqueue(items, &added, &err)) Log(err);
  }
}

void Builder::Record(const QueueItem& item, const CommitInfo& info, const BuildReport& r) {
  std::string err;
  bool ok = r.outcome == Outcome::kPublished;
  state_.SetResult(item.sha, item.arch, ok ? "ok " + r.image : "fail " + r.log, &err);
  state_.Dequeue(item.sha, item.arch, &err);
  if (item.branch == "request") return;
  std::string was = state_.Health(item.branch, item.arch);
  state_.SetHealth(item.branch, item.arch, ok ? "pass" : "fail", &err);
  std::string where = item.branch + " " + item.arch + " at " + item.sha.substr(0, 12) + " " + info.summary;
  std::string mail_err;
  if (!ok && was != "fail") {
    std::string body = "The build of " + item.branch + " for " + item.arch + " is broken.\n\ncommit  " + item.sha +
                       "\n        " + info.summary + "\nmake    " + r.make_command + "\nlog     " + r.log +
                       "\n\nFirst errors:\n";
    for (const std::string& e : r.first_errors) body += "  " + e + "\n";
    body += "\nEnd of the log:\n" + Tail(r.log, 30);
    if (!SendMail(c_, "[kbisect] build broken: " + where, body, &mail_err)) Log("mail: " + mail_err);
  } else if (ok && was == "fail") {
    std::string body = "The build of " + item.branch + " for " + item.arch + " works again.\n\ncommit  " + item.sha +
                       "\n        " + info.summary + "\nimage   " + r.image + "\n";
    if (!SendMail(c_, "[kbisect] build fixed: " + where, body, &mail_err)) Log("mail: " + mail_err);
  }
}

Outcome Builder::Build(const QueueItem& item) {
  const ArchConfig* arch = nullptr;
  for (const ArchConfig& a : c_.arches)
    if (a.name == item.arch) arch = &a;
  std::string err, line;
  CommitInfo info;
  if (!arch || !git_.Info(item.sha, &info, &err)) {
    Log(item.sha.substr(0, 12) + " " + item.arch + ": " + (arch ? err : "arch not configured") + " (dropped)");
    state_.Dequeue(item.sha, item.arch, &err);
    return Outcome::kError;
  }
  if (!state_.TryLock(item.sha, item.arch)) return Outcome::kBusy;
  if (state_.Result(item.sha, item.arch, &line)) {  // another builder finished it meanwhile
    state_.Unlock(item.sha, item.arch);
    state_.Dequeue(item.sha, item.arch, &err);
    return Outcome::kPublished;
  }
  state_.SetRunning(item.sha + " " + item.arch + " " + item.branch + " " + std::to_string(time(nullptr)));
  Log("building " + item.sha.substr(0, 12) + " " + item.arch + " (" + item.branch + "): " + info.summary);
  BuildReport r = BuildOne(c_, git_, state_, info, item.branch, *arch);
  state_.SetRunning("");
  switch (r.outcome) {
    case Outcome::kPublished:
      Log("published " + r.image + " in " + std::to_string(int(r.seconds + 0.5)) + " s");
      Record(item, info, r);
      break;
    case Outcome::kFailed:
      Log("FAILED " + item.sha.substr(0, 12) + " " + item.arch + " in " + std::to_string(int(r.seconds + 0.5)) +
          " s; log: " + r.log);
      Record(item, info, r);
      break;
    case Outcome::kStopped:
      Log("stopped during " + item.sha.substr(0, 12) + " " + item.arch + ": nothing published, still queued");
      break;
    case Outcome::kBusy:
      break;
    case Outcome::kError:
      Log("error building " + item.sha.substr(0, 12) + " " + item.arch + ": " + r.error + " (still queued)");
      infrastructure_error_ = true;
      break;
  }
  state_.Unlock(item.sha, item.arch);
  return r.outcome;
}

bool Builder::BuildNext() {
  std::vector<QueueItem> q;
  state_.Queue(&q);
  for (const QueueItem& item : q) {
    if (g_stop) return false;
    std::string line, err;
    if (state_.Result(item.sha, item.arch, &line)) {
      state_.Dequeue(item.sha, item.arch, &err);
      continue;
    }
    Outcome o = Build(item);
    if (o == Outcome::kBusy) continue;
    if (o == Outcome::kError) return false;  // retried at the next poll, not in a tight loop
    return o != Outcome::kStopped;
  }
  return false;
}

int Builder::Watch() {
  InstallStopHandlers();
  Log("watching " + std::to_string(c_.branches.size()) + " branch(es) every " + std::to_string(c_.poll) + " s; " +
      (c_.sign ? "signing images with key " + c_.key.Fingerprint() : std::string("images unsigned (no signing_key)")) +
      (c_.confine ? "; builds confined" : "; builds NOT confined (confine = no)"));
  // Says to the request CGI that a builder takes requests (design.md "The builder").
  std::string err, watching = state_.Dir() + "/watching";
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  if (!WriteFileAtomic(watching, std::to_string(getpid()) + " " + host + "\n", &err)) Log(err);
  time_t last_poll = 0;
  while (!g_stop) {
    if (time(nullptr) - last_poll >= c_.poll) {
      Poll();
      last_poll = time(nullptr);
    }
    TakeRequests();
    if (BuildNext()) continue;
    Nap(int(c_.poll - (time(nullptr) - last_poll)), [&] { return !state_.Requests().empty(); });
  }
  unlink(watching.c_str());
  Log("stopped");
  return 0;
}

int Builder::PollOnce() {
  Poll();
  TakeRequests();
  std::vector<QueueItem> q;
  state_.Queue(&q);
  Log(std::to_string(q.size()) + " build(s) queued");
  return 0;
}

int Builder::BuildNow(const std::string& rev, const std::string& arch) {
  InstallStopHandlers();
  std::string sha, err;
  if (!git_.Resolve(rev, &sha, &err)) {
    Log(err);
    return 2;
  }
  std::string branch = BranchOf(sha);
  int rc = 0;
  bool found = arch.empty();
  for (const ArchConfig& a : c_.arches) {
    if (!arch.empty() && a.name != arch) continue;
    found = true;
    std::string line;
    if (state_.Result(sha, a.name, &line)) {
      Log(sha.substr(0, 12) + " " + a.name + " was built already: " + line);
      if (line.rfind("fail", 0) == 0) rc = std::max(rc, 1);
      continue;
    }
    // Someone asking for a build wants it: wait (bounded) while another builder
    // has this arch's work tree or this very commit.
    Outcome o = Build({kRequest, sha, a.name, branch});
    for (int waited = 0; o == Outcome::kBusy && waited < kBusyWaitSeconds && !g_stop; waited += 2) {
      if (waited == 0) Log(sha.substr(0, 12) + " " + a.name + ": another build of this arch is running: waiting");
      sleep(2);
      o = Build({kRequest, sha, a.name, branch});
    }
    if (o == Outcome::kBusy) {
      Log(sha.substr(0, 12) + " " + a.name + ": another builder is building it or this arch now");
      rc = std::max(rc, 3);
    }
    if (o == Outcome::kFailed) rc = std::max(rc, 1);
    if (o == Outcome::kError || o == Outcome::kStopped) return 3;
  }
  if (!found) {
    Log("arch " + arch + " is not configured");
    return 2;
  }
  return rc;
}

int Builder::Backfill(const std::string& range) {
  InstallStopHandlers();
  std::vector<std::string> commits;
  std::string err;
  if (!git_.Range(range, c_.first_parent, &commits, &err)) {
    Log(err);
    return 2;
  }
  std::vector<QueueItem> items;
  for (const std::string& sha : commits) {
    std::string branch = BranchOf(sha);
    for (const ArchConfig& a : c_.arches) items.push_back({kBetween, sha, a.name, branch});
  }
  int added = 0;
  if (!state_.Enqueue(items, &added, &err)) {
    Log(err);
    return 3;
  }
  Log("backfill " + range + ": " + std::to_string(commits.size()) + " commit(s), " + std::to_string(added) +
      " build(s) queued");
  while (!g_stop && BuildNext()) {
  }
  return g_stop || infrastructure_error_ ? 3 : 0;
}

int Builder::Status() {
  time_t now = time(nullptr);
  for (const std::string& r : state_.Running()) {
    char sha[41] = {}, arch[32] = {}, branch[128] = {};
    long start = 0, pid = 0;
    if (sscanf(r.c_str(), "%40s %31s %127s %ld %ld", sha, arch, branch, &start, &pid) == 5)
      printf("running  %.12s %s (%s) for %lds, pid %ld\n", sha, arch, branch, long(now - start), pid);
  }
  std::vector<QueueItem> q;
  state_.Queue(&q);
  static const char* kPrio[] = {"request", "tip", "between"};
  printf("queued   %zu\n", q.size());
  for (size_t i = 0; i < q.size() && i < 20; ++i)
    printf("  %-8s %.12s %s (%s)\n", kPrio[std::clamp(q[i].prio, 0, 2)], q[i].sha.c_str(), q[i].arch.c_str(),
           q[i].branch.c_str());
  auto results = state_.Results();
  printf("results  %zu, the last:\n", results.size());
  for (size_t i = 0; i < results.size() && i < 10; ++i)
    printf("  %-20.*s %s\n", 60, results[i].first.c_str(), results[i].second.c_str());
  return 0;
}

int Builder::Prune() {
  if (c_.keep_per_branch_arch == 0 && c_.keep_days == 0) {
    Log("prune: [keep] sets no limit: nothing to do");
    return 0;
  }
  struct Img {
    std::string name, built;
  };
  std::map<std::pair<std::string, std::string>, std::vector<Img>> groups;
  std::vector<StoreImage> images;
  std::string err;
  if (!ListImages(c_.images, "", &images, &err)) {
    Log("prune: " + err);
    return 3;
  }
  for (const StoreImage& i : images) {
    Manifest m;
    if (!ReadManifest(c_.images, i.name, &m, &err)) {
      Log("prune: skipping " + i.name + ": " + err);
      continue;
    }
    groups[{std::string(m.ini.branch), std::string(m.ini.arch)}].push_back({i.name, std::string(m.ini.built)});
  }
  char cutoff[32] = "";
  if (c_.keep_days > 0) {
    FormatUtc(time(nullptr) - int64_t(c_.keep_days) * 86400, kUtcIso, cutoff);
  }
  // What a machine has chosen stays: pruning it would make the list refuse the
  // machine (cgi/list.cc). A state that cannot be read prunes nothing.
  std::vector<std::pair<std::string, std::string>> chosen;
  if (!ChosenImages(c_.state, &chosen, &err)) {
    Log("prune: " + err + ": nothing pruned");
    return 3;
  }
  int removed = 0;
  for (auto& [key, imgs] : groups) {
    std::sort(imgs.begin(), imgs.end(), [](const Img& a, const Img& b) { return a.built > b.built; });
    for (size_t i = 0; i < imgs.size(); ++i) {
      bool too_many = c_.keep_per_branch_arch > 0 && i >= size_t(c_.keep_per_branch_arch);
      bool too_old = cutoff[0] && imgs[i].built < cutoff;
      if (!too_many && !too_old) continue;
      auto by = std::find_if(chosen.begin(), chosen.end(), [&](const auto& c) { return c.first == imgs[i].name; });
      if (by != chosen.end()) {
        Log("prune: kept " + imgs[i].name + ": " + by->second);
        continue;
      }
      if (!RemoveImage(c_.images, imgs[i].name, &err)) {
        Log("prune: " + err);
        continue;
      }
      Log("pruned " + imgs[i].name);
      ++removed;
    }
  }
  Log("prune: removed " + std::to_string(removed) + " image(s)");
  return 0;
}

}  // namespace kb
