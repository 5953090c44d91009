// Whole-buffer writes to a file descriptor, retried on EINTR and short writes.
#pragma once

#include <string_view>

namespace kb {

bool WriteAll(int fd, std::string_view s);

}  // namespace kb
