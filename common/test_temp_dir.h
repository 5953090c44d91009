// For unit tests: a fresh directory under $TMPDIR, removed with everything in it.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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

  // The names in a directory, hidden ones too, sorted.
  static std::vector<std::string> Entries(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::string path_;
};

}  // namespace kb
