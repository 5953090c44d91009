#include "control/qmp.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "common/fd.h"
#include "common/fileio.h"
#include "lib/run.h"

namespace kb {

namespace {

// One JSON line from QEMU (its messages are one per line); events are skipped.
bool ReadReply(int fd, std::string* buf, double deadline, std::string* line, std::string* why) {
  for (;;) {
    size_t nl;
    while ((nl = buf->find('\n')) != std::string::npos) {
      *line = buf->substr(0, nl);
      buf->erase(0, nl + 1);
      if (line->find("\"event\"") == std::string::npos) return true;
    }
    double left = deadline - MonotonicSeconds();
    if (left <= 0) return *why = "no answer in time", false;
    pollfd p{fd, POLLIN, 0};
    // At most 100 ms a look: a stop is seen that soon.
    int r = poll(&p, 1, std::min(int(left * 1000) + 1, 100));
    if (g_stop) return *why = "stopped by a signal", false;
    if (r < 0 && errno != EINTR) return *why = std::string("poll: ") + strerror(errno), false;
    if (r <= 0) continue;
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0) return *why = n == 0 ? "QEMU closed the socket" : strerror(errno), false;
    if (buf->size() > (1u << 20)) return *why = "an answer too long", false;
    buf->append(tmp, size_t(n));
  }
}

}  // namespace

bool QmpExecute(const std::string& socket_path, const std::vector<std::string>& commands, double timeout,
                std::vector<std::string>* replies, std::string* why) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) return *why = "socket path too long: " + socket_path, false;
  memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return *why = std::string("socket: ") + strerror(errno), false;
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return *why = "cannot connect to " + socket_path + ": " + strerror(errno), false;
  const double deadline = MonotonicSeconds() + timeout;
  std::string buf, line, err;
  if (!ReadReply(fd.get(), &buf, deadline, &line, &err) || line.find("\"QMP\"") == std::string::npos)
    return *why = "no QMP greeting on " + socket_path + (err.empty() ? "" : ": " + err), false;
  std::vector<std::string> all = {"qmp_capabilities"};
  all.insert(all.end(), commands.begin(), commands.end());
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string cmd = "{\"execute\":\"" + all[i] + "\"}\n";
    if (!WriteAll(fd.get(), cmd)) return *why = std::string("cannot write to ") + socket_path, false;
    if (!ReadReply(fd.get(), &buf, deadline, &line, &err)) return *why = "QMP on " + socket_path + ": " + err, false;
    if (line.find("\"return\"") == std::string::npos)
      return *why = "QMP on " + socket_path + " refused " + all[i] + ": " + line, false;
    if (i > 0) replies->push_back(line);
  }
  return true;
}

}  // namespace kb
