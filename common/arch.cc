#include "common/arch.h"

namespace kb {

namespace {

#define ARCH(name, make_arch, image, code, boot, qemu, bits) \
  {#name, #make_arch, image, code, BaseName(image), BootProtocol::boot, qemu, bits},
constexpr Arch kArches[] = {
#include "common/arches.def"
};
#undef ARCH

#define ARCH(name, make_arch, image, code, boot, qemu, bits) ", " #name
constexpr char kNames[] = ""
#include "common/arches.def"
    ;
#undef ARCH

}  // namespace

const Arch* FindArch(std::string_view name) {
  for (const Arch& a : kArches)
    if (a.name == name) return &a;
  return nullptr;
}

std::span<const Arch> Arches() { return kArches; }

std::string_view ArchNames() { return std::string_view(kNames).substr(2); }

}  // namespace kb
