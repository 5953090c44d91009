// Writing a newc cpio archive (the kernel's initramfs format, "070701"), for the
// stage-1 that makes the candidate's stage-2 initramfs in memory. Pure: the caller
// writes the header, then the file's bytes, then CpioPadding(size) zero bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace kb {

struct CpioEntry {
  std::string_view name;  // without a leading '/': "init", "dev/console"
  uint32_t mode = 0;      // with the type bits: 0100755, 040755, 020600
  uint32_t size = 0;      // bytes of data that follow (0 for a directory or a node)
  uint32_t ino = 0;
  uint32_t rdev_major = 0, rdev_minor = 0;
  uint32_t nlink = 1;
};

// The header and the name, padded to 4 bytes, into out. Returns its length, or 0
// when it does not fit or the name is empty or holds a NUL.
size_t CpioHeader(const CpioEntry& e, std::span<char> out);

// Zero bytes that follow `size` bytes of data to the next multiple of 4.
inline size_t CpioPadding(uint64_t size) { return size_t((4 - size % 4) % 4); }

// The trailer that ends an archive ("TRAILER!!!"), like CpioHeader.
size_t CpioTrailer(std::span<char> out);

}  // namespace kb
