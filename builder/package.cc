#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "builder/build_steps.h"
#include "builder/kernel_sign.h"
#include "common/fd.h"
#include "common/fileio.h"
#include "common/names.h"
#include "common/signature.h"
#include "common/text.h"
#include "store/store.h"

namespace kb {

// The build time the kernel is given (KBUILD_BUILD_TIMESTAMP): the commit's.
std::string BuildTimestamp(const CommitInfo& commit) { return Utc(commit.time, "%a %b %e %H:%M:%S UTC %Y"); }

namespace {

// The modules as modules.cpio.gz (doc/design.md, stage-2), when the arch's
// targets include them: `make modules_install` (which runs depmod for the
// indexes) into a scratch root, then lib/modules/<release>/ as a gzip'd newc cpio,
// without the build and source links that point into this server's tree. gzip -6,
// not -9: on Debian 6.1's own modules (a 396 MB cpio) -9 took 119 s of CPU, -6 12 s,
// for an archive 1.3% smaller.
bool PackModules(Build& b, const std::string& release, std::vector<ImageFile>* files, ImageIni* ini) {
  bool wanted = false;
  for (const std::string& t : b.arch.targets) wanted = wanted || t == "modules";
  if (!wanted) return true;
  // Both in directories the confined build may write.
  const std::string& mods = b.mods;
  std::string archive = b.out + "/kbisect-modules.cpio.gz";
  std::error_code ec;
  std::filesystem::remove_all(mods, ec);
  if (!MakeDirs(mods, &b.r.error)) return false;
  int rc = b.Run(b.Make({"O=" + b.out, "INSTALL_MOD_PATH=" + mods, "modules_install"}), b.log);
  // Modules compressed by the config (CONFIG_MODULE_COMPRESS_GZIP/XZ/ZSTD) for a
  // kernel that cannot decompress them itself (no CONFIG_MODULE_DECOMPRESS, which
  // Kconfig allows only for a compression the kernel can take): decompressed here,
  // and depmod run again, as stage-2 loads them with finit_module as they are.
  std::string config;
  if (rc == 0 && ReadSmallFile(b.out + "/.config", &config) &&
      config.find("\nCONFIG_MODULE_DECOMPRESS=y\n") == std::string::npos) {
    static const char kAlgs[][2][8] = {{"GZIP", "gz"}, {"XZ", "xz"}, {"ZSTD", "zst"}};
    for (const auto& alg : kAlgs) {
      if (config.find(std::string("\nCONFIG_MODULE_COMPRESS_") + alg[0] + "=y\n") == std::string::npos) continue;
      static const char kDecompress[] =
          "cd \"$1/lib/modules/$2\" && n=0 && "
          "while IFS= read -r -d '' f; do case $3 in gz) gzip -dq \"$f\" ;; xz) xz -dq \"$f\" ;; "
          "zst) zstd -dq --rm \"$f\" ;; esac || exit 1; n=$((n + 1)); done "
          "< <(find . -name \"*.ko.$3\" -print0) && depmod -b \"$1\" \"$2\" && "
          "echo \"kbisect-builder: $n modules decompressed (.ko.$3): the kernel does not decompress them "
          "(no CONFIG_MODULE_DECOMPRESS)\"";
      rc = b.Run({"bash", "-c", kDecompress, "decompress", mods, release, alg[1]}, b.log);
    }
  }
  if (rc == 0) {
    static const char kPack[] =
        "cd \"$1\" && rm -f \"lib/modules/$3/build\" \"lib/modules/$3/source\" && "
        "test -f \"lib/modules/$3/modules.dep\" && "
        "find lib/modules/$3 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -6n >\"$2\"";
    rc = b.Run({"bash", "-o", "pipefail", "-c", kPack, "pack", mods, archive, release}, b.log);
  }
  if (rc < 0) return false;
  if (rc != 0) {
    b.r.error = "cannot package the modules (see " + b.r.log + ")";
    return false;
  }
  files->push_back({archive, "modules.cpio.gz"});
  ini->modules = "modules.cpio.gz";
  return true;
}

// A regular file of the build's output, whole (not through a link, not a FIFO:
// the commit's build wrote it); false when there is none such.
bool ReadOutputFile(const std::string& path, std::string* bytes) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  struct stat st;
  if (!fd || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t(1) << 30)) return false;
  bytes->assign(size_t(st.st_size), '\0');
  for (size_t at = 0; at < bytes->size();) {
    ssize_t n = pread(fd.get(), bytes->data() + at, bytes->size() - at, off_t(at));
    if (n <= 0) return false;
    at += size_t(n);
  }
  return true;
}

