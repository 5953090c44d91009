// Console output of PID 1: unbuffered writes of string_views to fd 1, no heap.
// Failure lines have the contract's shape:
//   kbisect: <step>: <what> (<syscall>: <errno name>)
#pragma once

#include <string_view>

#include "common/text.h"

namespace kb {

// "ENOENT" etc. for the errnos the init meets; "errno" for others.
std::string_view ErrnoName(int err);

// One line: the parts, cut at 1 KiB, then a newline; a control byte in a part
// (what a server or the network sent) is written as '?'.
void Say(std::initializer_list<std::string_view> parts);

// Says "kbisect: <step>: <what> (<syscall>: <ERRNO>)".
// Step 8, and the end of every road that cannot go on: says "rebooting in N
// s", waits, resets the machine. Never returns (PID 1 may not exit).
[[noreturn]] void RebootAfter(unsigned seconds);

// Says what broke, then RebootAfter(10).
[[noreturn]] void Fatal(std::string_view what);

void SayFailure(std::string_view step, std::string_view what, std::string_view syscall, int err);

// Says "kbisect: at S.mmm s: <what>" with the time since boot (CLOCK_BOOTTIME,
// the kernel log's clock): the stage-1 timeline.
void SayAt(std::string_view what);


}  // namespace kb
