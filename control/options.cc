#include "control/options.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/names.h"

namespace kb {

const char kOptionsHelp[] =
    "One candidate (step and run):\n"
    "  --machine M            the test machine (its kbisect.machine name); run: a pool,\n"
    "                         --machine a,b,c or --machine repeated (step: the first)\n"
    "  --power CMD            power-cycles it (e.g. 'ipmitool ... chassis power cycle');\n"
    "                         %m in --power, --reboot, --console and --test is the\n"
    "                         machine's name (e.g. 'ipmitool -H %m-bmc ...'), %% a %\n"
    "  --test CMD             the verdict: exit 0 good, 125 skip, else bad; run here with\n"
    "                         KBISECT_MACHINE, KBISECT_IMAGE, KBISECT_COMMIT, KBISECT_CONSOLE,\n"
    "                         KBISECT_CONSOLE_OFFSET set\n"
    "  --console FILE         or: the machine's console, captured to FILE, judged by\n"
    "  --pass REGEX           a line that passes the candidate\n"
    "  --fail REGEX           a line that fails it (a panic, Oops, BUG or GPF fails it too)\n"
    "  --ignore REGEX         console lines that never fail it (repeatable)\n"
    "  --fail-on-call-trace   a WARN's \"Call Trace:\" fails it too\n"
    "  --on-hang bad|skip     what a hang is (bad)\n"
    "  --arch A               the images' arch (x86_64)\n"
    "  --build CMD            builds a commit without an image (KBISECT_COMMIT); exit 1:\n"
    "                         the commit does not build (skipped), other failures abort\n"
    "  --request-dir DIR      or: asks the builder with a request file in DIR\n"
    "  --build-bisect         a commit that does not build is the regression (no boots)\n"
    "  --boot-timeout S       the candidate's verdict on the console (300), else a hang\n"
    "  --silence-timeout S    no console output for S seconds is a hang (0: off)\n"
    "  --report-timeout S     power cycle to the stage-1's boot report (300), else abort\n"
    "  --test-timeout S       the --test command (600), else a hang\n"
    "  --build-timeout S      a build (1800)\n"
    "  --power-timeout S      the --power command (120)\n"
    "  --reboot CMD           leaves a candidate without the firmware (e.g. 'ssh root@M\n"
    "                         kbisect-reboot'); tried first, --power when it fails\n"
    "  --reboot-timeout S     the reboot command and its boot report (120), then --power\n"
    "  --log FILE             the run's log (run: kbisect-M-<time>.log)\n"
    "The whole bisection (run):\n"
    "  --good G --bad B       the ends (with --reverse: --bad is the older end, --good\n"
    "                         the newer one, and the answer is the first good commit)\n"
    "  --reverse              find the commit that fixed it\n"
    "  --term-old T --term-new T  names for the two states (default good/bad)\n"
    "  --check-ends           test both ends first; a wrong end stops the run\n"
    "  --runs N               boots per commit (1), spread over the pool's machines\n"
    "  --max-runs N           a flaky commit (its runs disagree) is run up to N times\n"
    "                         (3 x runs)\n"
    "  --flaky any|majority   a flaky commit's verdict: any failure makes it bad, and\n"
    "                         once one commit was flaky a good one needs N passes\n"
    "                         (any: for a regression that shows only sometimes), or\n"
    "                         the majority of its runs (for a test that also fails\n"
    "                         without the regression)\n"
    "  --repeat N             --runs N --max-runs N: good only if N runs pass\n"
    "  --verify               test the culprit and its parent again at the end (on by\n"
    "                         default with a pool of two or more machines;\n"
    "                         --no-verify: off)\n"
    "  --resume LOG           replay the runs of a stopped run, then go on\n"
    "  --lease-seconds S      the machines are leased on the server while the run\n"
    "                         lasts (another client's once/default is refused), for\n"
    "                         S seconds, renewed at a third of it (900)\n"
    "  --revert-check         then build and boot the bad end with the culprit reverted\n"
    "                         (a commit of kbisect's, pushed as refs/kbisect/revert/C to\n"
    "  --revert-remote R      R, where the builder reads commits: origin)\n"
    "  --report FILE.html     write the run's report as a web page, however it ends\n"
    "  --mail TO              mail the report's summary (sendmail -t) when it ends or aborts\n"
    "  --sendmail PROG        the sendmail program for --mail (sendmail)\n"
    "  --config FILE          an INI file with these options as keys (without --);\n"
    "                         the command line wins\n";

namespace {

enum Kind { kText, kList, kFlag, kSeconds, kCount };
struct Spec {
  const char* name;
  Kind kind;
  bool run_only;
};

const Spec kSpecs[] = {
    {"server", kText, false},          {"machine", kText, false},        {"arch", kText, false},
    {"power", kText, false},           {"test", kText, false},           {"console", kText, false},
    {"pass", kText, false},            {"fail", kText, false},           {"ignore", kList, false},
    {"fail-on-call-trace", kFlag, false}, {"on-hang", kText, false},     {"build", kText, false},
    {"request-dir", kText, false},     {"log", kText, false},            {"boot-timeout", kSeconds, false},
    {"report-timeout", kSeconds, false}, {"test-timeout", kSeconds, false}, {"build-timeout", kSeconds, false},
    {"silence-timeout", kSeconds, false}, {"power-timeout", kSeconds, false}, {"build-bisect", kFlag, false},
    {"reboot", kText, false},          {"reboot-timeout", kSeconds, false},
    {"good", kText, true},             {"bad", kText, true},             {"term-old", kText, true},
    {"term-new", kText, true},         {"resume", kText, true},          {"repeat", kCount, true},
    {"runs", kCount, true},            {"max-runs", kCount, true},       {"flaky", kText, true},
    {"lease-seconds", kSeconds, true}, {"report", kText, true},      {"mail", kText, true},
    {"sendmail", kText, true},         {"revert-check", kFlag, true},    {"revert-remote", kText, true}, {"verify", kFlag, true},           {"no-verify", kFlag, true},       {"check-ends", kFlag, true},      {"reverse", kFlag, true},
};

const Spec* Find(const std::string& name) {
  for (const Spec& s : kSpecs)
    if (name == s.name) return &s;
  return nullptr;
}

bool ParseBool(const std::string& v, bool* out) {
  if (v == "true" || v == "yes" || v == "1" || v == "on") return *out = true, true;
  if (v == "false" || v == "no" || v == "0" || v == "off") return *out = false, true;
  return false;
}

// Sets one option; where: "--name" or "FILE: name" for messages.
bool Set(const Spec& s, const std::string& value, const std::string& where, Options* o, std::string* why) {
  const std::string n = s.name;
  if (s.kind == kFlag) {
    bool b;
    if (!ParseBool(value, &b)) return *why = where + " is true or false, not '" + value + "'", false;
    if (n == "fail-on-call-trace") o->fail_on_call_trace = b;
    else if (n == "build-bisect") o->build_bisect = b;
    else if (n == "verify") o->verify = b, o->verify_set = true;
    else if (n == "no-verify") o->verify = !b, o->verify_set = true;
    else if (n == "check-ends") o->check_ends = b;
    else if (n == "reverse") o->reverse = b;
    else if (n == "revert-check") o->revert_check = b;
    return true;
  }
  if (s.kind == kSeconds) {
    char* end = nullptr;
    errno = 0;
    double v = strtod(value.c_str(), &end);
    const bool zero_ok = n == "silence-timeout";
    if (value.empty() || *end || errno || !std::isfinite(v) || v < 0 || (v == 0 && !zero_ok) || v > 86400 * 7)
      return *why = where + " is seconds (" + (zero_ok ? "0 to turn it off, " : "more than 0, ") +
                    "at most a week), not '" + value + "'",
             false;
    if (n == "boot-timeout") o->boot_timeout = v;
    else if (n == "report-timeout") o->report_timeout = v;
    else if (n == "test-timeout") o->test_timeout = v;
    else if (n == "build-timeout") o->build_timeout = v;
    else if (n == "silence-timeout") o->silence_timeout = v;
    else if (n == "power-timeout") o->power_timeout = v;
    else if (n == "reboot-timeout") o->reboot_timeout = v;
    else if (n == "lease-seconds") o->lease_seconds = v;
    return true;
  }
  if (s.kind == kCount) {
    char* end = nullptr;
    long v = strtol(value.c_str(), &end, 10);
    if (value.empty() || *end || v < 1 || v > 99) return *why = where + " is a number from 1 to 99, not '" + value + "'", false;
    if (n == "repeat") o->runs = o->max_runs = int(v);  // good only if N runs pass; a failure ends it
    else (n == "max-runs" ? o->max_runs : o->runs) = int(v);
    return true;
  }
  if (value.empty()) return *why = where + " needs a value", false;
  if (s.kind == kList) {
    o->ignore.push_back(value);
    return true;
  }
  if (n == "machine") {
    // A pool: comma-separated names, --machine repeated.
    for (size_t at = 0; at <= value.size();) {
      size_t comma = value.find(',', at);
      if (comma == std::string::npos) comma = value.size();
      std::string m = value.substr(at, comma - at);
      if (CheckMachineName(m))
        return *why = where + ": bad machine name '" + m + "': [A-Za-z0-9._-], 1 to 64 characters, not starting with '.'",
               false;
      if (std::find(o->machines.begin(), o->machines.end(), m) != o->machines.end())
        return *why = where + ": machine " + m + " is in the pool twice", false;
      o->machines.push_back(m);
      at = comma + 1;
    }
    o->machine = o->machines.front();
    return true;
  }
  if (n == "arch") {
    // As the server's list takes it and image names end (x86_64, i386): a typo
    // would otherwise find no image and wait for builds that publish none.
    bool ok = value.size() <= 16;
    for (char c : value) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok) return *why = where + " is [a-z0-9_], 1 to 16 characters (x86_64, i386), not '" + value + "'", false;
    o->arch = value;
    return true;
  }
  if (n == "flaky") {
    if (value != "any" && value != "majority") return *why = where + " is any or majority, not '" + value + "'", false;
    o->flaky_majority = value == "majority";
    return true;
  }
  if (n == "on-hang") {
    if (value != "bad" && value != "skip") return *why = where + " is bad or skip, not '" + value + "'", false;
    o->hang_is_skip = value == "skip";
    return true;
  }
  std::string* field = n == "server"       ? &o->server
                       : n == "machine"    ? &o->machine
                       : n == "power"      ? &o->power
                       : n == "test"       ? &o->test
                       : n == "console"    ? &o->console
                       : n == "pass"       ? &o->pass
                       : n == "fail"       ? &o->fail
                       : n == "build"      ? &o->build
                       : n == "request-dir" ? &o->request_dir
                       : n == "log"        ? &o->log
                       : n == "reboot"     ? &o->reboot
                       : n == "good"       ? &o->good
                       : n == "bad"        ? &o->bad
                       : n == "term-old"   ? &o->term_old
                       : n == "term-new"   ? &o->term_new
                       : n == "report"     ? &o->report
                       : n == "mail"       ? &o->mail
                       : n == "sendmail"   ? &o->sendmail
                       : n == "revert-remote" ? &o->revert_remote
                                           : &o->resume;
  *field = value;
  return true;
}

}  // namespace

