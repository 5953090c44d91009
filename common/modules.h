// Kernel module dependencies from modules.dep (as depmod writes it):
//   kernel/fs/nfs/nfsv4.ko: kernel/fs/nfs/nfs.ko kernel/net/sunrpc/sunrpc.ko ...
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

inline constexpr size_t kMaxModulePaths = 64;

// finit_module's flags for a module file: MODULE_INIT_COMPRESSED_FILE (4,
// Linux 5.17+) for a .ko.xz, .ko.zst or .ko.gz, which the kernel then
// decompresses itself (CONFIG_MODULE_DECOMPRESS); 0 for a plain .ko.
constexpr int kModuleInitCompressedFile = 4;
int ModuleInitFlags(std::string_view path);

// The module name of a path: its file name without .ko (and .xz/.gz/.zst), with
// '-' as '_' the way the kernel names modules ("virtio-net" is "virtio_net").
// Writes into out (at least 56 bytes); returns its length, 0 when not a module.
size_t ModuleNameOfPath(std::string_view path, std::span<char> out);

// Whether `name` (as in kbisect.modules, '-' or '_') is one of the NFS client's
// modules (nfs, nfsv2, nfsv3, nfsv4, ...): the stage-1 loads those only when it
// mounts the store over NFS (kbisect.nfs=), not on every boot.
bool IsNfsClientModule(std::string_view name);

// The paths to load for `modules` (names as in kbisect.modules, '-' or '_'),
// dependencies first, each once, in out[0..*count). Views point into modules_dep.
// Fails naming the module in *which when it is not in modules.dep, when a
// dependency is missing, on a dependency loop, or when more than out.size()
// paths would be needed.
Error ResolveModules(std::string_view modules_dep, std::span<const std::string_view> modules,
                     std::span<std::string_view> out, size_t* count, std::string_view* which);

}  // namespace kb
