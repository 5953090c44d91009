#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "common/fileio.h"
#include "common/names.h"

namespace kb {

namespace {

// The directory's mtime in ns; false when `name` is no longer a directory (gone
// since the directory was read, or not one: d_type said DT_UNKNOWN).
bool DirMtime(int dfd, const char* name, int64_t* mtime_ns) {
  struct stat st;
  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) return false;
  *mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return true;
}

// After a change of the store's directory: its list index follows. A failure
// costs the list its speed, never its truth (store.h), so the change stands and
// the reason goes to stderr (the builder's log).
void IndexAfterChange(const std::string& images) {
  std::string why;
  if (!WriteListIndex(images, &why))
    fprintf(stderr, "kbisect: the image store's list index: %s (the list reads the directory until it is written)\n",
            why.c_str());
}

}  // namespace

bool ListImages(const std::string& images, std::string_view arch, std::vector<StoreImage>* out,
                std::string* err) {
  DIR* d = opendir(images.c_str());
  if (!d) {
    *err = "cannot open the image store " + images + ": " + strerror(errno);
    return false;
  }
  int dfd = dirfd(d);
  out->clear();
  // Where the file system gives no type (DT_UNKNOWN), a stat says whether it is a
  // directory and brings its mtime; elsewhere d_type is the entry's own.
  while (dirent* e = readdir(d)) {
    ImageName n;
    std::string_view name = e->d_name;
    if (ParseImageName(name, &n) != nullptr) continue;
    if (!arch.empty() && n.arch != arch) continue;
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
    int64_t mtime_ns = 0;
    if (e->d_type == DT_UNKNOWN && !DirMtime(dfd, e->d_name, &mtime_ns)) continue;
    out->push_back({std::string(name), std::string(n.date), std::string(n.arch), mtime_ns});
  }
  // Newest first by the name's date. The directory's mtime decides only between
  // images of one date, so only those are stat'ed: at 10,000 images the stats
  // cost more than the directory read.
  std::sort(out->begin(), out->end(), [](const StoreImage& a, const StoreImage& b) {
    return a.date != b.date ? a.date > b.date : a.name > b.name;
  });
  size_t kept = 0;
  for (size_t i = 0, end; i < out->size(); i = end) {
    for (end = i + 1; end < out->size() && (*out)[end].date == (*out)[i].date;) ++end;
    size_t first = kept;
    for (size_t j = i; j < end; ++j) {
      StoreImage& img = (*out)[j];
      if (end - i > 1 && img.mtime_ns == 0 && !DirMtime(dfd, img.name.c_str(), &img.mtime_ns)) continue;
      if (kept != j) (*out)[kept] = std::move(img);
      ++kept;
    }
    std::stable_sort(out->begin() + first, out->begin() + kept,
                     [](const StoreImage& a, const StoreImage& b) { return a.mtime_ns > b.mtime_ns; });
  }
  out->erase(out->begin() + kept, out->end());
  closedir(d);
  return true;
}

