// Which modules a device needs, the way modprobe finds them (for stage-2, which
// loads the candidate's own modules for the root device): depmod's
// modules.alias ("alias <glob> <module>", the glob matched against the device's
// modalias from /sys) and modules.softdep ("softdep <module> pre: a b post: c",
// e.g. ext4's crc32c). Pure; the texts are the candidate's, from its image.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

// fnmatch(3) without flags: '*', '?', '[...]' (with ranges and '!' or '^'),
// other bytes literal. Bounded: a pattern of n stars costs O(n * text), never more.
bool GlobMatch(std::string_view pattern, std::string_view text);

// The modules whose alias matches `modalias`, each once, in the file's order,
// into out[0..*count). Views point into `aliases`. Fails on a malformed line
// ("alias" with fewer than two fields) or when out is too small.
Error ModulesForModalias(std::string_view aliases, std::string_view modalias, std::span<std::string_view> out,
                         size_t* count);

// The modules to load before `module` ("pre:" of its softdep line), into
// out[0..*count); none when it has no softdep line.
Error SoftdepPre(std::string_view softdeps, std::string_view module, std::span<std::string_view> out, size_t* count);

// Whether a device with this modalias may lead to the root filesystem, so that
// stage-2 loads its driver (and nothing else: a GPU's or a sound card's driver
// waits for the OS, whose udev loads it with the OS's firmware files at hand).
// PCI mass-storage controllers (class 01), USB (0c03) and SD (0805) host
// controllers, virtio block and SCSI, SCSI devices, USB mass storage interfaces
// (class 08) and MMC cards.
bool IsStorageModalias(std::string_view modalias);

// Whether a device with this modalias is a network controller, whose driver the
// stage-1 loads to reach the server: PCI class 02 (Ethernet, InfiniBand...) and
// virtio net.
bool IsNetworkModalias(std::string_view modalias);

}  // namespace kb
