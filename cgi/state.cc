#include "cgi/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "cgi/fdio.h"
#include "common/names.h"

namespace kb {
namespace {

std::string Errno(const std::string& what) { return what + ": " + strerror(errno); }

bool ReadFile(const std::string& path, std::string* out, bool* missing, std::string* err) {
  *missing = false;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      *missing = true;
      return true;
    }
    *err = Errno("cannot open " + path);
    return false;
  }
  out->clear();
  char buf[8192];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      *err = Errno("cannot read " + path);
      close(fd);
      return false;
    }
    if (r == 0) break;
    out->append(buf, size_t(r));
  }
  close(fd);
  return true;
}

bool SyncDir(const std::string& dir, std::string* err) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    *err = Errno("cannot sync " + dir);
    if (fd >= 0) close(fd);
    return false;
  }
  close(fd);
  return true;
}

bool MakeDir(const std::string& path, std::string* err) {
  if (mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return true;
  *err = Errno("cannot create " + path);
  return false;
}

}  // namespace

MachineState::MachineState(std::string state_dir, std::string machine)
    : state_(std::move(state_dir)), dir_(state_ + "/machines/" + machine) {}

MachineState::~MachineState() {
  if (lock_fd_ >= 0) close(lock_fd_);
}

bool MachineState::ReadName(const char* file, std::optional<std::string>* name, std::string* err) const {
  std::string path = dir_ + "/" + file, text;
  bool missing;
  if (!ReadFile(path, &text, &missing, err)) return false;
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

bool MachineState::Lock(std::string* err) {
  if (lock_fd_ >= 0) return true;
  if (!MakeDir(state_ + "/machines", err) || !MakeDir(dir_, err)) return false;
  std::string path = dir_ + "/.lock";
  lock_fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    *err = Errno("cannot open " + path);
    return false;
  }
  while (flock(lock_fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    *err = Errno("cannot lock " + path);
    close(lock_fd_);
    lock_fd_ = -1;
    return false;
  }
  return true;
}

bool MachineState::WriteName(const char* file, std::string_view name, std::string* err) {
  if (lock_fd_ < 0) {
    *err = "internal error: write without the machine's lock";
    return false;
  }
  std::string path = dir_ + "/" + file, tmp = dir_ + "/." + file + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *err = Errno("cannot create " + tmp);
    return false;
  }
  std::string text = std::string(name) + "\n";
  if (!WriteAll(fd, text) || fsync(fd) != 0) {
    *err = Errno("cannot write " + tmp);
    close(fd);
    unlink(tmp.c_str());
    return false;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    *err = Errno("cannot rename " + tmp + " to " + path);
    unlink(tmp.c_str());
    return false;
  }
  return SyncDir(dir_, err);
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

bool MachineState::AppendBootLog(std::string_view line, std::string* err) {
  if (lock_fd_ < 0) {
    *err = "internal error: write without the machine's lock";
    return false;
  }
  std::string path = dir_ + "/booted";
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *err = Errno("cannot open " + path);
    return false;
  }
  // One write(2) of a whole line with O_APPEND: readers never see half of it.
  std::string text = std::string(line) + "\n";
  ssize_t w = write(fd, text.data(), text.size());
  if (w != ssize_t(text.size()) || fsync(fd) != 0) {
    *err = Errno("cannot append to " + path);
    close(fd);
    return false;
  }
  close(fd);
  return true;
}

bool MachineState::ReadBootLog(size_t limit, std::vector<std::string>* lines, std::string* err) const {
  std::string text;
  bool missing;
  if (!ReadFile(dir_ + "/booted", &text, &missing, err)) return false;
  lines->clear();
  // Whole lines only: a line without its newline is an append in progress.
  size_t end = text.rfind('\n');
  end = end == std::string::npos ? 0 : end + 1;
  while (end > 0 && lines->size() < limit) {
    size_t start = end >= 2 ? text.rfind('\n', end - 2) : std::string::npos;
    start = start == std::string::npos ? 0 : start + 1;
    lines->push_back(text.substr(start, end - 1 - start));
    end = start;
  }
  return true;
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

}  // namespace kb
