// --console FILE: a file that something else fills (a serial logger, conserver's
// log, QEMU's -serial file:), read as it grows. A file that is not there yet is
// an empty console: the logger may create it at the machine's first byte.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "common/fd.h"
#include "control/console.h"

namespace kb {

namespace {

class FileConsole : public Console {
 public:
  explicit FileConsole(std::string path) : path_(std::move(path)) {}
  size_t Size() override {
    struct stat st;
    return stat(path_.c_str(), &st) == 0 ? size_t(st.st_size) : 0;
  }
  std::string Read(size_t from) override {
    std::string out;
    Fd fd(open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) return out;
    char buf[65536];
    while (out.size() < (size_t(1) << 20)) {
      ssize_t n = pread(fd.get(), buf, sizeof buf, off_t(from + out.size()));
      if (n <= 0) break;
      out.append(buf, size_t(n));
    }
    return out;
  }
  std::string Path() const override { return path_; }
  std::string Name() const override { return "the console file " + path_; }

 private:
  std::string path_;
};

}  // namespace

std::unique_ptr<Console> OpenFileConsole(const ConsoleTarget& t, std::string*) {
  return std::make_unique<FileConsole>(t.spec);
}

}  // namespace kb
