// Stage-2 (doc/design.md, "Test machines that boot their own OS"): the candidate
// kernel boots the machine's own OS. The stage-1 makes the candidate's initramfs
// (MakeStage2Initrd: this init as /init, a marker, the image's verified modules);
// in the candidate this init runs as PID 1 in stage-2 mode (RunStage2): it finds
// the root device, loads the modules it needs, mounts it, shows the candidate's
// modules at its /lib/modules/<release> on a tmpfs, frees the initramfs and
// executes the OS's init.
#pragma once

#include <string_view>

#include "common/fd.h"
#include "common/image_ini.h"
#include "init/boot.h"

namespace kb {

// In the candidate's initramfs only: holds the image's name.
inline constexpr char kStage2Marker[] = "/kbisect-stage2";

// Writes the candidate's initramfs to `path` (this init, the marker, /dev/console,
// the mount points, then the image's modules.cpio.gz when it has one, its sha256
// checked as it is copied). The fd of the result, or a closed one when said why.
Fd MakeStage2Initrd(const Site& site, std::string_view name, const ImageIni& ini, const char* path);

// PID 1 of the candidate. Never returns: it executes the OS's init, or says what
// failed and reboots (the firmware then brings the stage-1 back).
[[noreturn]] void RunStage2();

}  // namespace kb
