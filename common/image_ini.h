// image.ini, the manifest of an image in the store (doc/design.md "Image store"):
// the one definition of its keys, shared by the builder that writes it, the CGI
// that lists it and the stage-1 init that boots from it. Pure code: no heap, no
// syscalls (the init is built on musl, without inih).
//
// A manifest is the [image] section and nothing else, one "key = value" a line
// (blank lines and ';' or '#' comments allowed). Every key is known, given once
// and well-formed; adding a key means adding it to ImageIni and to the table in
// image_ini.cc, nowhere else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"

namespace kb {

struct ImageIni {
  // Views into the parsed text (or into the caller's strings when formatting).
  std::string_view name;           // the image's directory name (names.h)
  std::string_view commit;         // 40 lowercase hex digits
  std::string_view branch;         // as watched (may hold '/'); "request" for on-demand builds
  std::string_view arch;           // [a-z0-9_]
  std::string_view kernelrelease;  // `make kernelrelease`
  std::string_view built;          // UTC, YYYY-MM-DDTHH:MM:SSZ
  std::string_view kernel;         // a file name in the image's directory
  uint8_t kernel_sha256[32] = {};
  std::string_view initrd;         // empty: none
  uint8_t initrd_sha256[32] = {};
  std::string_view cmdline;        // at most kMaxImageCmdline bytes
  bool has_cmdline = false;
  std::string_view modules;        // empty: none; else a gzip'd newc cpio of lib/modules/<release>/
  uint8_t modules_sha256[32] = {};
  // The kernel's code (optional): the sha256 of its loadable bytes with the build
  // time the builder stamps zeroed, so that two commits' kernels compare equal when
  // the commit changed nothing that is built (design.md "Image store").
  uint8_t code_sha256[32] = {};
  bool has_code = false;
  // What went into the build (optional; design.md "Image store"): the compiler as
  // the kernel's configuration names it (CONFIG_CC_VERSION_TEXT, e.g. "gcc (Debian
  // 12.2.0-14) 12.2.0"), and the sha256 of the configuration the kernel was built
  // with (the image's `config` file). Same commit, compiler and config_sha256: the
  // same bzImage and module bytes.
  std::string_view compiler;       // empty: not recorded; else 1..200 characters
  uint8_t config_sha256[32] = {};
  bool has_config_sum = false;
};

inline constexpr size_t kMaxImageCmdline = 2048;
// The largest manifest FormatImageIni writes and readers need to accept.
inline constexpr size_t kMaxImageIni = 4096;

// 64 hex digits into 32 bytes.
Error ParseSha256Hex(std::string_view hex, uint8_t out[32]);

// Parses and checks a manifest. Errors name what is wrong ("unknown key",
// "duplicate key", "no commit", "commit is not 40 lowercase hex digits", ...);
// *line is the 1-based line of the error, 0 when it concerns the whole file (a
// missing key). On error *out is untouched.
Error ParseImageIni(std::string_view text, ImageIni* out, size_t* line);

// ParseImageIni for the manifest of image `name` (its directory's name): one that
// names another image is refused too ("it names another image, not its
// directory's": a manifest copied or moved to another directory).
Error ParseImageIniOf(std::string_view name, std::string_view text, ImageIni* out, size_t* line);

// Writes the manifest of `ini` into buf (the keys in the table's order, sums in
// hex), after checking it as ParseImageIni would. *len is its length.
Error FormatImageIni(const ImageIni& ini, char* buf, size_t cap, size_t* len);

}  // namespace kb
