#include "cgi/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>

#include "common/fileio.h"
#include "common/names.h"
#include "common/text.h"

namespace kb {
namespace {

std::string Errno(const std::string& what) { return what + ": " + strerror(errno); }

bool MakeDir(const std::string& path, std::string* err) {
  if (mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return true;
  *err = Errno("cannot create " + path);
  return false;
}

}  // namespace

MachineState::MachineState(std::string state_dir, std::string machine)
    : state_(std::move(state_dir)), dir_(state_ + "/machines/" + machine) {}

bool MachineState::ReadName(const char* file, std::optional<std::string>* name, std::string* err) const {
  std::string path = dir_ + "/" + file, text;
  bool missing;
  if (!ReadFile(path, &text, err, &missing)) return false;
  if (missing) {
    name->reset();
    return true;
  }
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (Error e = CheckImageName(text)) {
    *err = path + " does not hold an image name: " + e;
    return false;
  }
  *name = std::move(text);
  return true;
}

bool MachineState::Known() const {
  struct stat st;
  return stat(dir_.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool MachineState::Lock(std::string* err) {
  if (lock_) return true;
  if (!MakeDir(state_ + "/machines", err) || !MakeDir(dir_, err)) return false;
  std::string path = dir_ + "/.lock";
  Fd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) {
    *err = Errno("cannot open " + path);
    return false;
  }
  while (flock(fd.get(), LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    *err = Errno("cannot lock " + path);
    return false;
  }
  lock_ = std::move(fd);
  return true;
}

bool MachineState::WriteName(const char* file, std::string_view name, std::string* err) {
  if (!lock_) {
    *err = "internal error: write without the machine's lock";
    return false;
  }
  return WriteFileAtomic(dir_ + "/" + file, std::string(name) + "\n", err);
}

bool MachineState::Remove(const char* file, std::string* err) {
  std::string path = dir_ + "/" + file;
  if (unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return true;
    *err = Errno("cannot remove " + path);
    return false;
  }
  return SyncDir(dir_, err);
}

namespace {

// Up to `max` bytes of fd before offset `end`, read backwards in chunks, stopping
// once more than `lines` newlines were read (enough for that many whole lines).
// *start: the offset of the first byte returned.
bool ReadBack(int fd, off_t end, size_t lines, off_t max, std::string* out, off_t* start) {
  std::vector<std::string> chunks;
  size_t newlines = 0;
  off_t pos = end;
  const off_t floor = end > max ? end - max : 0;
  while (pos > floor && newlines <= lines) {
    size_t n = size_t(std::min<off_t>(pos - floor, 64 << 10));
    std::string c(n, '\0');
    if (pread(fd, c.data(), n, pos - off_t(n)) != ssize_t(n)) return false;
    pos -= off_t(n);
    newlines += size_t(std::count(c.begin(), c.end(), '\n'));
    chunks.push_back(std::move(c));
  }
  out->clear();
  for (auto it = chunks.rbegin(); it != chunks.rend(); ++it) *out += *it;
  *start = pos;
  return true;
}

}  // namespace

bool MachineState::AppendBootLog(std::string_view line, std::string* err) {
  if (!lock_) {
    *err = "internal error: write without the machine's lock";
    return false;
  }
  std::string path = dir_ + "/booted";
  Fd fd(open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  struct stat st;
  if (!fd || fstat(fd.get(), &st) != 0) {
    *err = Errno("cannot open " + path);
    return false;
  }
  off_t size = st.st_size;
  if (size > kBootLogMax) {
    // Over its cap: the newest kBootLogKeep bytes of whole lines, replacing it atomically.
    std::string tail;
    off_t start = 0;
    if (!ReadBack(fd.get(), size, SIZE_MAX, kBootLogKeep, &tail, &start)) {
      *err = Errno("cannot read " + path);
      return false;
    }
    size_t nl = tail.find('\n');
    tail.erase(0, nl == std::string::npos ? tail.size() : nl + 1);
    tail.erase(tail.rfind('\n') == std::string::npos ? 0 : tail.rfind('\n') + 1);
    if (!WriteFileAtomic(path, tail, err)) return false;
    fd = Fd(open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
    if (!fd) {
      *err = Errno("cannot open " + path);
      return false;
    }
    size = off_t(tail.size());
  } else if (size > 0) {
    // A last line without its newline is what a crash mid-append left: dropped,
    // so that this line does not join it.
    char last = 0;
    if (pread(fd.get(), &last, 1, size - 1) != 1) {
      *err = Errno("cannot read " + path);
      return false;
    }
    if (last != '\n') {
      std::string tail;
      off_t start = 0;
      if (!ReadBack(fd.get(), size, 1, size, &tail, &start)) {
        *err = Errno("cannot read " + path);
        return false;
      }
      size_t nl = tail.rfind('\n');
      size = nl == std::string::npos ? start : start + off_t(nl) + 1;
      if (ftruncate(fd.get(), size) != 0) {
        *err = Errno("cannot repair " + path);
        return false;
      }
    }
  }
  // One write(2) of a whole line with O_APPEND: readers never see half of it. A
  // short write (a full disk) is taken back, so the next line starts clean.
  std::string text = std::string(line) + "\n";
  ssize_t w = write(fd.get(), text.data(), text.size());
  if (w != ssize_t(text.size()) || fsync(fd.get()) != 0) {
    *err = w >= 0 && w < ssize_t(text.size()) ? "cannot append to " + path + ": a short write (disk full?)"
                                               : Errno("cannot append to " + path);
    if (w > 0 && ftruncate(fd.get(), size) != 0) *err += "; and cannot take it back: " + std::string(strerror(errno));
    return false;
  }
  return true;
}

bool MachineState::ReadBootLog(size_t limit, std::vector<std::string>* lines, std::string* err) const {
  lines->clear();
  std::string path = dir_ + "/booted";
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd && errno == ENOENT) return true;
  struct stat st;
  std::string text;
  off_t start = 0;
  if (!fd || fstat(fd.get(), &st) != 0 || !ReadBack(fd.get(), st.st_size, limit, st.st_size, &text, &start)) {
    *err = Errno("cannot read " + path);
    return false;
  }
  // Whole lines only: a line without its newline is an append in progress; the
  // first line read is whole only when the read began at the file's start.
  size_t end = text.rfind('\n');
  end = end == std::string::npos ? 0 : end + 1;
  while (end > 0 && lines->size() < limit) {
    size_t at = end >= 2 ? text.rfind('\n', end - 2) : std::string::npos;
    if (at == std::string::npos && start > 0) break;
    at = at == std::string::npos ? 0 : at + 1;
    lines->push_back(text.substr(at, end - 1 - at));
    end = at;
  }
  return true;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool Printable(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// Decimal digits only, no sign, at most `max`.
bool ParseNumber(std::string_view s, int64_t max, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

// The keys of both lease texts, in the file's order. A request gives only the
// first three; the server adds the rest.
struct LeaseKey {
  std::string_view name;
  bool in_request;
  bool (*set)(std::string_view value, Lease* l);
  const char* rule;  // said when set refuses the value
};
constexpr LeaseKey kLeaseKeys[] = {
    {"owner", true,
     [](std::string_view v, Lease* l) { return Printable(v, kLeaseOwnerMax) && (l->owner = v, true); },
     "printable ASCII, 1 to 64 characters"},
    {"purpose", true,
     [](std::string_view v, Lease* l) { return Printable(v, kLeasePurposeMax) && (l->purpose = v, true); },
     "printable ASCII, 1 to 200 characters"},
    {"seconds", true, [](std::string_view v, Lease* l) { return ParseLeaseSeconds(v, &l->seconds); },
     "a number of seconds from 1 to 86400"},
    {"expires", false,
     [](std::string_view v, Lease* l) { return ParseNumber(v, int64_t(1) << 40, &l->expires) && l->expires > 0; },
     "seconds since the epoch"},
    {"token", false,
     [](std::string_view v, Lease* l) {
       if (v.size() != kLeaseTokenHex) return false;
       for (char c : v)
         if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
       l->token = v;
       return true;
     },
     "32 lowercase hex digits"},
};

}  // namespace

bool ParseLeaseSeconds(std::string_view s, int64_t* seconds) {
  int64_t v = 0;
  if (!ParseNumber(s, kLeaseMaxSeconds, &v) || v < 1) return false;
  *seconds = v;
  return true;
}

bool IsRequestName(std::string_view name) {
  bool hex = name.size() >= 7 && name.size() <= 40;
  for (char c : name) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  return hex;
}

std::vector<std::string> RequestArches(std::string_view text) {
  std::vector<std::string> out;
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    if (nl > at) out.emplace_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

bool ParseLease(std::string_view text, LeaseText which, Lease* out, std::string* err) {
  Lease l;
  bool seen[std::size(kLeaseKeys)] = {};
  auto wanted = [&](const LeaseKey& k) { return which == LeaseText::kFile || k.in_request; };
  std::string names;
  for (const LeaseKey& k : kLeaseKeys)
    if (wanted(k)) names += (names.empty() ? "" : ", ") + std::string(k.name);
  for (size_t n = 1; !text.empty(); ++n) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = Trim(line);
    if (line.empty()) continue;
    const std::string at = "line " + std::to_string(n) + ": ";
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return *err = at + "not key=value", false;
    std::string_view key = Trim(line.substr(0, eq)), value = Trim(line.substr(eq + 1));
    size_t i = 0;
    while (i < std::size(kLeaseKeys) && !(kLeaseKeys[i].name == key && wanted(kLeaseKeys[i]))) ++i;
    if (i == std::size(kLeaseKeys)) {
      // The key is quoted only when it cannot garble the message.
      std::string quoted = Printable(key, 32) ? " '" + std::string(key) + "'" : "";
      return *err = at + "unknown key" + quoted + " (expected " + names + ")", false;
    }
    const LeaseKey& k = kLeaseKeys[i];
    if (seen[i]) return *err = at + std::string(k.name) + " given more than once", false;
    seen[i] = true;
    if (!k.set(value, &l)) return *err = at + "bad " + std::string(k.name) + ": expected " + k.rule, false;
  }
  for (size_t i = 0; i < std::size(kLeaseKeys); ++i)
    if (wanted(kLeaseKeys[i]) && !seen[i]) return *err = "missing " + std::string(kLeaseKeys[i].name), false;
  *out = std::move(l);
  return true;
}

std::string FormatLease(const Lease& l) {
  return "owner=" + l.owner + "\npurpose=" + l.purpose + "\nseconds=" + std::to_string(l.seconds) +
         "\nexpires=" + std::to_string(l.expires) + "\ntoken=" + l.token + "\n";
}

bool NewLeaseToken(std::string* token, std::string* err) {
  uint8_t bytes[kLeaseTokenHex / 2];
  ssize_t r;
  while ((r = getrandom(bytes, sizeof bytes, 0)) < 0 && errno == EINTR) {
  }
  if (r != ssize_t(sizeof bytes)) {
    *err = r < 0 ? Errno("getrandom") : "getrandom: a short read";
    return false;
  }
  char hex[kLeaseTokenHex];
  *token = FormatHex(bytes, hex);
  return true;
}

bool LeaseTokenMatches(std::string_view given, std::string_view token) {
  if (given.size() != kLeaseTokenHex || token.size() != kLeaseTokenHex) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < kLeaseTokenHex; ++i) diff |= static_cast<unsigned char>(given[i] ^ token[i]);
  return diff == 0;
}

bool MachineState::ReadLease(std::optional<Lease>* lease, std::string* err) const {
  std::string path = dir_ + "/lease", text, why;
  bool missing;
  if (!ReadFile(path, &text, err, &missing, 4096)) return false;
  if (missing) {
    lease->reset();
    return true;
  }
  Lease l;
  if (!ParseLease(text, LeaseText::kFile, &l, &why)) {
    *err = path + " is damaged (" + why + "): remove it to free the machine";
    return false;
  }
  *lease = std::move(l);
  return true;
}

bool MachineState::WriteLease(const Lease& lease, std::string* err) {
  if (!lock_) {
    *err = "internal error: write without the machine's lock";
    return false;
  }
  return WriteFileAtomic(dir_ + "/lease", FormatLease(lease), err);
}

bool ListMachines(const std::string& state_dir, std::vector<std::string>* out, std::string* err) {
  out->clear();
  std::string path = state_dir + "/machines";
  DIR* d = opendir(path.c_str());
  if (!d) {
    if (errno == ENOENT) return true;
    *err = Errno("cannot open " + path);
    return false;
  }
  while (dirent* e = readdir(d))
    if (CheckMachineName(e->d_name) == nullptr) out->push_back(e->d_name);
  closedir(d);
  std::sort(out->begin(), out->end());
  return true;
}

bool ChosenImages(const std::string& state_dir, std::vector<std::pair<std::string, std::string>>* out,
                  std::string* err) {
  out->clear();
  std::vector<std::string> machines;
  if (!ListMachines(state_dir, &machines, err)) return false;
  for (const std::string& m : machines) {
    MachineState st(state_dir, m);
    for (const char* file : {"default", "once"}) {
      std::optional<std::string> name;
      if (!st.ReadName(file, &name, err)) return false;
      if (name) out->emplace_back(*name, "machine " + m + "'s " + file);
    }
  }
  return true;
}

}  // namespace kb
