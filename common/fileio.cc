#include "common/fileio.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kb {
namespace {

bool Fail(std::string* err, const std::string& what) {
  *err = what + ": " + strerror(errno);
  return false;
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

bool WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t w = write(fd, s.data(), s.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = EIO;
      return false;
    }
    s.remove_prefix(size_t(w));
  }
  return true;
}

bool ReadFile(const std::string& path, std::string* out, std::string* err, bool* missing, size_t max) {
  out->clear();
  if (missing) *missing = false;
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT && missing) {
      *missing = true;
      return true;
    }
    return Fail(err, "cannot open " + path);
  }
  char buf[65536];
  for (;;) {
    ssize_t r = read(fd.get(), buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Fail(err, "cannot read " + path);
    if (r == 0) return true;
    if (out->size() + size_t(r) > max) {
      *err = path + " is larger than " + std::to_string(max) + " bytes";
      return false;
    }
    out->append(buf, size_t(r));
  }
}

bool ReadSmallFile(const std::string& path, std::string* out) {
  std::string err;
  return ReadFile(path, out, &err);
}

bool SyncDir(const std::string& dir, std::string* err) {
  Fd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || fsync(fd.get()) != 0) return Fail(err, "cannot sync " + dir);
  return true;
}

bool WriteFileAtomic(const std::string& path, std::string_view text, std::string* err) {
  std::string dir = DirOf(path);
  std::string tmp = dir + "/." + path.substr(path.rfind('/') + 1) + ".tmp." + std::to_string(getpid());
  Fd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) return Fail(err, "cannot create " + tmp);
  if (!WriteAll(fd.get(), text) || fsync(fd.get()) != 0 || fd.Close() != 0) {
    Fail(err, "cannot write " + tmp);
    unlink(tmp.c_str());
    return false;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Fail(err, "cannot rename " + tmp + " to " + path);
    unlink(tmp.c_str());
    return false;
  }
  return SyncDir(dir, err);
}

bool MakeDirs(const std::string& path, std::string* err) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') continue;
    std::string p = path.substr(0, i);
    if (mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) return Fail(err, "cannot create " + p);
  }
  return true;
}

bool CopyFile(const std::string& from, const std::string& to, std::string* err) {
  Fd in(open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!in) return Fail(err, errno == ELOOP ? "refusing the symbolic link " + from : "cannot read " + from);
  struct stat st;
  if (fstat(in.get(), &st) != 0) return Fail(err, "cannot stat " + from);
  if (!S_ISREG(st.st_mode)) {
    *err = from + " is not a regular file";
    return false;
  }
  Fd out(open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!out) return Fail(err, "cannot create " + to);
  auto fail = [&](const std::string& what) {
    Fail(err, what);
    unlink(to.c_str());
    return false;
  };
  static char buf[1 << 16];
  for (;;) {
    ssize_t n = read(in.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot read " + from);
    if (n == 0) break;
    if (!WriteAll(out.get(), std::string_view(buf, size_t(n)))) return fail("cannot write " + to);
  }
  if (fsync(out.get()) != 0 || out.Close() != 0) return fail("cannot write " + to);
  return true;
}

bool Sha256File(const std::string& path, uint8_t out[32], std::string* err) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return Fail(err, "cannot read " + path);
  br_sha256_context ctx;
  br_sha256_init(&ctx);
  static char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(err, "cannot read " + path);
    if (n == 0) break;
    br_sha256_update(&ctx, buf, size_t(n));
  }
  br_sha256_out(&ctx, out);
  return true;
}

}  // namespace kb
