// Files the init reads that come from outside it: image.ini (from the server),
// modules.dep (from the initramfs builder), the image list (from the server).
// Input: a selector byte, then the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/image_ini.h"
#include "common/menu.h"
#include "common/modules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      kb::ImageIni ini;
      size_t line;
      if (kb::ParseImageIni(text, &ini, &line)) break;
      if (ini.kernel.empty() || ini.name.empty() || ini.commit.size() != 40) __builtin_trap();
      // What parses must format and read back the same (the builder's writer).
      char buf[kb::kMaxImageIni * 2];
      size_t len = 0;
      kb::ImageIni again;
      if (kb::FormatImageIni(ini, buf, sizeof buf, &len) || kb::ParseImageIni({buf, len}, &again, &line))
        __builtin_trap();
      if (again.name != ini.name || again.cmdline != ini.cmdline || again.initrd != ini.initrd ||
          again.kernel_sha256[7] != ini.kernel_sha256[7] || again.compiler != ini.compiler ||
          again.has_config_sum != ini.has_config_sum || again.config_sha256[7] != ini.config_sha256[7])
        __builtin_trap();
      break;
    }
    case 1: {
      std::string_view names[] = {"nfsv4", "virtio_net", "a"};
      std::string_view out[kb::kMaxModulePaths];
      size_t n = 0;
      std::string_view which;
      if (!kb::ResolveModules(text, names, out, &n, &which) && n > kb::kMaxModulePaths) __builtin_trap();
      break;
    }
    case 2: {
      std::string_view out[16];
      kb::ListResult r = kb::ParseList(text, data[0] & 4, out);
      if (r.count > 16 || r.count > r.total) __builtin_trap();
      kb::MenuInput m(r.count);
      for (char c : text)
        if (m.Key(c) == kb::MenuInput::kChosen && m.choice() >= r.count) __builtin_trap();
      break;
    }
  }
  return 0;
}
