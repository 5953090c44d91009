#include "control/commands.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/names.h"
#include "control/bisect.h"
#include "control/cli.h"
#include "control/options.h"
#include "control/qmp.h"
#include "control/server.h"

namespace kb {

namespace {

const char kUsageText[] =
    "usage: kbisect [--server URL] COMMAND ...\n"
    "  list MACHINE [--arch A] [--json]   the machine's images, its default on top\n"
    "  default MACHINE                    the machine's default image\n"
    "  set MACHINE IMAGE                  the default: every boot\n"
    "  once MACHINE IMAGE                 the next boot only\n"
    "  clear MACHINE [--once]\n"
    "  booted MACHINE [--limit N]         the machine's boot log, newest first\n"
    "  step OPTIONS                       one `git bisect run` step on HEAD\n"
    "  run --good G --bad B OPTIONS       a whole bisection\n"
    "  qmp-reset SOCKET                   power-cycle a QEMU machine (its -qmp socket)\n"
    "The server comes from --server or $KBISECT_SERVER.\n"
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

int CmdWrapper(const Server& s, const std::string& cmd, const std::vector<std::string>& a) {
  int rc = kUsage;
  const std::string m = a.empty() ? "" : UrlEncode(a[0]);
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
    if (a.size() != 2) return Usage("usage: " + cmd + " MACHINE IMAGE");
    if (BadMachine(a[0], &rc)) return rc;
    return Wrap(s, "PUT", "default?machine=" + m + (cmd == "once" ? "&once=1" : ""), a[1]);
  }
  if (cmd == "clear") {
    if (a.empty() || a.size() > 2 || (a.size() == 2 && a[1] != "--once")) return Usage("usage: clear MACHINE [--once]");
    if (BadMachine(a[0], &rc)) return rc;
    return Wrap(s, "DELETE", "default?machine=" + m + (a.size() == 2 ? "&once=1" : ""));
  }
  // booted
  std::string limit;
  if (a.empty() || (a.size() != 1 && !(a.size() == 3 && a[1] == "--limit")))
    return Usage("usage: booted MACHINE [--limit N]");
  if (a.size() == 3) limit = "&limit=" + UrlEncode(a[2]);
  if (BadMachine(a[0], &rc)) return rc;
  return Wrap(s, "GET", "booted?machine=" + m + limit);
}

}  // namespace

int Main(int argc, char** argv) {
  // A command that exits before reading its input must not kill kbisect (EPIPE
  // instead); RunCommand gives the commands the default back.
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> a(argv + 1, argv + argc);
  const char* env = getenv("KBISECT_SERVER");
  const std::string server_env = env ? env : "";
  std::string server_flag;
  if (!a.empty() && a[0] == "--server") {
    if (a.size() < 2 || a[1].empty()) return Usage("--server needs a URL");
    server_flag = a[1];
    a.erase(a.begin(), a.begin() + 2);
  }
  const std::string server = !server_flag.empty() ? server_flag : server_env;
  if (a.empty()) return Usage("no command (see kbisect --help)");
  const std::string cmd = a[0];
  a.erase(a.begin());
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    printf("%s\n%s", kUsageText, kOptionsHelp);
    return kDone;
  }
  if (cmd == "qmp-reset") {
    if (a.size() != 1) return Usage("usage: qmp-reset SOCKET (a QEMU -qmp unix socket)");
    std::string why;
    if (!QmpReset(a[0], 10, &why)) return Say("qmp-reset: " + why), kUnreachable;
    return kDone;
  }
  if (cmd == "step" || cmd == "run") return CmdStepOrRun(server_flag, server_env, cmd == "run", a);
  if (cmd == "list" || cmd == "default" || cmd == "set" || cmd == "once" || cmd == "clear" || cmd == "booted") {
    if (server.empty()) return Usage("no server: give --server URL or set KBISECT_SERVER");
    return CmdWrapper(Server(server), cmd, a);
  }
  return Usage("unknown command '" + cmd + "' (see kbisect --help)");
}

}  // namespace kb
