// How PID 1 ends a boot: a countdown and a reset, never an exit. Broken
// invariants take the same road: there are no exceptions in the init, but the C++
// library's headers still name the throw helpers of range checks
// (string_view::substr), and these are they.
#include <errno.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "init/clock.h"
#include "init/console.h"

namespace kb {

[[noreturn]] void RebootAfter(unsigned seconds) {
  char num[24];
  Say({"kbisect: rebooting in ", FormatUnsigned(seconds, num), " s"});
  SleepMs(int64_t(seconds) * 1000);
  sync();
  for (;;) {
    reboot(RB_AUTOBOOT);
    SayFailure("reboot", "the machine did not reset", "reboot", errno);
    SleepMs(10000);
  }
}

[[noreturn]] void Fatal(std::string_view what) {
  Say({"kbisect: internal error: ", what});
  RebootAfter(10);
}

}  // namespace kb

namespace std {
[[noreturn]] void __throw_out_of_range_fmt(const char* fmt, ...) { kb::Fatal(fmt); }
[[noreturn]] void __throw_out_of_range(const char* what) { kb::Fatal(what); }
[[noreturn]] void __throw_length_error(const char* what) { kb::Fatal(what); }
[[noreturn]] void __throw_logic_error(const char* what) { kb::Fatal(what); }
}  // namespace std
