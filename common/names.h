// Names shared by every part: machine names and image names (design.md).
//
// image name = <kernelrelease>-<branch>_<sha12>_<YYYYMMDD>_<arch>
// The last three fields have fixed shapes, so a name is parsed from its end; the
// kernel release and the branch cannot be told apart in a name (read image.ini).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

inline constexpr size_t kMaxMachineName = 64;
inline constexpr size_t kMaxImageName = 200;

// [A-Za-z0-9._-], 1..64 characters, not starting with '.'.
Error CheckMachineName(std::string_view name);

// The machine's name on the server: `configured` (kbisect.machine) when set, else
// `host_name` (from DHCP or ip=) when it is a valid machine name, else the MAC as
// aa-bb-cc-dd-ee-ff written into buf (at least 17 bytes).
std::string_view ChooseMachineName(std::string_view configured, std::string_view host_name, const uint8_t mac[6],
                                   char* buf);

struct ImageName {
  std::string_view head;   // "<kernelrelease>-<branch>"
  std::string_view sha12;  // 12 lowercase hex digits
  std::string_view date;   // YYYYMMDD (UTC build date)
  std::string_view arch;   // [a-z0-9_]+, e.g. x86_64, i386
};

// Splits a name into its fields. The views point into `name`. A name is valid when
// this succeeds: [A-Za-z0-9._+-] only, at most 200 characters, not starting with '.'
// (the store's temporary directories do), a real calendar date.
Error ParseImageName(std::string_view name, ImageName* out);

inline Error CheckImageName(std::string_view name) {
  ImageName unused;
  return ParseImageName(name, &unused);
}

struct ImageNameInput {
  std::string_view kernelrelease;  // as `make kernelrelease` printed it
  std::string_view branch;         // '/' and other characters outside the set become '-'
  std::string_view commit;         // 12..40 hex digits (case is folded)
  std::string_view date;           // YYYYMMDD
  std::string_view arch;
};

// Writes the image name for `in` into `out` (not NUL-terminated) and its length into
// *len. Fails, writing nothing meaningful, when a field is malformed or the name
// would not fit in out or in 200 characters.
Error FormatImageName(const ImageNameInput& in, std::span<char> out, size_t* len);

}  // namespace kb