bool ParseOptions(const std::vector<std::string>& args, bool run, const ConfigReader& read_config, Options* o,
                  std::string* why) {
  const std::string cmd = run ? "run" : "step";
  // The config file first, wherever --config is, so that the command line wins.
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] != "--config") continue;
    if (!run) return *why = "step: --config is an option of run", false;
    if (i + 1 >= args.size() || args[i + 1].empty()) return *why = "--config needs a value", false;
    if (!o->config.empty()) return *why = "--config is given twice", false;
    o->config = args[i + 1];
    std::vector<std::pair<std::string, std::string>> entries;
    if (!read_config(o->config, &entries, why)) return false;
    for (const auto& [key, value] : entries) {
      const Spec* s = Find(key);
      if (!s || key == "resume") return *why = o->config + ": unknown key '" + key + "'", false;
      if (!Set(*s, value, o->config + ": " + key, o, why)) return false;
    }
  }
  bool machine_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config") {
      ++i;
      continue;
    }
    if (a.rfind("--", 0) != 0) return *why = cmd + ": unexpected argument '" + a + "'", false;
    const Spec* s = Find(a.substr(2));
    if (!s) return *why = cmd + ": unknown option '" + a + "'", false;
    // The command line's pool replaces the config file's.
    if (a == "--machine" && !machine_given) o->machines.clear(), machine_given = true;
    if (s->run_only && !run) return *why = "step: " + a + " is an option of run", false;
    if (s->kind == kFlag) {
      if (!Set(*s, "true", a, o, why)) return false;
      continue;
    }
    if (i + 1 >= args.size()) return *why = a + " needs a value", false;
    if (!Set(*s, args[++i], a, o, why)) return false;
  }
  return true;
}

