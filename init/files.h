// Whole-file reads and writes with fixed buffers. Return 0 or -errno.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "common/text.h"

namespace kb {

// Reads up to buf.size() bytes of path; *len is what was read. -EFBIG when the
// file is larger than the buffer.
int ReadFile(const char* path, std::span<char> buf, size_t* len);

int WriteAllFd(int fd, const char* data, size_t n);

// One small text file (a sysfs attribute, /proc/cmdline) read into buf, without
// its trailing newlines and NULs; empty when it cannot be read or is larger.
std::string_view ReadSmall(const char* path, std::span<char> buf);


}  // namespace kb
