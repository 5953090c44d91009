// The architectures (common/arches.def, one row each): what the builder builds
// for `[arch.NAME]`, what kbisect.arch= and the list take, where a build's boot
// image is and how it boots. Pure, no heap: also in the musl init.
#pragma once

#include <span>
#include <string_view>

namespace kb {

enum class BootProtocol {
  kBzImage,  // x86's boot protocol: kexec_file_load (64-bit) or kexec_load (init/kexec.cc)
};

struct Arch {
  std::string_view name;         // x86_64, i386: image names, kbisect.arch=, [arch.NAME]
  std::string_view make_arch;    // the kernel's make ARCH=
  std::string_view image_path;   // the boot image in a build's output tree
  std::string_view code_path;    // the uncompressed code whose hash is the image's code_sha256
  std::string_view image_file;   // the boot image's file name: make's target, the published name
  BootProtocol boot;
  std::string_view qemu;         // the lab's QEMU for it
  int bits;
};

// The file name at the end of a path ("bzImage" of "arch/x86/boot/bzImage").
constexpr std::string_view BaseName(std::string_view path) { return path.substr(path.rfind('/') + 1); }

// The arch named `name`, or null.
const Arch* FindArch(std::string_view name);

// Every arch, in arches.def's order.
std::span<const Arch> Arches();

// "x86_64, i386": the names, for messages.
std::string_view ArchNames();

}  // namespace kb
