#include "control/commands.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/names.h"
#include "common/version.h"
#include "control/bisect.h"
#include "control/cli.h"
#include "control/machines.h"
#include "control/leases.h"
#include "control/options.h"
#include "control/console.h"
#include "control/power.h"
#include "control/server.h"
#include "lib/run.h"

namespace kb {

namespace {

const char kUsageTail[] =
    "The server comes from --server or $KBISECT_SERVER. While a machine is leased,\n"
    "set, once and clear are refused unless they give its token (--lease T).\n"
    "Exit codes: wrappers 0 done, 1 refused by the server (the reason is printed),\n"
    "2 usage, 3 server unreachable. step follows `git bisect run`: 0 good, 1 bad,\n"
    "125 skip, 128 abort. run: 0 culprit found, 1 no single culprit (or --verify\n"
    "or --check-ends failed), 2 usage, 3 server unreachable, 128 aborted (the\n"
    "repository is reset; --resume LOG goes on).\n";

// --- the wrappers -------------------------------------------------------------------

// One request, its answer printed; the wrappers' exit codes.
int Wrap(const Server& s, const std::string& method, const std::string& path, const std::string& body = "") {
  std::string out, why;
  bool unreachable = false;
  if (!s.Call(method, path, body, &out, &why, &unreachable)) {
    Say(why);
    return unreachable ? kUnreachable : kRefused;
  }
  if (!out.empty()) printf("%s\n", out.c_str());
  return kDone;
}

bool BadMachine(const std::string& m, int* rc) {
  if (!CheckMachineName(m)) return false;
  *rc = Usage("bad machine name '" + m + "': [A-Za-z0-9._-], 1 to 64 characters, not starting with '.'");
  return true;
}

// Moves `name VALUE` out of a (after the machine, a[0]) into *value, which starts
// empty; false (a usage error) when VALUE is missing or empty, or name comes twice.
bool TakeOption(std::vector<std::string>* a, const std::string& name, std::string* value) {
  for (size_t i = 1; i < a->size(); ++i) {
    if ((*a)[i] != name) continue;
    if (i + 1 >= a->size() || (*a)[i + 1].empty() || !value->empty()) return false;
    *value = (*a)[i + 1];
    a->erase(a->begin() + long(i), a->begin() + long(i) + 2);
    --i;
  }
  return true;
}

// kbisect lease: take (POST), renew (PUT), release (DELETE) or show (GET).
int CmdLease(const Server& s, std::vector<std::string> a) {
  const std::string usage =
      "usage: lease MACHINE [--owner O] [--purpose P] [--seconds N] | --renew TOKEN [--seconds N] | "
      "--release TOKEN | --show";
  std::string owner, purpose, seconds, renew, release;
  const std::pair<const char*, std::string*> options[] = {
      {"--owner", &owner}, {"--purpose", &purpose}, {"--seconds", &seconds},
      {"--renew", &renew}, {"--release", &release}};
  for (auto [name, value] : options)
    if (!TakeOption(&a, name, value)) return Usage(usage);
  bool show = a.size() == 2 && a[1] == "--show";
  if (show) a.pop_back();
  if (a.size() != 1) return Usage(usage);
  int rc = kUsage;
  if (BadMachine(a[0], &rc)) return rc;
  bool take = renew.empty() && release.empty() && !show;
  if (int(!renew.empty()) + int(!release.empty()) + int(show) > 1 || (!take && (!owner.empty() || !purpose.empty())) ||
      ((show || !release.empty()) && !seconds.empty()))
    return Usage(usage);
  if (!seconds.empty() && (seconds.size() > 5 || seconds.find_first_not_of("0123456789") != std::string::npos ||
                           std::stoi(seconds) < 1 || std::stoi(seconds) > 86400))
    return Usage("--seconds is a number from 1 to 86400");
  const std::string path = "lease?machine=" + UrlEncode(a[0]);
  if (show) return Wrap(s, "GET", path);
  if (!release.empty()) return Wrap(s, "DELETE", path + "&lease=" + UrlEncode(release));
  if (!renew.empty())
    return Wrap(s, "PUT", path + "&lease=" + UrlEncode(renew) + (seconds.empty() ? "" : "&seconds=" + seconds));
  if (owner.empty()) owner = LeaseOwner();
  if (purpose.empty()) purpose = "kbisect lease";
  if (seconds.empty()) seconds = "3600";
  if ((owner + purpose).find_first_of("\r\n") != std::string::npos)
    return Usage("--owner and --purpose are one line each");
  return Wrap(s, "POST", path, "owner=" + owner + "\npurpose=" + purpose + "\nseconds=" + seconds + "\n");
}

int CmdWrapper(const Server& s, const std::string& cmd, std::vector<std::string> a) {
  int rc = kUsage;
  const std::string m = a.empty() ? "" : UrlEncode(a[0]);
  if (cmd == "lease") return CmdLease(s, a);
  // The token of the machine's lease, for the commands that change what it boots.
  std::string token;
  if ((cmd == "set" || cmd == "once" || cmd == "clear") && !TakeOption(&a, "--lease", &token))
    return Usage("--lease needs the lease's token, given once");
  const std::string lease = token.empty() ? "" : "&lease=" + UrlEncode(token);
  if (cmd == "list") {
    if (a.empty()) return Usage("usage: list MACHINE [--arch A] [--json]");
    std::string arch = "x86_64", fmt;
    for (size_t i = 1; i < a.size(); ++i) {
      if (a[i] == "--json") fmt = "&format=json";
      else if (a[i] == "--arch" && i + 1 < a.size()) arch = a[++i];
      else return Usage("list: unknown argument '" + a[i] + "'");
    }
    if (BadMachine(a[0], &rc)) return rc;
    return Wrap(s, "GET", "list?machine=" + m + "&arch=" + UrlEncode(arch) + fmt);
  }
  if (cmd == "default") {
    if (a.size() != 1) return Usage("usage: default MACHINE");
    if (BadMachine(a[0], &rc)) return rc;
    return Wrap(s, "GET", "default?machine=" + m);
  }
  if (cmd == "set" || cmd == "once") {
    if (a.size() != 2) return Usage("usage: " + cmd + " MACHINE IMAGE [--lease TOKEN]");
    if (BadMachine(a[0], &rc)) return rc;
    return Wrap(s, "PUT", "default?machine=" + m + (cmd == "once" ? "&once=1" : "") + lease, a[1]);
  }
  if (cmd == "clear") {
    if (a.empty() || a.size() > 2 || (a.size() == 2 && a[1] != "--once"))
      return Usage("usage: clear MACHINE [--once] [--lease TOKEN]");
    if (BadMachine(a[0], &rc)) return rc;
    return Wrap(s, "DELETE", "default?machine=" + m + (a.size() == 2 ? "&once=1" : "") + lease);
  }
  // booted
  std::string limit;
  if (a.empty() || (a.size() != 1 && !(a.size() == 3 && a[1] == "--limit")))
    return Usage("usage: booted MACHINE [--limit N]");
  if (a.size() == 3) limit = "&limit=" + UrlEncode(a[2]);
  if (BadMachine(a[0], &rc)) return rc;
  return Wrap(s, "GET", "booted?machine=" + m + limit);
}

// Each line of text indented by two spaces.
std::string Indented(const std::string& text) {
  std::string out;
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size() - 1;
    out += "  " + text.substr(at, nl + 1 - at);
    at = nl + 1;
  }
  return out;
}

// kbisect power SPEC VERB: one verb of a power backend, as a run would use it.
int CmdPower(std::vector<std::string> a) {
  const std::string usage =
      "usage: power POWER on|off|cycle|status [--power-secret FILE] [--power-ca FILE] (POWER: as --power takes "
      "it)";
  std::string secret, ca;
  if (!TakeOption(&a, "--power-secret", &secret) || !TakeOption(&a, "--power-ca", &ca)) return Usage(usage);
  if (a.size() != 2) return Usage(usage);
  std::string why;
  std::unique_ptr<Power> p = OpenPower(PowerTarget{a[0], "", secret, 30, 2, nullptr, ca}, &why);
  if (!p) return Usage(why);
  const std::pair<const char*, PowerVerb> verbs[] = {
      {"on", PowerVerb::kOn}, {"off", PowerVerb::kOff}, {"cycle", PowerVerb::kCycle}, {"status", PowerVerb::kStatus}};
  for (auto [name, verb] : verbs) {
    if (a[1] != name) continue;
    if (!p->Can(verb)) return Usage(p->Name() + " cannot " + PowerVerbName(verb));
    PowerState state;
    InstallStopHandlers();
    bool ok = verb == PowerVerb::kOn    ? p->On(&why)
              : verb == PowerVerb::kOff ? p->Off(&why)
              : verb == PowerVerb::kCycle ? p->Cycle(&why)
                                          : p->Status(&state, &why);
    if (!ok) return Say("power: " + why), kUnreachable;
    if (verb == PowerVerb::kStatus) printf("%s\n", state == PowerState::kOn ? "on" : "off");
    return kDone;
  }
  return Usage(usage);
}

// What every command gets: the global --server and $KBISECT_SERVER.
struct Context {
  std::string server_flag, server_env;
  std::string Server() const { return !server_flag.empty() ? server_flag : server_env; }
};

int RunWrapper(const std::string& cmd, const Context& ctx, const std::vector<std::string>& a) {
  return CmdWrapper(Server(ctx.Server()), cmd, a);
}
int RunStepOrRun(const std::string& cmd, const Context& ctx, const std::vector<std::string>& a) {
  return CmdStepOrRun(ctx.server_flag, ctx.server_env, cmd == "run", a);
}
int RunPower(const std::string&, const Context&, const std::vector<std::string>& a) { return CmdPower(a); }
int RunQmpReset(const std::string&, const Context&, const std::vector<std::string>& a) {
  if (a.size() != 1) return Usage("usage: qmp-reset SOCKET (a QEMU -qmp unix socket)");
  return CmdPower({"qmp:" + a[0], "cycle"});
}
int RunMachines(const std::string&, const Context& ctx, const std::vector<std::string>& a) {
  return CmdMachines(ctx.Server(), a);
}
int RunHelp(const std::string&, const Context&, const std::vector<std::string>&);
int RunVersion(const std::string&, const Context&, const std::vector<std::string>&) {
  printf("kbisect %s\n", kVersion);
  return kDone;
}

// One command: its name, its arguments and what it does (for --help), whether it
// talks to the server, and what runs it.
struct CommandRow {
  const char* name;
  const char* args;
  const char* help;  // lines split at '\n'
  bool needs_server;
  int (*run)(const std::string& cmd, const Context& ctx, const std::vector<std::string>& args);
};

const CommandRow kCommands[] = {
    {"list", "MACHINE [--arch A] [--json]", "the machine's images, its default on top", true, RunWrapper},
    {"default", "MACHINE", "the machine's default image", true, RunWrapper},
    {"set", "MACHINE IMAGE [--lease T]", "the default: every boot", true, RunWrapper},
    {"once", "MACHINE IMAGE [--lease T]", "the next boot only", true, RunWrapper},
    {"clear", "MACHINE [--once] [--lease T]", "the default (or the once) cleared", true, RunWrapper},
    {"booted", "MACHINE [--limit N]", "the machine's boot log, newest first", true, RunWrapper},
    {"lease", "MACHINE [--owner O] [--purpose P] [--seconds N]",
     "take the machine's lease, print its token T\n(default: $USER@host, 'kbisect lease',\n3600 s); "
     "or lease MACHINE with --renew T\n[--seconds N], --release T or --show",
     true, RunWrapper},
    {"step", "OPTIONS", "one `git bisect run` step on HEAD", false, RunStepOrRun},
    {"run", "--good G --bad B OPTIONS", "a whole bisection", false, RunStepOrRun},
    {"power", "POWER on|off|cycle|status [--power-secret FILE] [--power-ca FILE]",
     "drive a machine's power switch as --power POWER does\n(status prints on or off)",
     false, RunPower},
    {"machines", "[--lab FILE|URL] [--pool TAG]",
     "the lab file's machines: power state, lease, last\nboot (exit 3 when one cannot be asked)", false, RunMachines},
    {"qmp-reset", "SOCKET", "power qmp:SOCKET cycle (a QEMU -qmp socket)", false, RunQmpReset},
    {"help", "", "this text (also -h, --help)", false, RunHelp},
    {"version", "", "kbisect's version (also --version)", false, RunVersion},
};

// The commands' lines of --help.
std::string CommandsHelp() {
  std::string out = "usage: kbisect [--server URL] COMMAND ...\n";
  for (const CommandRow& c : kCommands) {
    std::string head = std::string("  ") + c.name + (*c.args ? std::string(" ") + c.args : "");
    const std::string help = c.help;
    for (size_t at = 0, nl; at <= help.size(); at = nl + 1) {
      nl = help.find('\n', at);
      if (nl == std::string::npos) nl = help.size();
      // At least two spaces before the text (help2man's man page reads the columns so).
      if (head.size() > 35) out += head + "\n", head.clear();
      head.resize(37, ' ');
      out += head + help.substr(at, nl - at) + "\n";
      head.clear();
    }
  }
  return out;
}

int RunHelp(const std::string&, const Context&, const std::vector<std::string>&) {
  printf("%s%s\n%s", CommandsHelp().c_str(), kUsageTail, OptionsHelp().c_str());
  printf("--power takes:\n%s--console takes:\n%s", Indented(PowerUsage()).c_str(), Indented(ConsoleUsage()).c_str());
  return kDone;
}

}  // namespace

int Main(int argc, char** argv) {
  // A command that exits before reading its input must not kill kbisect (EPIPE
  // instead); RunCommand gives the commands the default back.
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> a(argv + 1, argv + argc);
  const char* env = getenv("KBISECT_SERVER");
  Context ctx;
  ctx.server_env = env ? env : "";
  if (!a.empty() && a[0] == "--server") {
    if (a.size() < 2 || a[1].empty()) return Usage("--server needs a URL");
    ctx.server_flag = a[1];
    a.erase(a.begin(), a.begin() + 2);
  }
  if (a.empty()) return Usage("no command (see kbisect --help)");
  const std::string cmd = a[0];
  a.erase(a.begin());
  for (const CommandRow& row : kCommands) {
    if (cmd != row.name && !(row.run == RunHelp && (cmd == "-h" || cmd == "--help")) &&
        !(row.run == RunVersion && cmd == "--version"))
      continue;
    if (row.needs_server && ctx.Server().empty()) return Usage("no server: give --server URL or set KBISECT_SERVER");
    return row.run(cmd, ctx, a);
  }
  return Usage("unknown command '" + cmd + "' (see kbisect --help)");
}

}  // namespace kb
