// --power CMD: a shell command that power-cycles the machine (ipmitool, a PDU's
// CLI, a script), run with KBISECT_MACHINE set, bounded by --power-timeout. It
// can only cycle: kbisect cannot tell what else it does.
#include "control/power.h"

namespace kb {

namespace {

class CommandPower : public Power {
 public:
  explicit CommandPower(const PowerTarget& t) : t_(t), runner_(t.runner ? *t.runner : SystemRunner()) {}
  bool Can(PowerVerb v) const override { return v == PowerVerb::kCycle; }
  bool On(std::string* why) override { return Cannot(PowerVerb::kOn, why); }
  bool Off(std::string* why) override { return Cannot(PowerVerb::kOff, why); }
  bool Status(PowerState*, std::string* why) override { return Cannot(PowerVerb::kStatus, why); }
  bool Cycle(std::string* why) override {
    Command c;
    c.argv = {"bash", "-c", t_.spec};
    c.env = {"KBISECT_MACHINE=" + t_.machine};
    c.log_fd = t_.output_fd;
    c.timeout = t_.timeout;
    std::string err;
    int rc = runner_.Run(c, &err);
    if (rc == 0) return true;
    return *why = Name() + ": " + DescribeExit(rc, t_.timeout, err), false;
  }
  std::string Name() const override { return "the power command '" + t_.spec + "'"; }

 private:
  bool Cannot(PowerVerb v, std::string* why) {
    return *why = Name() + " can only power-cycle, not " + PowerVerbName(v), false;
  }
  PowerTarget t_;
  Runner& runner_;
};

}  // namespace

std::unique_ptr<Power> OpenCommandPower(const PowerTarget& t, std::string*) {
  return std::make_unique<CommandPower>(t);
}

}  // namespace kb
