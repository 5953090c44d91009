// Plain TCP to the server, every call bounded by a deadline, and the failure
// record the init's network code fills: the layer under TLS (tls.h) and HTTP
// (fetch.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "init/clock.h"

namespace kb {

// What went wrong, for "kbisect: <step>: <what> (<syscall>: <errno>)". syscall is
// null when there is no errno to tell (a bad reply, a TLS alert).
struct Failure {
  const char* what = nullptr;
  const char* syscall = nullptr;
  int err = 0;
  char detail[160] = {};  // for messages built at run time
};

// Sets *why and returns false.
bool Fail(Failure* why, const char* what, const char* syscall, int err);

// A non-blocking TCP connection to address:port within min(total, 5 s); the fd,
// or -1 with *why set.
int Connect(uint32_t address, uint16_t port, const Deadline& total, Failure* why);

// Socket I/O: bytes done, or -errno (-ETIMEDOUT at the deadline).
int RawRead(int fd, char* buf, size_t n, const Deadline& d);
int RawWrite(int fd, const char* buf, size_t n, const Deadline& d);

}  // namespace kb
