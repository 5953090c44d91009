#include "init/menu_ui.h"

#include <errno.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "common/menu.h"
#include "init/clock.h"
#include "init/console.h"

namespace kb {
namespace {

constexpr int64_t kIdleMs = 5 * 60 * 1000;

// Non-canonical input without echo on the console for the menu's lifetime: the
// menu echoes what it takes itself.
class RawConsole {
 public:
  RawConsole() {
    ok_ = tcgetattr(0, &saved_) == 0;
    if (!ok_) return;
    termios t = saved_;
    t.c_lflag &= ~tcflag_t(ICANON | ECHO);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    tcsetattr(0, TCSANOW, &t);
    tcflush(0, TCIFLUSH);
  }
  ~RawConsole() {
    if (ok_) tcsetattr(0, TCSANOW, &saved_);
  }

 private:
  termios saved_{};
  bool ok_ = false;
};

// Waits up to ms for a key; returns it, or -1.
int ReadKey(int64_t ms) {
  pollfd p{0, POLLIN, 0};
  int r = poll(&p, 1, int(ms));
  if (r <= 0) {
    if (r < 0 && errno != EINTR) SleepMs(ms);  // no console to read: just wait
    return -1;
  }
  char c;
  if (read(0, &c, 1) != 1) {
    SleepMs(ms);
    return -1;
  }
  return static_cast<unsigned char>(c);
}

}  // namespace

size_t RunMenu(std::span<const std::string_view> entries, std::span<const bool> failed, size_t total,
               unsigned timeout_s) {
  size_t first = 0;
  while (first < entries.size() && failed[first]) ++first;
  if (first == entries.size()) return first;
  char num[24], more[24];
  Say({"kbisect: ", FormatUnsigned(total, num), total == 1 ? " kernel:" : " kernels:"});
  for (size_t i = 0; i < entries.size(); ++i)
    Say({"  ", FormatUnsigned(i + 1, num), ") ", entries[i], failed[i] ? "  (failed)" : ""});
  if (total > entries.size()) Say({"  ... and ", FormatUnsigned(total - entries.size(), more), " older"});
  if (timeout_s == 0) return first;

  RawConsole raw;
  MenuInput input(entries.size());
  bool stopped = false;
  Deadline countdown(int64_t(timeout_s) * 1000);
  // From the key that stops the countdown, the menu waits kIdleMs in all: an
  // absolute deadline, so that a noisy serial line cannot hold it forever.
  int64_t stopped_at = 0;
  auto stop = [&] {
    if (!stopped) stopped_at = NowMs();
    stopped = true;
  };
  unsigned shown = timeout_s + 1;
  for (;;) {
    if (!stopped) {
      unsigned left = unsigned((countdown.LeftMs() + 999) / 1000);
      if (left == 0) return first;
      if (left != shown) {
        shown = left;
        Say({"kbisect: booting ", FormatUnsigned(first + 1, num), " in ", FormatUnsigned(left, more),
             " s; a key stops, a number and Enter picks"});
      }
    } else if (NowMs() - stopped_at > kIdleMs) {
      Say({"kbisect: no choice within 5 minutes of the stop, booting ", FormatUnsigned(first + 1, num)});
      return first;
    }
    int64_t wait = stopped ? 1000 : (countdown.LeftMs() % 1000 == 0 ? 1000 : countdown.LeftMs() % 1000);
    int key = ReadKey(wait);
    if (key < 0) continue;
    size_t typed_before = input.typed().size();
    MenuInput::Action action = input.Key(char(key));
    if (action == MenuInput::kNone) continue;  // line noise, a client's negotiation
    if (action == MenuInput::kStopped && !stopped)
      Say({"kbisect: countdown stopped; type a number and Enter (5 minutes at most)"});
    if (action == MenuInput::kStopped) stop();
    // Echo the number being typed on a line of its own.
    if (action != MenuInput::kStopped) {
      if (typed_before > 0) write(1, "\n", 1);
    } else if (input.typed().size() > typed_before) {
      write(1, &input.typed().back(), 1);
    } else if (input.typed().size() < typed_before) {
      write(1, "\b \b", 3);
    }
    switch (action) {
      case MenuInput::kStopped:
        break;
      case MenuInput::kChosen: {
        size_t pick = input.by_default() ? first : input.choice();
        if (failed[pick]) {
          Say({"kbisect: ", FormatUnsigned(pick + 1, num), " failed already; pick another"});
          stop();
          break;
        }
        Say({"kbisect: picked ", FormatUnsigned(pick + 1, num)});
        return pick;
      }
      case MenuInput::kBadNumber:
        Say({"kbisect: no entry with that number"});
        stop();
        break;
      case MenuInput::kNone:
        break;
    }
  }
}

}  // namespace kb
