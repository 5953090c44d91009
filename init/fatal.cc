// Broken invariants in PID 1. There are no exceptions in the init; the C++ library's
// headers still name the throw helpers of range checks (string_view::substr), and
// these are they: say what broke and reset the machine, since PID 1 may not exit.
#include <errno.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "init/console.h"

namespace kb {

[[noreturn]] void Fatal(std::string_view what) {
  Say({"kbisect: internal error: ", what, "; rebooting in 10 s"});
  timespec ts{10, 0};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  for (;;) {
    sync();
    reboot(RB_AUTOBOOT);
    timespec again{10, 0};
    nanosleep(&again, nullptr);
  }
}

}  // namespace kb

namespace std {
[[noreturn]] void __throw_out_of_range_fmt(const char* fmt, ...) { kb::Fatal(fmt); }
[[noreturn]] void __throw_out_of_range(const char* what) { kb::Fatal(what); }
[[noreturn]] void __throw_length_error(const char* what) { kb::Fatal(what); }
[[noreturn]] void __throw_logic_error(const char* what) { kb::Fatal(what); }
}  // namespace std
