// For unit tests: a fresh directory under $TMPDIR, removed with everything in it.
#pragma once

#include <stdlib.h>

#include <fstream>
#include <string>

namespace kb {

class TempDir {
 public:
  TempDir() {
    std::string t = std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") + "/kbisect-test.XXXXXX";
    path_ = mkdtemp(t.data()) ? t : "";
  }
  ~TempDir() {
    if (!path_.empty()) (void)!system(("rm -rf '" + path_ + "'").c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes rel (its directories made as needed) and returns its path.
  std::string Write(const std::string& rel, const std::string& text) const {
    std::string p = path_ + "/" + rel;
    (void)!system(("mkdir -p \"$(dirname '" + p + "')\"").c_str());
    std::ofstream(p) << text;
    return p;
  }

 private:
  std::string path_;
};

}  // namespace kb
