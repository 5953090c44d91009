// Steps 6 and 7: get the chosen image, verify it, report it, kexec into it.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/cmdline.h"

#include "common/text.h"

namespace kb {

// The stage-1's key for signed images (doc/design.md "Signed images"): none (every
// image accepted on its sha256 sums, said once), a key (only images whose
// image.ini it verifies), or a damaged key file (every image refused).
struct ImageKey {
  enum State { kNone, kKey, kDamaged } state = kNone;
  uint8_t point[65] = {};
  const char* why = nullptr;  // kDamaged: what is wrong
};

// Reads `path` (put there by make initramfs SIGNING_KEY=) and says on the console
// which of the three it is.
void LoadImageKey(const char* path, ImageKey* key);

struct Site {
  const Config* config;
  const ImageKey* key;
  uint32_t server_address;   // resolved host of kbisect.server
  std::string_view machine;
  std::string_view nfs_root;  // mount point of kbisect.nfs, empty: HTTP
};

// Downloads or opens the image, checks its sha256 sums, loads it with
// kexec_file_load, POSTs it to <server>/booted and reboots into it. Returns only
// when the image cannot be booted, having said why.
void BootImage(const Site& site, std::string_view name);

// Appends the image's `file` onto `out` (downloaded, or copied from NFS in the
// same read that hashes it) and checks its sha256 against `want`. False when said
// why (out then holds a part of it, to be thrown away).
bool AppendVerified(const Site& site, std::string_view name, std::string_view file, const uint8_t want[32], int out);

// `kbisect-init --load KERNEL INITRD CMDLINE`, run on a candidate's OS by
// kbisect-reboot (not as PID 1): loads the stage-1 with kexec_file_load for the
// OS's own kexec reboot (systemctl kexec), so that leaving a candidate takes no
// firmware pass. An empty INITRD loads none. 0 when loaded, else 1 (said why).
int LoadForReboot(const char* kernel, const char* initrd, const char* cmdline);

// Mounts kbisect.nfs read-only at `target`: the given options, or NFSv4 then
// NFSv3. False (said) when neither works.
bool MountNfs(const Config& c, uint32_t host, const char* target);


}  // namespace kb
