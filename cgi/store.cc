#include "cgi/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/ini.h"
#include "common/names.h"

namespace kb {

bool ListImages(const std::string& images, std::string_view arch, std::vector<StoreImage>* out,
                std::string* err) {
  DIR* d = opendir(images.c_str());
  if (!d) {
    *err = "cannot open the image store " + images + ": " + strerror(errno);
    return false;
  }
  int dfd = dirfd(d);
  out->clear();
  while (dirent* e = readdir(d)) {
    ImageName n;
    std::string_view name = e->d_name;
    if (ParseImageName(name, &n) != nullptr) continue;
    if (!arch.empty() && n.arch != arch) continue;
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
    struct stat st;
    if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) continue;
    out->push_back({std::string(name), std::string(n.date), std::string(n.arch),
                    int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec});
  }
  closedir(d);
  std::sort(out->begin(), out->end(), [](const StoreImage& a, const StoreImage& b) {
    if (a.date != b.date) return a.date > b.date;
    if (a.mtime_ns != b.mtime_ns) return a.mtime_ns > b.mtime_ns;
    return a.name > b.name;
  });
  return true;
}

bool ImageExists(const std::string& images, std::string_view name) {
  if (CheckImageName(name) != nullptr) return false;
  struct stat st;
  std::string path = images + "/" + std::string(name);
  return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool ReadImageInfo(const std::string& images, std::string_view name, ImageInfo* out, std::string* err) {
  if (Error e = CheckImageName(name)) {
    *err = std::string("bad image name: ") + e;
    return false;
  }
  ImageInfo info;
  auto on_entry = [&](std::string_view section, std::string_view key, std::string_view value) -> std::string {
    if (section != "image") return "unknown section (expected [image])";
    if (key.empty()) return "";
    info.emplace(std::string(key), std::string(value));
    return "";
  };
  if (!ReadIni(images + "/" + std::string(name) + "/image.ini", on_entry, err)) return false;
  *out = std::move(info);
  return true;
}

}  // namespace kb
