#include "init/find_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/fd.h"
#include "common/modalias.h"
#include "init/files.h"

namespace kb {

int Coldplug::Scan() {
  entries_ = 0;
  char path[512] = "/sys/devices";
  return Walk(path, strlen(path), 0);
}

int Coldplug::Walk(char* path, size_t len, int depth) {
  if (depth > 14) return 0;
  int loaded = 0;
  if (len + 10 < 512) {
    memcpy(path + len, "/modalias", 10);
    char buf[512];
    std::string_view m = ReadSmall(path, buf);
    path[len] = '\0';
    if (!m.empty() && wanted_(m) && Remember(m)) loaded += index_->LoadForDevice(m);
  }
  DIR* d = opendir(path);
  if (!d) return loaded;
  while (dirent* e = readdir(d)) {
    if (e->d_type != DT_DIR || e->d_name[0] == '.' || ++entries_ > 50000) continue;
    size_t n = strlen(e->d_name);
    if (len + 1 + n + 1 >= 512) continue;
    path[len] = '/';
    memcpy(path + len + 1, e->d_name, n + 1);
    loaded += Walk(path, len + 1 + n, depth + 1);
    path[len] = '\0';
  }
  closedir(d);
  return loaded;
}

bool Coldplug::Remember(std::string_view m) {
  uint64_t h = 1469598103934665603ull;
  for (char c : m) h = (h ^ uint8_t(c)) * 1099511628211ull;
  for (size_t i = 0; i < seen_count_; ++i)
    if (seen_[i] == h) return false;
  if (seen_count_ < std::size(seen_)) seen_[seen_count_++] = h;
  return true;
}

namespace {

// Whether block device `name` (in /sys/class/block) is the root= device; for
// PARTUUID=, a whole disk whose table names it gives the partition's name.
bool Matches(const RootSpec& spec, const char* name, char (&found)[64], FsIdentity* fs) {
  if (spec.kind == RootKind::kDevice) {
    if (spec.value != name) return false;
    strcpy(found, name);
  }
  char dev[96];
  if (!JoinPath(dev, {"/dev/", name})) return false;
  Fd fd(open(dev, O_RDONLY | O_CLOEXEC));
  if (!fd) return false;  // devtmpfs has not made it yet
  static uint8_t head[kDeviceHeadBytes];
  ssize_t n = pread(fd.get(), head, sizeof head, 0);
  if (n <= 0) return spec.kind == RootKind::kDevice;
  std::span<const uint8_t> bytes(head, size_t(n));
  FsIdentity id;
  bool has_fs = ReadFsIdentity(bytes, &id) == nullptr;
  if (spec.kind == RootKind::kDevice) {
    if (has_fs) *fs = id;
    return true;
  }
  if (spec.kind == RootKind::kUuid || spec.kind == RootKind::kLabel) {
    if (!has_fs || !(spec.kind == RootKind::kUuid ? SameUuid(spec.value, id.uuid) : spec.value == id.label))
      return false;
    *fs = id;
    strcpy(found, name);
    return true;
  }
  char attr[128], buf[32];
  if (!JoinPath(attr, {"/sys/class/block/", name, "/partition"}) || access(attr, F_OK) == 0) return false;
  JoinPath(attr, {"/sys/class/block/", name, "/queue/logical_block_size"});
  std::string_view ss = ReadSmall(attr, buf);
  size_t sector = ss == "4096" ? 4096 : ss == "2048" ? 2048 : ss == "1024" ? 1024 : 512;
  static PartitionId parts[kMaxPartitions];
  size_t count = 0;
  if (ReadPartitions(bytes, sector, parts, &count) != nullptr) return false;
  for (size_t i = 0; i < count; ++i) {
    if (!SameUuid(spec.value, parts[i].partuuid)) continue;
    if (!PartitionName(name, parts[i].number, found)) return false;
    JoinPath(attr, {"/sys/class/block/", found});
    return access(attr, F_OK) == 0;  // the kernel has read the table too
  }
  return false;
}

}  // namespace

bool FindRoot(const RootSpec& spec, char (&found)[64], FsIdentity* fs, char (&seen)[256]) {
  seen[0] = '\0';
  DIR* d = opendir("/sys/class/block");
  if (!d) return false;
  bool ok = false;
  size_t seen_len = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    size_t n = strlen(e->d_name);
    if (seen_len + n + 2 < sizeof seen) {
      if (seen_len) seen[seen_len++] = ' ';
      memcpy(seen + seen_len, e->d_name, n + 1);
      seen_len += n;
    }
    if (!ok && Matches(spec, e->d_name, found, fs)) ok = true;
  }
  closedir(d);
  return ok;
}

}  // namespace kb
