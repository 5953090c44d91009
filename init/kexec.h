// Loading a candidate for the kexec reboot: kexec_file_load for 64-bit images on a
// 64-bit stage-1 (the kernel checks signatures where it demands them), kexec_load
// with our purgatory (common/bzimage.h, common/purgatory.h) for 32-bit images, on
// a 32-bit stage-1, and when the stage-1's kernel has no kexec_file_load (ENOSYS).
// Every image's boot protocol header is checked first: a bad image is refused
// before any kexec, said why.
#pragma once

#include <string_view>

#include "common/fd.h"

namespace kb {

// Loads kernel (and initrd, when open) with cmdline; false when said why on the
// console ("kbisect: <step>: <what>: ..."). force_load takes kexec_load for a
// 64-bit image too (kbisect.kexec=load).
bool LoadKernel(const Fd& kernel, const Fd& initrd, const char* cmdline, std::string_view step, std::string_view what,
                bool force_load = false);

}  // namespace kb