// The kernel's code sum (image.ini code_sha256): equal for two builds whose
// kernels differ in nothing but their build time. Over the kernel's loadable
// bytes (the build's arch/x86/boot/compressed/vmlinux.bin) with the build time
// and the build id zeroed wherever they are, and over each installed module (by
// path and content: the archive's file times differ from build to build). False
// when there is no kernel to read (not an error: the image is published without it).
bool CodeSha256(const Build& b, const std::string& release, bool modules, uint8_t sum[32]) {
  std::string bytes;
  if (!ReadOutputFile(b.out + "/" + std::string(b.target.code_path), &bytes)) return false;
  const std::string stamp = BuildTimestamp(b.commit);
  for (size_t at = 0; (at = bytes.find(stamp, at)) != std::string::npos; at += stamp.size())
    std::fill(bytes.begin() + long(at), bytes.begin() + long(at + stamp.size()), '\0');
  // The build id (the GNU note x86 keeps in the loaded image: namesz 4, descsz,
  // type 3 NT_GNU_BUILD_ID, "GNU\0", then the id) hashes the whole link, the time
  // included: zeroed too.
  static const char kNote[] = {3, 0, 0, 0, 'G', 'N', 'U', 0};
  const std::string note(kNote, sizeof kNote);
  for (size_t at = 8; (at = bytes.find(note, at)) != std::string::npos; at += note.size()) {
    uint32_t namesz, descsz;
    memcpy(&namesz, bytes.data() + at - 8, 4);
    memcpy(&descsz, bytes.data() + at - 4, 4);
    const size_t id = at + note.size();
    if (namesz == 4 && descsz > 0 && descsz <= 64 && id + descsz <= bytes.size())
      std::fill(bytes.begin() + long(id), bytes.begin() + long(id + descsz), '\0');
  }
  uint8_t part[32];
  Sha256(bytes, part);
  std::string all(reinterpret_cast<const char*>(part), sizeof part);
  if (modules) {
    // "<path>\0<sha256>" a file, in path order; links and the like by path alone.
    const std::filesystem::path root = b.mods + "/lib/modules/" + release;
    std::vector<std::string> paths;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
      paths.push_back(std::filesystem::relative(it->path(), root, ec).string());
    if (ec) return false;
    std::sort(paths.begin(), paths.end());
    for (const std::string& rel : paths) {
      all += rel + '\0';
      if (ReadOutputFile(root.string() + "/" + rel, &bytes)) {
        Sha256(bytes, part);
        all.append(reinterpret_cast<const char*>(part), sizeof part);
      }
    }
  }
  Sha256(all, sum);
  return true;
}

}  // namespace

// Names the image and publishes it into the store (store/store.h).
bool Package(Build& b) {
  std::string release;
  int rc = b.Run(b.Make({"-s", "O=" + b.out, "kernelrelease"}), b.log, &release);
  if (rc < 0) return false;
  release = release.substr(0, release.find('\n'));
  while (!release.empty() && (release.back() == '\n' || release.back() == ' ')) release.pop_back();
  // The release comes from the commit's Makefile: a failure here is the commit's.
  if (rc != 0 || release.empty()) {
    dprintf(b.log, "kbisect-builder: make kernelrelease failed\n");
    return CommitFailed(b);
  }

  std::string date = Utc(b.commit.time, "%Y%m%d"), built = Utc(time(nullptr), kUtcIso);
  char name_buf[kMaxImageName];
  size_t name_len = 0;
  if (Error e = FormatImageName({release, b.branch, b.commit.sha, date, b.arch.name}, name_buf, &name_len)) {
    dprintf(b.log, "kbisect-builder: no image name from the kernel release '%s': %s\n", release.c_str(), e);
    return CommitFailed(b);
  }
  std::string name(name_buf, name_len);

  const std::string kernel(b.target.image_file);
  std::vector<ImageFile> files = {{b.out + "/" + std::string(b.target.image_path), kernel},
                                  {b.out + "/.config", "config"},
                                  {b.out + "/System.map", "System.map"},
                                  {b.r.log, "build.log"}};
  ImageIni ini;
  if (!PackModules(b, release, &files, &ini)) return false;
  if (b.c.kernel_signing.enabled()) {
    std::string signed_kernel = b.out + "/kbisect-" + kernel + ".signed";
    std::string why = SignKernel(b.host.Commands(), b.c.kernel_signing, files[0].from, signed_kernel);
    if (!why.empty()) {
      dprintf(b.log, "kbisect-builder: cannot sign the kernel for Secure Boot: %s\n", why.c_str());
      // No EFI stub: the commit's configuration, remembered and mailed like a
      // build that fails; sbsign's own trouble (the key) is the builder's, retried.
      if (why == kNoEfiStub) return CommitFailed(b);
      b.r.error = "cannot sign the kernel for Secure Boot: " + why;
      return false;
    }
    files[0].from = signed_kernel;
  }
  ini.name = name;
  ini.commit = b.commit.sha;
  ini.branch = b.branch;
  ini.arch = b.arch.name;
  ini.kernelrelease = release;
  ini.built = built;
  ini.kernel = kernel;
  if (!b.arch.initrd.empty()) {
    files.push_back({b.arch.initrd, "initrd"});
    ini.initrd = "initrd";
  }
  ini.cmdline = b.arch.cmdline;
  ini.has_cmdline = !b.arch.cmdline.empty();
  ini.has_code = CodeSha256(b, release, !ini.modules.empty(), ini.code_sha256);
  // What went in: the configuration (its sum) and the compiler it names.
  std::string config, compiler;
  if (ReadSmallFile(b.out + "/.config", &config)) {
    Sha256(config, ini.config_sha256);
    ini.has_config_sum = true;
    compiler = ConfigCompiler(config);
    ini.compiler = compiler;
  }
  bool already = false;
  if (!PublishImage(b.c.images, ini, files, b.c.sign ? &b.c.key : nullptr, &already, &b.r.error)) return false;
  b.r.image = name;
  b.r.outcome = Outcome::kPublished;
  return true;
}

}  // namespace kb
