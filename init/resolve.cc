#include "init/resolve.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cmdline.h"
#include "common/dns.h"
#include "common/fd.h"
#include "init/clock.h"
#include "init/console.h"

namespace kb {

bool Resolve(std::string_view step, std::string_view host, const NetConfig& net, uint32_t* address) {
  if (ParseIpv4(host, address) == nullptr) return true;
  if (net.dns[0] == 0) {
    Say({"kbisect: ", step, ": ", host, ": no DNS server (from DHCP or ip=) to look it up"});
    return false;
  }
  uint16_t id;
  if (getrandom(&id, sizeof id, GRND_NONBLOCK) != sizeof id) id = uint16_t(NowMs());
  std::array<uint8_t, kDnsMaxPacket> query;
  size_t query_len = 0;
  if (Error e = BuildDnsQuery(host, id, query, &query_len)) {
    Say({"kbisect: ", step, ": ", host, ": ", e});
    return false;
  }
  Error last = nullptr;  // the last answer's fault; null while none came
  int last_errno = 0;
  for (int round = 0; round < 3; ++round) {
    for (uint32_t server : net.dns) {
      if (server == 0) continue;
      Fd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      if (!fd) {
        SayFailure(step, "socket", "socket", errno);
        return false;
      }
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(53);
      sa.sin_addr.s_addr = htonl(server);
      if (connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
          send(fd.get(), query.data(), query_len, 0) < 0) {
        last_errno = errno;
        continue;
      }
      Deadline d(1000 << round);
      while (!d.Passed()) {
        pollfd p{fd.get(), POLLIN, 0};
        if (poll(&p, 1, int(d.LeftMs())) <= 0) continue;
        uint8_t answer[1500];
        ssize_t n = recv(fd.get(), answer, sizeof answer, 0);
        if (n < 0) {
          last_errno = errno;  // ECONNREFUSED: nothing listens there
          break;
        }
        Error e = ParseDnsAnswer(std::span<const uint8_t>(answer, size_t(n)), host, id, address);
        if (!e) {
          char a[16];
          Say({"kbisect: ", step, ": ", host, " is ", FormatIpv4(*address, a)});
          return true;
        }
        last = e;
        if (e != kDnsOtherQuery) break;
      }
    }
  }
  if (!last && last_errno) {
    SayFailure(step, host, "recv", last_errno);
  } else {
    Say({"kbisect: ", step, ": ", host, ": ", last ? last : "no answer from the DNS server"});
  }
  return false;
}

}  // namespace kb
