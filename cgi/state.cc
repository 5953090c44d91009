#include "cgi/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/fileio.h"
#include "common/names.h"

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

bool MachineState::AppendBootLog(std::string_view line, std::string* err) {
  if (!lock_) {
    *err = "internal error: write without the machine's lock";
    return false;
  }
  std::string path = dir_ + "/booted";
  Fd fd(open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) {
    *err = Errno("cannot open " + path);
    return false;
  }
  // One write(2) of a whole line with O_APPEND: readers never see half of it.
  std::string text = std::string(line) + "\n";
  ssize_t w = write(fd.get(), text.data(), text.size());
  if (w != ssize_t(text.size()) || fsync(fd.get()) != 0) {
    *err = Errno("cannot append to " + path);
    return false;
  }
  return true;
}

bool MachineState::ReadBootLog(size_t limit, std::vector<std::string>* lines, std::string* err) const {
  std::string text;
  bool missing;
  if (!ReadFile(dir_ + "/booted", &text, err, &missing)) return false;
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
