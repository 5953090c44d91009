// --power qmp:SOCKET: a QEMU machine through its QMP socket (-qmp
// unix:SOCKET,server,nowait). QEMU has no switch to turn off while it lives: off
// stops the vCPUs (the machine runs nothing, prints nothing), on resets a stopped
// machine and runs it (a running one is left as it is, as a BMC leaves an on
// chassis), cycle resets and runs it, status is whether the vCPUs run.
#include <string_view>
#include <utility>
#include <vector>

#include "control/power.h"
#include "control/qmp.h"

namespace kb {

namespace {

// Whether a query-status reply says the vCPUs run (the key "running": true; the
// word also stands as the "status" value).
bool Running(std::string_view reply) {
  for (size_t at = reply.find("\"running\""); at != std::string_view::npos; at = reply.find("\"running\"", at + 1)) {
    size_t colon = reply.find_first_not_of(' ', at + 9);
    if (colon == std::string_view::npos || reply[colon] != ':') continue;
    size_t value = reply.find_first_not_of(' ', colon + 1);
    return value != std::string_view::npos && reply.substr(value, 4) == "true";
  }
  return false;
}

class QmpPower : public Power {
 public:
  QmpPower(std::string socket, double timeout) : socket_(std::move(socket)), timeout_(timeout) {}
  bool Can(PowerVerb) const override { return true; }
  bool On(std::string* why) override {
    PowerState s;
    if (!Status(&s, why)) return false;
    return s == PowerState::kOn || Run({"system_reset", "cont"}, why);
  }
  bool Off(std::string* why) override { return Run({"stop"}, why); }
  bool Cycle(std::string* why) override { return Run({"system_reset", "cont"}, why); }
  bool Status(PowerState* state, std::string* why) override {
    std::vector<std::string> replies;
    if (!QmpExecute(socket_, {"query-status"}, timeout_, &replies, why)) return false;
    *state = Running(replies.at(0)) ? PowerState::kOn : PowerState::kOff;
    return true;
  }
  std::string Name() const override { return "QMP " + socket_; }

 private:
  bool Run(const std::vector<std::string>& commands, std::string* why) {
    std::vector<std::string> replies;
    return QmpExecute(socket_, commands, timeout_, &replies, why);
  }
  std::string socket_;
  double timeout_;
};

}  // namespace

std::unique_ptr<Power> OpenQmpPower(const PowerTarget& t, std::string* why) {
  std::string socket = t.spec.substr(4);
  if (socket.empty()) return *why = "--power qmp:SOCKET: the socket's path is missing", nullptr;
  return std::make_unique<QmpPower>(socket, t.timeout);
}

}  // namespace kb
