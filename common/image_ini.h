// image.ini as the stage-1 init reads it (design.md "Image store"): the [image]
// section's keys, with the few the init needs checked. A small reader of its own:
// inih needs glibc, and the init is built on musl.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/error.h"

namespace kb {

struct ImageIni {
  std::string_view name, commit, branch, arch, kernelrelease, built;
  std::string_view kernel;         // a file name in the image's directory
  uint8_t kernel_sha256[32] = {};
  std::string_view initrd;         // empty: none
  uint8_t initrd_sha256[32] = {};
  std::string_view cmdline;
  bool has_cmdline = false;
};

// 64 hex digits into 32 bytes.
Error ParseSha256Hex(std::string_view hex, uint8_t out[32]);

// Parses image.ini's text. Lines are "key = value", "[section]", blank, or
// comments (';' or '#'); keys outside [image] and keys the init does not use are
// ignored. `kernel` and `kernel_sha256` are required; `initrd` needs
// `initrd_sha256`; file names may not hold '/' or start with '.'. *line is the
// 1-based line of an error (0 when it concerns the whole file).
Error ParseImageIni(std::string_view text, ImageIni* out, size_t* line);

}  // namespace kb
