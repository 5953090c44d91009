// kbisect-init: PID 1 of the stage-1 initramfs. It never exits: every step is
// bounded, every failure is said on the console, and the fallback is a reboot
// after a countdown so that an unattended machine keeps trying.
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cmdline.h"
#include "init/console.h"

namespace kb {
namespace {

struct MountStep {
  const char* source;
  const char* target;
  const char* type;
};

constexpr MountStep kMounts[] = {
    {"proc", "/proc", "proc"},
    {"sysfs", "/sys", "sysfs"},
    {"devtmpfs", "/dev", "devtmpfs"},
};

void MountAll() {
  for (const MountStep& m : kMounts) {
    mkdir(m.target, 0755);
    if (mount(m.source, m.target, m.type, 0, nullptr) != 0 && errno != EBUSY)
      SayFailure("mount", m.target, "mount", errno);
  }
}

// The whole of /proc/cmdline, NUL-free; empty when it cannot be read.
std::string_view ReadCmdline(char* buf, size_t size) {
  int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    SayFailure("cmdline", "cannot open /proc/cmdline", "open", errno);
    return {};
  }
  size_t n = 0;
  while (n < size) {
    ssize_t r = read(fd, buf + n, size - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) SayFailure("cmdline", "cannot read /proc/cmdline", "read", errno);
    if (r <= 0) break;
    n += size_t(r);
  }
  close(fd);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0')) --n;
  return std::string_view(buf, n);
}

void Sleep(unsigned seconds) {
  timespec ts{static_cast<time_t>(seconds), 0};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Step 8: nothing to boot; count down and reset the machine. Never returns.
[[noreturn]] void RebootAfter(unsigned seconds) {
  char num[24];
  Say({"kbisect: rebooting in ", FormatUnsigned(seconds, num), " s"});
  Sleep(seconds);
  sync();
  for (;;) {
    reboot(RB_AUTOBOOT);
    SayFailure("reboot", "the machine did not reset", "reboot", errno);
    Sleep(10);
  }
}

void Run() {
  MountAll();
  static char cmdline[4096];
  std::string_view line = ReadCmdline(cmdline, sizeof(cmdline));
  Config config;
  ConfigError errors[8];
  size_t n = ParseConfig(line, &config, errors);
  for (size_t i = 0; i < n && i < std::size(errors); ++i)
    Say({"kbisect: cmdline: ", errors[i].param, ": ", errors[i].reason});
  Say({"kbisect: server ", config.server.empty() ? "(none)" : config.server, ", machine ",
       config.machine.empty() ? "(from DHCP)" : config.machine,
       config.nfs_host.empty() ? ", images over HTTP" : ", images over NFS"});
  Say({"kbisect: this stage-1 cannot fetch a list yet (network and kexec are not built in)"});
  RebootAfter(10);
}

}  // namespace
}  // namespace kb

int main() {
  kb::Run();
}