std::string MissingOptions(const Options& o, bool run) {
  if (o.machines.empty()) return "--machine M is required";
  if (!run && o.machines.size() > 1) return "step tests on one machine: give one --machine";
  if (o.max_runs > 0 && o.max_runs < o.runs) return "--max-runs must be at least --runs";
  if (o.lease_seconds < 3 || o.lease_seconds > 86400) return "--lease-seconds is 3 to 86400";
  if (o.revert_check && o.reverse) return "--revert-check finds what reverting a regression does: not with --reverse";
  if (o.revert_check && o.build_bisect) return "--revert-check boots the revert: not with --build-bisect";
  if (run && (o.good.empty() || o.bad.empty())) return "run needs --good COMMIT and --bad COMMIT";
  if (!o.build.empty() && !o.request_dir.empty()) return "--build and --request-dir: give one way to build";
  if (o.build_bisect) {
    if (o.build.empty() && o.request_dir.empty()) return "--build-bisect needs --build CMD or --request-dir DIR";
    return "";  // builds only: no machine is booted
  }
  if (o.power.empty()) return "--power CMD is required (how to power-cycle the machine)";
  if (o.test.empty() && o.console.empty())
    return "a verdict is required: --test CMD, or --console FILE with --pass/--fail";
  if (o.test.empty() && o.pass.empty() && o.fail.empty())
    return "--console needs --pass REGEX and/or --fail REGEX (or --test CMD to judge)";
  if (!o.term_old.empty() && o.term_old == o.term_new) return "--term-old and --term-new must differ";
  return "";
}

Options MachineOptions(const Options& o, const std::string& machine) {
  Options m = o;
  m.machine = machine;
  m.machines = {machine};
  auto fill = [&](std::string* s) {
    std::string out;
    for (size_t i = 0; i < s->size(); ++i) {
      if ((*s)[i] == '%' && i + 1 < s->size() && ((*s)[i + 1] == 'm' || (*s)[i + 1] == '%')) {
        out += (*s)[i + 1] == 'm' ? machine : "%";
        ++i;
      } else {
        out += (*s)[i];
      }
    }
    *s = out;
  };
  for (std::string* s : {&m.power, &m.reboot, &m.console, &m.test}) fill(s);
  return m;
}

}  // namespace kb
