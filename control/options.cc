#include "control/options.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/arch.h"
#include "common/names.h"

namespace kb {

namespace {

enum Kind { kText, kList, kFlag, kSeconds, kCount, kCustom };
enum Scope { kStepAndRun, kRunOnly };
// Row flags.
constexpr unsigned kPerMachine = 1;  // %m is the machine's name (MachineOptions)
constexpr unsigned kZeroOff = 2;     // seconds: 0 turns it off
constexpr unsigned kNotInIni = 4;    // only on the command line

// A value the row's kind cannot hold generically: set by hand, false with why.
using Setter = bool (*)(const std::string& value, const std::string& where, Options* o, std::string* why);

// One option: everything about it is here, and nowhere else. The help text is
// `meta` beside --name, then `help`'s words wrapped to 80 columns.
struct Row {
  const char* name;
  const char* meta;
  Kind kind;
  Scope scope;
  const char* help;
  unsigned flags = 0;
  std::string Options::*text = nullptr;
  bool Options::*flag = nullptr;
  double Options::*seconds = nullptr;
  int Options::*count = nullptr;
  Setter set = nullptr;
};

bool SetMachine(const std::string& value, const std::string& where, Options* o, std::string* why) {
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

bool SetArch(const std::string& value, const std::string& where, Options* o, std::string* why) {
  // One the builder builds (common/arches.def): a typo would otherwise find no
  // image and wait for builds that publish none.
  if (!FindArch(value)) return *why = where + " is one of " + std::string(ArchNames()) + ", not '" + value + "'", false;
  o->arch = value;
  o->arch_given = true;
  return true;
}

bool SetFlaky(const std::string& value, const std::string& where, Options* o, std::string* why) {
  if (value != "any" && value != "majority") return *why = where + " is any or majority, not '" + value + "'", false;
  o->flaky_majority = value == "majority";
  return true;
}

bool SetOnHang(const std::string& value, const std::string& where, Options* o, std::string* why) {
  if (value != "bad" && value != "skip") return *why = where + " is bad or skip, not '" + value + "'", false;
  o->hang_is_skip = value == "skip";
  return true;
}

bool ParseBool(const std::string& v, bool* out) {
  if (v == "true" || v == "yes" || v == "1" || v == "on") return *out = true, true;
  if (v == "false" || v == "no" || v == "0" || v == "off") return *out = false, true;
  return false;
}

bool SetVerify(const std::string& value, const std::string& where, Options* o, std::string* why) {
  if (!ParseBool(value, &o->verify)) return *why = where + " is true or false, not '" + value + "'", false;
  return o->verify_set = true;
}

bool SetNoVerify(const std::string& value, const std::string& where, Options* o, std::string* why) {
  if (!SetVerify(value, where, o, why)) return false;
  o->verify = !o->verify;
  return true;
}

// --repeat N: --runs N --max-runs N, good only if N runs pass; a failure ends it.
bool SetRepeat(const std::string& value, const std::string& where, Options* o, std::string* why);

const Row kRows[] = {
    // One candidate (step and run).
    {"server", "URL", kText, kStepAndRun, "the kbisect server (else $KBISECT_SERVER)", 0, &Options::server},
    {"machine", "M", kCustom, kStepAndRun,
     "the test machine (its kbisect.machine name); run: a\npool, --machine a,b,c or --machine repeated (step: the\nfirst)",
     0, nullptr, nullptr, nullptr, nullptr, SetMachine},
    {"lab", "FILE|URL", kText, kStepAndRun,
     "the lab's machine profiles (else $KBISECT_LAB, else /etc/kbisect/lab.ini when it exists): a section a "
     "machine with its power, console, ... (doc/engineer.md)",
     0, &Options::lab},
    {"pool", "TAG", kText, kRunOnly, "or: the lab file's machines with this tag", 0, &Options::pool},
    {"power", "POWER", kText, kStepAndRun,
     "its power switch: ipmi://USER@HOST, redfish://USER@HOST/redfish/v1/Systems/ID, qmp:SOCKET, or a command that power-cycles it; "
     "the forms are listed below. %m in --power, --reboot,\n--console and --test is the machine's name\n"
     "(e.g. 'ipmitool -H %m-bmc ...'), %% a %",
     kPerMachine, &Options::power},
    {"power-secret", "FILE", kText, kStepAndRun,
     "the password of --power's BMC or PDU, in a file that only its owner may read (chmod 600)", kPerMachine,
     &Options::power_secret},
    {"power-ca", "FILE", kText, kStepAndRun,
     "the certificate of --power's https BMC, or of its CA (else the system's CAs)", kPerMachine, &Options::power_ca},
    {"test", "CMD", kText, kStepAndRun,
     "the verdict: exit 0 good, 125 skip, else bad; run here\nwith KBISECT_MACHINE, KBISECT_IMAGE, KBISECT_COMMIT,\n"
     "KBISECT_CONSOLE, KBISECT_CONSOLE_OFFSET set",
     kPerMachine, &Options::test},
    {"console", "CONSOLE", kText, kStepAndRun, "or: the machine's console (forms below), judged by", kPerMachine,
     &Options::console},
    {"pass", "REGEX", kText, kStepAndRun, "a line that passes the candidate", 0, &Options::pass},
    {"fail", "REGEX", kText, kStepAndRun, "a line that fails it (a panic, Oops, BUG or GPF fails it\ntoo)", 0,
     &Options::fail},
    {"ignore", "REGEX", kList, kStepAndRun, "console lines that never fail it (repeatable)"},
    {"fail-on-call-trace", "", kFlag, kStepAndRun, "a WARN's \"Call Trace:\" fails it too", 0, nullptr,
     &Options::fail_on_call_trace},
    {"on-hang", "bad|skip", kCustom, kStepAndRun, "what a hang is (bad)", 0, nullptr, nullptr, nullptr, nullptr,
     SetOnHang},
    {"arch", "A", kCustom, kStepAndRun, "the images' arch (x86_64)", 0, nullptr, nullptr, nullptr, nullptr, SetArch},
    {"build", "CMD", kText, kStepAndRun,
     "builds a commit without an image (KBISECT_COMMIT); exit\n1: the commit does not build (skipped), other failures\nabort",
     0, &Options::build},
    {"request-dir", "DIR", kText, kStepAndRun,
     "or: asks the builder with a request file in DIR (without\neither: POST request to the server's builder)", 0,
     &Options::request_dir},
    {"build-bisect", "", kFlag, kStepAndRun, "a commit that does not build is the regression (no\nboots)", 0, nullptr,
     &Options::build_bisect},
    {"boot-timeout", "S", kSeconds, kStepAndRun, "the candidate's verdict on the console (300), else a\nhang", 0,
     nullptr, nullptr, &Options::boot_timeout},
    {"silence-timeout", "S", kSeconds, kStepAndRun, "no console output for S seconds is a hang (0: off)", kZeroOff,
     nullptr, nullptr, &Options::silence_timeout},
    {"report-timeout", "S", kSeconds, kStepAndRun, "power cycle to the stage-1's boot report (300), else\nabort", 0,
     nullptr, nullptr, &Options::report_timeout},
    {"test-timeout", "S", kSeconds, kStepAndRun, "the --test command (600), else a hang", 0, nullptr, nullptr,
     &Options::test_timeout},
    {"build-timeout", "S", kSeconds, kStepAndRun, "a build (1800)", 0, nullptr, nullptr, &Options::build_timeout},
    {"power-timeout", "S", kSeconds, kStepAndRun, "each call of the power switch (120)", 0, nullptr, nullptr,
     &Options::power_timeout},
    {"reboot", "CMD", kText, kStepAndRun,
     "leaves a candidate without the firmware (e.g. 'ssh root@M\nkbisect-reboot'); tried first, --power when it fails",
     kPerMachine, &Options::reboot},
    {"reboot-timeout", "S", kSeconds, kStepAndRun, "the reboot command and its boot report (120), then\n--power", 0,
     nullptr, nullptr, &Options::reboot_timeout},
    {"log", "FILE", kText, kStepAndRun, "the run's log (run: kbisect-M-<time>.log)", 0, &Options::log},
    // The whole bisection (run).
    {"good", "G", kText, kRunOnly, "the older end (with --reverse: the newer one)", 0, &Options::good},
    {"bad", "B", kText, kRunOnly,
     "the newer end (with --reverse: the older one, and the answer\nis the first good commit)", 0, &Options::bad},
    {"reverse", "", kFlag, kRunOnly, "find the commit that fixed it", 0, nullptr, &Options::reverse},
    {"term-old", "T", kText, kRunOnly, "a name for the older state (default good)", 0, &Options::term_old},
    {"term-new", "T", kText, kRunOnly, "a name for the newer state (default bad)", 0, &Options::term_new},
    {"check-ends", "", kFlag, kRunOnly, "test both ends first; a wrong end stops the run", 0, nullptr,
     &Options::check_ends},
    {"runs", "N", kCount, kRunOnly, "boots per commit (1), spread over the pool's machines", 0, nullptr, nullptr,
     nullptr, &Options::runs},
    {"max-runs", "N", kCount, kRunOnly, "a flaky commit (its runs disagree) is run up to N times\n(3 x runs)", 0,
     nullptr, nullptr, nullptr, &Options::max_runs},
    {"flaky", "any|majority", kCustom, kRunOnly,
     "a flaky commit's verdict: any failure makes it bad, and\nonce one commit was flaky a good one needs N passes\n"
     "(any: for a regression that shows only sometimes), or\nthe majority of its runs (for a test that also fails\n"
     "without the regression)",
     0, nullptr, nullptr, nullptr, nullptr, SetFlaky},
    {"repeat", "N", kCustom, kRunOnly, "--runs N --max-runs N: good only if N runs pass", 0, nullptr, nullptr, nullptr,
     nullptr, SetRepeat},
    {"verify", "", kFlag, kRunOnly,
     "test the culprit and its parent again at the end (on by\ndefault with a pool of two or more machines)", 0,
     nullptr, nullptr, nullptr, nullptr, SetVerify},
    {"no-verify", "", kFlag, kRunOnly, "not even with a pool", 0, nullptr, nullptr, nullptr, nullptr, SetNoVerify},
    {"resume", "LOG", kText, kRunOnly, "replay the runs of a stopped run, then go on", kNotInIni, &Options::resume},
    {"lease-seconds", "S", kSeconds, kRunOnly,
     "the machines are leased on the server while the run\nlasts (another client's once/default is refused), for\n"
     "S seconds, renewed at a third of it (900)",
     0, nullptr, nullptr, &Options::lease_seconds},
    {"power-off-at-end", "", kFlag, kRunOnly,
     "power the machines off when the run ends, however it ends (not when their lease was refused: they are another's)",
     0, nullptr, &Options::power_off_at_end},
    {"revert-check", "", kFlag, kRunOnly,
     "then build and boot the bad end with the culprit reverted\n(a commit of kbisect's, pushed as "
     "refs/kbisect/revert/C to\nthe --revert-remote, where the builder reads commits)",
     0, nullptr, &Options::revert_check},
    {"revert-remote", "R", kText, kRunOnly, "where --revert-check pushes (origin)", 0, &Options::revert_remote},
    {"report", "FILE.html", kText, kRunOnly, "write the run's report as a web page, however it ends", 0,
     &Options::report},
    {"mail", "TO", kText, kRunOnly, "mail the report's summary (sendmail -t) when it ends or\naborts", 0,
     &Options::mail},
    {"sendmail", "PROG", kText, kRunOnly, "the sendmail program for --mail (sendmail)", 0, &Options::sendmail},
    {"config", "FILE", kText, kRunOnly, "an INI file with these options as keys (without --);\nthe command line wins",
     kNotInIni, &Options::config},
};

bool SetRepeat(const std::string& value, const std::string& where, Options* o, std::string* why) {
  char* end = nullptr;
  long v = strtol(value.c_str(), &end, 10);
  if (value.empty() || *end || v < 1 || v > 99) return *why = where + " is a number from 1 to 99, not '" + value + "'", false;
  o->runs = o->max_runs = int(v);
  return true;
}

const Row* Find(const std::string& name) {
  for (const Row& r : kRows)
    if (name == r.name) return &r;
  return nullptr;
}

bool SetSeconds(const Row& r, const std::string& value, const std::string& where, Options* o, std::string* why) {
  char* end = nullptr;
  errno = 0;
  double v = strtod(value.c_str(), &end);
  const bool zero_ok = r.flags & kZeroOff;
  if (value.empty() || *end || errno || !std::isfinite(v) || v < 0 || (v == 0 && !zero_ok) || v > 86400 * 7)
    return *why = where + " is seconds (" + (zero_ok ? "0 to turn it off, " : "more than 0, ") +
                  "at most a week), not '" + value + "'",
           false;
  o->*r.seconds = v;
  return true;
}

// Sets one option; where: "--name" or "FILE: name" for messages.
bool Set(const Row& r, const std::string& value, const std::string& where, Options* o, std::string* why) {
  switch (r.kind) {
    case kFlag: {
      if (r.set) return r.set(value, where, o, why);
      if (!ParseBool(value, &(o->*r.flag))) return *why = where + " is true or false, not '" + value + "'", false;
      return true;
    }
    case kSeconds: return SetSeconds(r, value, where, o, why);
    case kCount: {
      char* end = nullptr;
      long v = strtol(value.c_str(), &end, 10);
      if (value.empty() || *end || v < 1 || v > 99)
        return *why = where + " is a number from 1 to 99, not '" + value + "'", false;
      o->*r.count = int(v);
      return true;
    }
    default: break;
  }
  if (value.empty()) return *why = where + " needs a value", false;
  if (r.kind == kList) return o->ignore.push_back(value), true;
  if (r.kind == kCustom) return r.set(value, where, o, why);
  o->*r.text = value;
  return true;
}

std::string Help() {
  std::string out;
  for (const Row& r : kRows) {
    if (&r == &kRows[0]) out += "One candidate (step and run):\n";
    if (r.scope == kRunOnly && (&r == &kRows[0] || (&r)[-1].scope != kRunOnly)) out += "The whole bisection (run):\n";
    std::string head = std::string("  --") + r.name + (*r.meta ? std::string(" ") + r.meta : "");
    head.resize(std::max(head.size() + 1, size_t(25)), ' ');
    // The help's words, wrapped to 80 columns beside the option's column.
    std::string line = head;
    bool first = true;
    for (const char* p = r.help; *p;) {
      while (*p == ' ' || *p == '\n') ++p;
      const char* e = p;
      while (*e && *e != ' ' && *e != '\n') ++e;
      if (e == p) break;
      const std::string word(p, e);
      if (!first && line.size() + 1 + word.size() > 80) {
        out += line + "\n";
        line = std::string(25, ' ');
        first = true;
      }
      line += (first ? "" : " ") + word;
      first = false;
      p = e;
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

bool IsMachineOption(const std::string& key) {
  const Row* r = Find(key);
  return r && (r->flags & kPerMachine);
}

const char* MachineOptionNames() {
  static const std::string names = [] {
    std::string out;
    for (const Row& r : kRows)
      if (r.flags & kPerMachine) out += (out.empty() ? "" : ", ") + std::string(r.name);
    return out;
  }();
  return names.c_str();
}

const std::string& OptionsHelp() {
  static const std::string help = Help();
  return help;
}

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
      const Row* s = Find(key);
      if (!s || (s->flags & kNotInIni)) return *why = o->config + ": unknown key '" + key + "'", false;
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
    const Row* s = Find(a.substr(2));
    if (!s) return *why = cmd + ": unknown option '" + a + "'", false;
    // The command line's pool replaces the config file's.
    if (a == "--machine" && !machine_given) o->machines.clear(), machine_given = true;
    if (s->scope == kRunOnly && !run) return *why = "step: " + a + " is an option of run", false;
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
  if (o.machines.empty()) return "--machine M (or --pool TAG) is required";
  if (!run && o.machines.size() > 1) return "step tests on one machine: give one --machine";
  if (o.max_runs > 0 && o.max_runs < o.runs) return "--max-runs must be at least --runs";
  if (o.lease_seconds < 3 || o.lease_seconds > 86400) return "--lease-seconds is 3 to 86400";
  if (o.revert_check && o.reverse) return "--revert-check finds what reverting a regression does: not with --reverse";
  if (o.revert_check && o.build_bisect) return "--revert-check boots the revert: not with --build-bisect";
  if (run && (o.good.empty() || o.bad.empty())) return "run needs --good COMMIT and --bad COMMIT";
  if (!o.build.empty() && !o.request_dir.empty()) return "--build and --request-dir: give one way to build";
  if (o.build_bisect) return "";  // builds only (--build, --request-dir or the server's builder): nothing boots
  if (!o.term_old.empty() && o.term_old == o.term_new) return "--term-old and --term-new must differ";
  // Each machine's own (its lab profile fills what the options do not say).
  for (const std::string& name : o.machines) {
    const Options m = MachineOptions(o, name);
    const std::string of = o.profiles.empty() ? "" : " for machine " + name + " (not in its lab profile either)";
    if (m.power.empty()) return "--power CMD is required (how to power-cycle the machine)" + of;
    if (m.test.empty() && m.console.empty())
      return "a verdict is required: --test CMD, or --console FILE with --pass/--fail" + of;
    if (m.test.empty() && m.pass.empty() && m.fail.empty())
      return "--console needs --pass REGEX and/or --fail REGEX (or --test CMD to judge)";
  }
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
  // The machine's lab profile fills what is not said.
  if (auto p = o.profiles.find(machine); p != o.profiles.end())
    for (const auto& [key, value] : p->second)
      if (const Row* r = Find(key); r && (r->flags & kPerMachine) && (m.*r->text).empty()) m.*r->text = value;
  for (const Row& r : kRows)
    if (r.flags & kPerMachine) fill(&(m.*r.text));
  return m;
}

}  // namespace kb
