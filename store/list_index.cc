// The store's list index (store.h): its text, its reader (the list CGI) and its
// writer (the store's writers, after each change).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <memory>

#include "common/fileio.h"
#include "common/names.h"
#include "store/store.h"

namespace kb {
namespace {

constexpr std::string_view kMagic = "kbisect-list-index 1 ";

// An arch as image names have it, as the list CGI takes it: [a-z0-9_]{1,16}. The
// index of anything else is never looked for (nor written).
bool IndexArch(std::string_view a) {
  if (a.empty() || a.size() > 16) return false;
  for (char c : a)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// A decimal number from 0 to 2^63-1 without leading zeros (but "0"), then `end`.
bool TakeNumber(std::string_view* s, char end, uint64_t* out) {
  size_t n = 0;
  uint64_t v = 0;
  while (n < s->size() && n < 20 && (*s)[n] >= '0' && (*s)[n] <= '9') v = v * 10 + uint64_t((*s)[n++] - '0');
  if (n == 0 || n > 19 || v > uint64_t(INT64_MAX) || (n > 1 && (*s)[0] == '0') || n >= s->size() || (*s)[n] != end)
    return false;
  *out = v;
  s->remove_prefix(n + 1);
  return true;
}

// Whether every byte of `s` may be in an image name ([A-Za-z0-9._+-]) or is a
// newline: the index's 200 KB are most of the list's work, so 16 bytes a step
// (GCC's vector extension: SSE2 on x86, NEON on arm, plain words elsewhere).
bool NameBytes(std::string_view s) {
  using V = unsigned char __attribute__((vector_size(16)));
  constexpr auto ok = [](auto c) {
    return (c - '0' < 10) | ((c | 0x20) - 'a' < 26) | (c == '.') | (c == '_') | (c == '+') | (c == '-') | (c == '\n');
  };
  V all = ~V{};
  for (size_t at = 0; at < s.size(); at += sizeof(V)) {
    V c;  // the last step's bytes past the end are 'a's
    if (s.size() - at >= sizeof(V)) {
      memcpy(&c, s.data() + at, sizeof c);
    } else {
      memset(&c, 'a', sizeof c);
      memcpy(&c, s.data() + at, s.size() - at);
    }
    all &= V(ok(c));
  }
  bool good = true;
  for (size_t k = 0; k < sizeof(V); ++k) good &= all[k] != 0;
  return good;
}

// Word-at-a-time helpers for SameDateName, on bytes NameBytes passed (all below
// 0x80, so no byte's sum below carries into the next byte).
template <typename W>
W Load(const char* p) {
  W w;
  memcpy(&w, p, sizeof w);
  return w;
}
// The high bit of each byte of `w` that lies in [lo, hi].
template <typename W>
W InRange(W w, unsigned char lo, unsigned char hi) {
  constexpr W kOnes = W(~W(0)) / 0xff, kHigh = kOnes * 0x80;
  return (w + kOnes * (0x80 - lo)) & ~(w + kOnes * (0x7f - hi)) & kHigh;
}
template <typename W>
bool AllLowerHex(W w) {
  constexpr W kHigh = W(~W(0)) / 0xff * 0x80;
  return (InRange(w, '0', '9') | InRange(w, 'a', 'f')) == kHigh;
}
// Whether the n >= 8 bytes at a and b are equal: 8 at a time, the last 8 overlapping.
bool SameBytes(const char* a, const char* b, size_t n) {
  uint64_t diff = 0;
  for (size_t k = 0; k + 8 < n; k += 8) diff |= Load<uint64_t>(a + k) ^ Load<uint64_t>(b + k);
  return (diff | (Load<uint64_t>(a + n - 8) ^ Load<uint64_t>(b + n - 8))) == 0;
}

// Whether `line`, whose bytes NameBytes passed, is an image name that ends in
// `tail`, "_<date>_<arch>" of a date an earlier line has shown to be a real day:
// what ParseImageName would say, at a fraction of its cost (the index's 5,000
// names are most of the list's work). Image names are at most 200 characters, do
// not start with '.', and end in "_<12 lowercase hex>_<YYYYMMDD>_<arch>"; with an
// arch of at most 16 characters no split further right can fit, so that one is
// the name's own.
bool SameDateName(std::string_view line, std::string_view tail) {
  const size_t n = line.size();
  if (n <= 13 + tail.size() || n > kMaxImageName || line[0] == '.') return false;
  const char* hash = line.data() + n - tail.size() - 12;
  return hash[-1] == '_' && SameBytes(hash + 12, tail.data(), tail.size()) && AllLowerHex(Load<uint64_t>(hash)) &&
         AllLowerHex(Load<uint32_t>(hash + 8));
}

int64_t MtimeNs(const struct stat& st) { return int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec; }

bool Fail(std::string* err, const std::string& what) {
  *err = what + ": " + strerror(errno);
  return false;
}

}  // namespace

bool ParseListIndex(std::string_view text, std::string_view arch, ListIndex* out, std::string* err) {
  std::string_view s = text;
  if (s.substr(0, kMagic.size()) != kMagic) return *err = "no kbisect-list-index 1 header", false;
  s.remove_prefix(kMagic.size());
  if (s.substr(0, arch.size()) != arch || s.substr(arch.size(), 1) != " ")
    return *err = "the header names another arch than " + std::string(arch), false;
  s.remove_prefix(arch.size() + 1);
  uint64_t mtime, count;
  if (!TakeNumber(&s, ' ', &mtime) || !TakeNumber(&s, '\n', &count))
    return *err = "the header's mtime or count is not a number", false;
  ListIndex idx;
  idx.mtime_ns = int64_t(mtime);
  idx.count = count;
  idx.names = s;
  const bool name_bytes = arch.size() <= 16 && NameBytes(s);  // SameDateName's premises
  std::string_view prev_date;
  char tail_buf[1 + 8 + 1 + 16];  // "_<prev_date>_<arch>", when name_bytes
  std::string_view tail;
  for (uint64_t i = 0; i < count; ++i) {
    size_t nl = s.find('\n');
    if (nl == std::string_view::npos)
      return *err = "it ends after " + std::to_string(i) + " of its " + std::to_string(count) + " names", false;
    std::string_view line = s.substr(0, nl);
    // Mostly a date like the line before's (the index is sorted by it): checked
    // cheaply; a new date, with all the rules.
    if (i == 0 || !name_bytes || !SameDateName(line, tail)) {
      ImageName n;
      if (Error e = ParseImageName(line, &n)) return *err = "line " + std::to_string(i + 2) + ": " + e, false;
      if (n.arch != arch) return *err = "line " + std::to_string(i + 2) + ": an image of another arch", false;
      if (i > 0 && n.date > prev_date) return *err = "line " + std::to_string(i + 2) + ": out of order", false;
      prev_date = n.date;
      if (name_bytes) {
        tail_buf[0] = '_';
        memcpy(tail_buf + 1, n.date.data(), 8);
        tail_buf[9] = '_';
        memcpy(tail_buf + 10, arch.data(), arch.size());
        tail = std::string_view(tail_buf, 10 + arch.size());
      }
    }
    s.remove_prefix(nl + 1);
  }
  if (!s.empty()) return *err = "more than its " + std::to_string(count) + " names", false;
  *out = idx;
  return true;
}

std::string FormatListIndex(std::string_view arch, int64_t mtime_ns, const std::vector<std::string_view>& names) {
  std::string out(kMagic);
  out += arch;
  out += " " + std::to_string(mtime_ns) + " " + std::to_string(names.size()) + "\n";
  for (std::string_view n : names) {
    out += n;
    out += '\n';
  }
  return out;
}

bool ListImageNames(const std::string& images, std::string_view arch, ImageNames* names, std::string* note,
                    std::string* err) {
  *names = ImageNames();
  note->clear();
  struct stat dir;
  if (IndexArch(arch) && stat(images.c_str(), &dir) == 0) {
    const std::string path = images + "/.index/" + std::string(arch);
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    struct stat st;
    if (!fd && errno != ENOENT) {
      *note = "cannot open " + path + ": " + strerror(errno);
    } else if (fd && (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))) {
      *note = path + " is not a readable file";
    } else if (fd) {
      // Mapped, not read: the page cache's pages themselves, all at once, no copy.
      // The writer replaces an index by rename, never in place, so the mapped file
      // does not shrink under the reader (one truncated by hand during a request
      // would end that request with SIGBUS: Apache's 500, the next one reads it).
      const size_t size = size_t(st.st_size);
      void* p = size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd.get(), 0) : nullptr;
      std::shared_ptr<const void> keep;
      if (p != MAP_FAILED && p) keep = std::shared_ptr<const void>(p, [size](const void* q) { munmap(const_cast<void*>(q), size); });
      std::string_view text(static_cast<const char*>(p), p && p != MAP_FAILED ? size : 0);
      ListIndex idx;
      std::string why;
      if (p == MAP_FAILED) {
        *note = "cannot map " + path + ": " + strerror(errno);
      } else if (!ParseListIndex(text, arch, &idx, &why)) {
        *note = path + " is damaged (" + why + ")";
      } else if (idx.mtime_ns != MtimeNs(dir)) {
        *note = path + " is stale: the store changed since it was written (by hand?)";
      } else {
        names->text = idx.names;
        names->keep = std::move(keep);
        return true;
      }
    }
    if (!note->empty()) *note += ": reading the directory instead";
  }
  std::vector<StoreImage> list;
  if (!ListImages(images, arch, &list, err)) return false;
  auto text = std::make_shared<std::string>();
  for (const StoreImage& i : list) *text += i.name + "\n";
  names->text = *text;
  names->keep = std::move(text);
  return true;
}