bool ImageExists(const std::string& images, std::string_view name) {
  if (CheckImageName(name) != nullptr) return false;
  struct stat st;
  std::string path = images + "/" + std::string(name);
  return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool ReadManifest(const std::string& images, std::string_view name, Manifest* out, std::string* err) {
  if (Error e = CheckImageName(name)) {
    *err = std::string("bad image name: ") + e;
    return false;
  }
  std::string path = images + "/" + std::string(name) + "/image.ini";
  auto text = std::make_shared<std::string>();
  if (!ReadFile(path, text.get(), err, nullptr, kMaxImageIni)) return false;
  ImageIni ini;
  size_t line = 0;
  if (Error e = ParseImageIniOf(name, *text, &ini, &line)) {
    *err = path + (line ? ":" + std::to_string(line) : "") + ": " + e;
    return false;
  }
  out->text = std::move(text);
  out->ini = ini;
  return true;
}

bool PublishImage(const std::string& images, ImageIni ini, const std::vector<ImageFile>& files,
                  const SigningKey* key, bool* already, std::string* err) {
  *already = false;
  std::string name(ini.name);
  if (Error e = CheckImageName(name)) return *err = std::string("bad image name: ") + e, false;
  std::string tmp = images + "/.tmp-" + name + "." + std::to_string(getpid());
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);
  if (mkdir(tmp.c_str(), 0755) != 0) return *err = "cannot create " + tmp + ": " + strerror(errno), false;
  // From here on the store's directory has changed (its mtime): the index follows
  // on every way out.
  auto fail = [&](const std::string& why) {
    std::error_code ignore;
    std::filesystem::remove_all(tmp, ignore);
    IndexAfterChange(images);
    *err = why;
    return false;
  };
  bool kernel = false, initrd = ini.initrd.empty(), modules = ini.modules.empty();
  for (const ImageFile& f : files) {
    std::string to = tmp + "/" + f.as, why;
    if (!CopyFile(f.from, to, &why)) return fail(why);
    if (f.as == ini.kernel && !(kernel = Sha256File(to, ini.kernel_sha256, &why))) return fail(why);
    if (!ini.initrd.empty() && f.as == ini.initrd && !(initrd = Sha256File(to, ini.initrd_sha256, &why)))
      return fail(why);
    if (!ini.modules.empty() && f.as == ini.modules && !(modules = Sha256File(to, ini.modules_sha256, &why)))
      return fail(why);
    chmod(to.c_str(), 0644);
  }
  if (!kernel || !initrd || !modules)
    return fail("internal error: the kernel, initrd or modules are not among the image's files");
  char text[kMaxImageIni];
  size_t len = 0;
  if (Error e = FormatImageIni(ini, text, sizeof text, &len)) return fail(std::string("image.ini: ") + e);
  std::string why;
  if (!WriteFileAtomic(tmp + "/image.ini", std::string_view(text, len), &why)) return fail(why);
  chmod((tmp + "/image.ini").c_str(), 0644);
  if (key) {
    std::string sig;
    if (!key->Sign(std::string_view(text, len), &sig, &why)) return fail(why);
    if (!WriteFileAtomic(tmp + "/image.ini.sig", sig, &why)) return fail(why);
    chmod((tmp + "/image.ini.sig").c_str(), 0644);
  }
  if (!SyncDir(tmp, &why)) return fail(why);
  std::string final_dir = images + "/" + name;
  if (rename(tmp.c_str(), final_dir.c_str()) != 0) {
    if (errno != EEXIST && errno != ENOTEMPTY) return fail("cannot publish " + final_dir + ": " + strerror(errno));
    std::filesystem::remove_all(tmp, ec);  // the same image is there already: it is built once
    *already = true;
  }
  bool synced = SyncDir(images, err);
  IndexAfterChange(images);
  return synced;
}

bool RemoveImage(const std::string& images, std::string_view name, std::string* err) {
  if (Error e = CheckImageName(name)) return *err = std::string("bad image name: ") + e, false;
  std::string dir = images + "/" + std::string(name);
  std::string gone = images + "/.rm-" + std::string(name) + "." + std::to_string(getpid());
  if (rename(dir.c_str(), gone.c_str()) != 0) {
    *err = "cannot remove " + dir + ": " + strerror(errno);
    return false;
  }
  std::error_code ec;
  std::filesystem::remove_all(gone, ec);
  bool ok = !ec ? SyncDir(images, err) : (*err = "cannot remove " + gone + ": " + ec.message(), false);
  IndexAfterChange(images);
  return ok;
}

bool CleanLeftovers(const std::string& images, int64_t min_age_s, std::vector<std::string>* removed,
                    std::string* err) {
  removed->clear();
  std::error_code ec;
  const auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& e : std::filesystem::directory_iterator(images, ec)) {
    const std::string n = e.path().filename();
    if (n.rfind(".tmp-", 0) != 0 && n.rfind(".rm-", 0) != 0) continue;
    std::error_code age_ec;
    auto t = std::filesystem::last_write_time(e.path(), age_ec);
    if (age_ec || now - t < std::chrono::seconds(min_age_s)) continue;
    std::filesystem::remove_all(e.path(), age_ec);
    if (age_ec) {
      if (!removed->empty()) IndexAfterChange(images);
      return *err = "cannot remove " + e.path().string() + ": " + age_ec.message(), false;
    }
    removed->push_back(n);
  }
  if (removed->empty()) return ec ? (*err = "cannot list " + images + ": " + ec.message(), false) : true;
  IndexAfterChange(images);
  if (ec) return *err = "cannot list " + images + ": " + ec.message(), false;
  return SyncDir(images, err);
}

}  // namespace kb
