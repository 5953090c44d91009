#include "builder/publish.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/kernel_sign.h"
#include "common/fd.h"
#include "common/image_ini.h"
#include "common/names.h"
#include "common/text.h"
#include "store/store.h"

namespace kb {

namespace {

constexpr char kPublishUsage[] =
    "usage: kbisect-builder publish --images DIR --release R --arch A --kernel FILE\n"
    "         [--branch B] [--commit SHA] [--date YYYYMMDD] [--initrd FILE]\n"
    "         [--modules FILE] [--cmdline TEXT] [--signing-key KEY.pem]\n"
    "         [--kernel-signing-key KEY.pem --kernel-signing-cert CERT.pem]\n"
    "  publishes FILE as an image of the store DIR and prints its name; --modules is a\n"
    "  gzip'd newc cpio of lib/modules/<release>/; the branch defaults to 'local', the\n"
    "  commit to 40 zeros (an image that no commit made), the date to today (UTC);\n"
    "  --signing-key signs its image.ini as the builder's [builder] signing_key does;\n"
    "  --kernel-signing-key/-cert sign the kernel for Secure Boot (sbsign), as its\n"
    "  kernel_signing_key/_cert do\n";

int PublishUsage(const std::string& why) {
  fprintf(stderr, "kbisect-builder: publish: %s\n%s", why.c_str(), kPublishUsage);
  return 2;
}

std::string Today(const char* fmt) {
  char buf[32];
  return std::string(FormatUtc(time(nullptr), fmt, buf));
}

}  // namespace

int PublishCommand(const std::vector<std::string>& args) {
  std::string images, release, arch, kernel, branch = "local", commit(40, '0'), date = Today("%Y%m%d"), initrd,
                                                  modules, cmdline, signing_key;
  KernelSigning kernel_signing;
  bool has_cmdline = false;
  struct Opt {
    const char* name;
    std::string* value;
  };
  const Opt opts[] = {{"--images", &images}, {"--release", &release}, {"--arch", &arch},
                      {"--kernel", &kernel}, {"--branch", &branch},   {"--commit", &commit},
                      {"--date", &date},     {"--initrd", &initrd},   {"--modules", &modules},
                      {"--cmdline", &cmdline}, {"--signing-key", &signing_key},
                      {"--kernel-signing-key", &kernel_signing.key}, {"--kernel-signing-cert", &kernel_signing.cert}};
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-h" || args[i] == "--help") return fputs(kPublishUsage, stdout), 0;
    const Opt* o = nullptr;
    for (const Opt& c : opts)
      if (args[i] == c.name) o = &c;
    if (!o) return PublishUsage("unknown argument '" + args[i] + "'");
    if (i + 1 == args.size()) return PublishUsage(args[i] + " needs a value");
    *o->value = args[++i];
    if (o->value == &cmdline) has_cmdline = true;
  }
  for (const Opt& c : {opts[0], opts[1], opts[2], opts[3]})
    if (c.value->empty()) return PublishUsage(std::string(c.name) + " is required");

  char name_buf[kMaxImageName];
  size_t name_len = 0;
  if (Error e = FormatImageName({release, branch, commit, date, arch}, name_buf, &name_len))
    return PublishUsage(std::string("no image name from these: ") + e);
  const std::string name(name_buf, name_len), built = Today(kUtcIso);
  ImageIni ini;
  ini.name = name;
  ini.commit = commit;
  ini.branch = branch;
  ini.arch = arch;
  ini.kernelrelease = release;
  ini.built = built;
  ini.kernel = "bzImage";
  std::vector<ImageFile> files = {{kernel, "bzImage"}};
  if (!initrd.empty()) files.push_back({initrd, std::string(ini.initrd = "initrd")});
  if (!modules.empty()) files.push_back({modules, std::string(ini.modules = "modules.cpio.gz")});
  ini.cmdline = cmdline;
  ini.has_cmdline = has_cmdline;
  // The manifest's own rules (commit, arch, cmdline length...) before anything is copied.
  char text[kMaxImageIni];
  size_t len = 0;
  if (Error e = FormatImageIni(ini, text, sizeof text, &len)) return PublishUsage(std::string("image.ini: ") + e);
  SigningKey key;
  std::string err;
  if (!signing_key.empty() && !key.Load(signing_key, &err)) return PublishUsage("--signing-key: " + err);
  if (std::string why = CheckKernelSigning(kernel_signing); !why.empty()) return PublishUsage(why);
  // The signed kernel in a temporary file of its own (PublishImage copies it).
  std::string signed_kernel;
  if (kernel_signing.enabled()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kbisect-kernel.XXXXXX").string();
    Fd tmp(mkstemp(tmpl.data()));
    if (!tmp) return fprintf(stderr, "kbisect-builder: publish: cannot make a temporary file: %s\n", strerror(errno)), 3;
    signed_kernel = tmpl;
    std::string why = SignKernel(SystemRunner(), kernel_signing, kernel, signed_kernel);
    if (!why.empty()) {
      fprintf(stderr, "kbisect-builder: publish: cannot sign the kernel for Secure Boot: %s\n", why.c_str());
      return 3;
    }
    files[0].from = signed_kernel;
  }
  bool already = false;
  bool ok = PublishImage(images, ini, files, signing_key.empty() ? nullptr : &key, &already, &err);
  if (!signed_kernel.empty()) unlink(signed_kernel.c_str());
  if (!ok) {
    fprintf(stderr, "kbisect-builder: publish: %s\n", err.c_str());
    return 3;
  }
  if (already) fprintf(stderr, "kbisect-builder: publish: %s is in the store already (kept as it is)\n", name.c_str());
  printf("%s\n", name.c_str());
  return 0;
}

}  // namespace kb