bool WriteListIndex(const std::string& images, std::string* err) {
  const std::string dir = images + "/.index";
  // Made once, before the directory's mtime is taken: the one change of the
  // store's own directory that the index makes.
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Fail(err, "cannot create " + dir);
  const std::string lock_path = dir + "/.lock";
  Fd lock(open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!lock) return Fail(err, "cannot open " + lock_path);
  while (flock(lock.get(), LOCK_EX) != 0)
    if (errno != EINTR) return Fail(err, "cannot lock " + lock_path);
  Fd store(open(images.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!store) return Fail(err, "cannot open the image store " + images);
  // Wait until the file system's clock is past the directory's mtime (store.h),
  // at most 5 s (file systems with 2 s timestamps), 1 ms at first.
  int64_t mtime_ns = 0;
  for (int64_t slept_us = 0, step_us = 1000;; slept_us += step_us, step_us = std::min<int64_t>(step_us * 2, 100000)) {
    struct stat d, now;
    if (fstat(store.get(), &d) != 0) return Fail(err, "cannot stat " + images);
    if (futimens(lock.get(), nullptr) != 0 || fstat(lock.get(), &now) != 0)
      return Fail(err, "cannot stamp " + lock_path + " with the time");
    mtime_ns = MtimeNs(d);
    if (MtimeNs(now) > mtime_ns) break;
    if (slept_us >= 5000000) {
      *err = "the file system's clock did not pass the mtime of " + images + " in 5 s";
      return false;
    }
    struct timespec t = {0, long(step_us) * 1000};
    nanosleep(&t, nullptr);
  }
  std::vector<StoreImage> all;
  if (!ListImages(images, "", &all, err)) return false;
  // Every arch with images, and every arch with an index already (emptied).
  std::map<std::string, std::vector<std::string_view>, std::less<>> by_arch;
  for (const StoreImage& i : all)
    if (IndexArch(i.arch)) by_arch[i.arch].push_back(i.name);
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (IndexArch(e->d_name)) by_arch[e->d_name];
    closedir(d);
  }
  for (const auto& [arch, names] : by_arch)
    if (!WriteFileAtomic(dir + "/" + arch, FormatListIndex(arch, mtime_ns, names), err)) return false;
  return true;
}

}  // namespace kb
