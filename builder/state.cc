#include "builder/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "cgi/state.h"
#include "common/fd.h"

namespace kb {
namespace {


// A claim of another host is broken when it is older than this.
constexpr time_t kClaimMaxAge = 6 * 3600;

// This boot's id (the kernel's random boot_id): a claim from an earlier boot of
// this host is stale whatever its pid is now.
std::string BootId() {
  std::string id;
  ReadSmallFile("/proc/sys/kernel/random/boot_id", &id);
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  return id.empty() ? "-" : id;
}

std::string HostName() {
  char h[256] = {};
  gethostname(h, sizeof h - 1);
  return h;
}

// Holds <dir>/queue.lock for the queue's read-modify-write.
class QueueLock {
 public:
  explicit QueueLock(const std::string& dir)
      : fd_(open((dir + "/queue.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_)
      while (flock(fd_.get(), LOCK_EX) != 0 && errno == EINTR) {
      }
  }

 private:
  Fd fd_;
};

std::vector<QueueItem> ParseQueue(const std::string& text) {
  std::vector<QueueItem> q;
  std::istringstream in(text);
  QueueItem i;
  while (in >> i.prio >> i.sha >> i.arch >> i.branch) q.push_back(i);
  return q;
}

std::string FormatQueue(const std::vector<QueueItem>& q) {
  std::string out;
  for (const QueueItem& i : q) out += std::to_string(i.prio) + " " + i.sha + " " + i.arch + " " + i.branch + "\n";
  return out;
}

std::vector<std::string> List(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') out.push_back(e->d_name);
    closedir(d);
  }
  return out;
}

int64_t MtimeNs(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace

bool BuilderState::Init(std::string* err) {
  for (const char* sub : {"results", "locks", "logs", "tips", "health"})
    if (!MakeDirs(dir_ + "/" + sub, err)) return false;
  // The drop box of requests: written by the web server's user too (the request
  // CGI), through the state directory's group.
  const std::string req = state_ + "/requests";
  if (!MakeDirs(req, err)) return false;
  struct stat st;
  if (stat(req.c_str(), &st) != 0) return *err = req + ": " + strerror(errno), false;
  // (Without the setgid bit a parent gave it: the unit's RestrictSUIDSGID= refuses
  // a chmod that sets one. Its group stays the parent's.)
  if ((st.st_mode & 0070) != 0070 && st.st_uid == geteuid() && chmod(req.c_str(), (st.st_mode & 0777) | 0070) != 0)
    return *err = "cannot make " + req + " group-writable: " + strerror(errno), false;
  return true;
}

std::vector<std::string> BuilderState::RequestArches(const std::string& name) const {
  std::string text;
  if (!ReadSmallFile(state_ + "/requests/" + name, &text)) return {};
  return kb::RequestArches(text);
}

bool BuilderState::Result(const std::string& sha, const std::string& arch, std::string* line) const {
  if (!ReadSmallFile(dir_ + "/results/" + sha + "-" + arch, line)) return false;
  while (!line->empty() && line->back() == '\n') line->pop_back();
  return true;
}

bool BuilderState::SetResult(const std::string& sha, const std::string& arch, const std::string& line,
                             std::string* err) {
  return WriteFileAtomic(dir_ + "/results/" + sha + "-" + arch, line + "\n", err);
}

bool BuilderState::TryLock(const std::string& sha, const std::string& arch) {
  std::string path = dir_ + "/locks/" + sha + "-" + arch;
  for (int attempt = 0; attempt < 2; ++attempt) {
    Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd) {
      std::string owner = std::to_string(getpid()) + " " + HostName() + " " + BootId() + "\n";
      return write(fd.get(), owner.data(), owner.size()) == ssize_t(owner.size());
    }
    if (errno != EEXIST) return false;
    // Stale: a claim of this host from before its last boot or of a process that
    // is gone; a claim of another host older than kClaimMaxAge (that host died
    // mid-build: no build takes that long).
    std::string text;
    struct stat st;
    if (!ReadSmallFile(path, &text) || stat(path.c_str(), &st) != 0) continue;
    std::istringstream in(text);
    long pid = 0;
    std::string host, boot;
    if (!(in >> pid >> host) || pid <= 0) return false;
    in >> boot;
    bool stale;
    if (host == HostName())
      stale = (!boot.empty() && boot != BootId()) || (kill(pid_t(pid), 0) != 0 && errno == ESRCH);
    else
      stale = time(nullptr) - st.st_mtime > kClaimMaxAge;
    if (!stale) return false;
    unlink(path.c_str());
  }
  return false;
}

void BuilderState::Unlock(const std::string& sha, const std::string& arch) {
  unlink((dir_ + "/locks/" + sha + "-" + arch).c_str());
}

bool BuilderState::Enqueue(const std::vector<QueueItem>& items, int* added, std::string* err) {
  QueueLock lock(dir_);
  std::string text;
  ReadSmallFile(dir_ + "/queue", &text);
  std::vector<QueueItem> q = ParseQueue(text);
  *added = 0;
  for (const QueueItem& i : items) {
    std::string done;
    if (Result(i.sha, i.arch, &done)) continue;
    auto same = [&](const QueueItem& x) { return x.sha == i.sha && x.arch == i.arch; };
    auto it = std::find_if(q.begin(), q.end(), same);
    if (it != q.end()) {
      it->prio = std::min(it->prio, i.prio);
      continue;
    }
    q.push_back(i);
    ++*added;
  }
  std::stable_sort(q.begin(), q.end(), [](const QueueItem& a, const QueueItem& b) { return a.prio < b.prio; });
  return WriteFileAtomic(dir_ + "/queue", FormatQueue(q), err);
}

bool BuilderState::Queue(std::vector<QueueItem>* out) const {
  std::string text;
  ReadSmallFile(dir_ + "/queue", &text);
  *out = ParseQueue(text);
  return true;
}

bool BuilderState::Dequeue(const std::string& sha, const std::string& arch, std::string* err) {
  QueueLock lock(dir_);
  std::string text;
  ReadSmallFile(dir_ + "/queue", &text);
  std::vector<QueueItem> q = ParseQueue(text);
  q.erase(std::remove_if(q.begin(), q.end(), [&](const QueueItem& x) { return x.sha == sha && x.arch == arch; }),
          q.end());
  return WriteFileAtomic(dir_ + "/queue", FormatQueue(q), err);
}

std::string BranchFileName(const std::string& branch) {
  std::string out;
  for (char c : branch) {
    if (c == '%') out += "%25";
    else if (c == '/') out += "%2F";
    else out += c;
  }
  return out;
}

std::string BuilderState::Tip(const std::string& branch) const {
  std::string t;
  ReadSmallFile(dir_ + "/tips/" + BranchFileName(branch), &t);
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t;
}

bool BuilderState::SetTip(const std::string& branch, const std::string& sha, std::string* err) {
  return WriteFileAtomic(dir_ + "/tips/" + BranchFileName(branch), sha + "\n", err);
}

std::string BuilderState::Health(const std::string& branch, const std::string& arch) const {
  std::string h;
  ReadSmallFile(dir_ + "/health/" + BranchFileName(branch) + "-" + arch, &h);
  while (!h.empty() && h.back() == '\n') h.pop_back();
  return h;
}

bool BuilderState::SetHealth(const std::string& branch, const std::string& arch, const std::string& h,
                             std::string* err) {
  return WriteFileAtomic(dir_ + "/health/" + BranchFileName(branch) + "-" + arch, h + "\n", err);
}

std::vector<std::string> BuilderState::Requests() const {
  std::string dir = state_ + "/requests";
  std::vector<std::string> names = List(dir);
  std::vector<std::string> out;
  for (const std::string& n : names)
    if (IsRequestName(n)) out.push_back(n);
  std::sort(out.begin(), out.end(),
            [&](const std::string& a, const std::string& b) { return MtimeNs(dir + "/" + a) < MtimeNs(dir + "/" + b); });
  return out;
}

void BuilderState::DropRequest(const std::string& sha) { unlink((state_ + "/requests/" + sha).c_str()); }

std::string BuilderState::LogPath(const std::string& sha, const std::string& arch) const {
  return dir_ + "/logs/" + sha + "-" + arch + ".log";
}

void BuilderState::SetRunning(const std::string& line) {
  std::string path = dir_ + "/running." + std::to_string(getpid()), err;
  if (line.empty()) {
    unlink(path.c_str());
  } else {
    WriteFileAtomic(path, line + "\n", &err);
  }
}

std::vector<std::string> BuilderState::Running() const {
  std::vector<std::string> out;
  for (const std::string& n : List(dir_)) {
    if (n.rfind("running.", 0) != 0) continue;
    std::string text;
    long pid = atol(n.c_str() + 8);
    if (pid <= 0 || kill(pid_t(pid), 0) != 0) continue;
    if (ReadSmallFile(dir_ + "/" + n, &text)) {
      while (!text.empty() && text.back() == '\n') text.pop_back();
      out.push_back(text + " " + std::to_string(pid));
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> BuilderState::Results() const {
  std::vector<std::string> names = List(dir_ + "/results");
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return MtimeNs(dir_ + "/results/" + a) > MtimeNs(dir_ + "/results/" + b);
  });
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& n : names) {
    std::string line;
    ReadSmallFile(dir_ + "/results/" + n, &line);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    out.push_back({n, line});
  }
  return out;
}

}  // namespace kb
