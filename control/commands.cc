#include "control/commands.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/ini.h"
#include "common/names.h"
#include "control/bisection.h"
#include "control/candidates.h"
#include "control/engine.h"
#include "control/format.h"
#include "control/options.h"
#include "control/qmp.h"
#include "control/range.h"
#include "control/server.h"
#include "lib/git.h"
#include "lib/run.h"

namespace kb {

namespace {

constexpr int kDone = 0, kRefused = 1, kUsage = 2, kUnreachable = 3;
constexpr int kStepSkip = 125, kAbort = 128;

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

int Usage(const std::string& why) {
  fprintf(stderr, "kbisect: %s\n", why.c_str());
  return kUsage;
}

void Say(const std::string& s) { fprintf(stderr, "kbisect: %s\n", s.c_str()); }


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

// --- step and run -------------------------------------------------------------------

bool ReadConfig(const std::string& path, std::vector<std::pair<std::string, std::string>>* entries,
                std::string* why) {
  return ReadIni(
      path,
      [&](std::string_view section, std::string_view key, std::string_view value) -> std::string {
        if (!section.empty() && section != "bisect") return "unknown section [" + std::string(section) + "]";
        if (!key.empty()) entries->emplace_back(std::string(key), std::string(value));
        return "";
      },
      why);
}

std::string UtcStamp() {
  time_t t = time(nullptr);
  tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

int CmdStep(const Server& s, const Options& o) {
  Git git;
  std::string why, branch, head;
  if (!git.Discover(".", &why) || !git.Head(&branch, &head, &why)) return Say("step: " + why), kAbort;
  FILE* log = nullptr;
  if (!o.log.empty() && !(log = fopen(o.log.c_str(), "ae"))) return Say("cannot open " + o.log + ": " + strerror(errno)), kAbort;
  InstallStopHandlers();
  ServerCandidates c(s, o, &git, "", log);
  StepResult r = c.Test(head);
  if (log) fclose(log);
  switch (r.verdict) {
    case Verdict::kGood: return 0;
    case Verdict::kBad: return 1;
    case Verdict::kSkip: return kStepSkip;
    case Verdict::kAbort: break;
  }
  return kAbort;
}

// The run's log: the header line that ties it to its range, progress, and one
// "decided <commit> old|new|skip" line per decided commit (what --resume reads).
std::string RangeLine(const std::string& old_sha, const std::string& new_sha, bool reverse) {
  return "range " + old_sha + ".." + new_sha + (reverse ? " reverse" : "");
}

bool ReadResume(const std::string& path, const std::string& range, std::vector<std::pair<std::string, Mark>>* out,
                std::string* why) {
  FILE* f = fopen(path.c_str(), "re");
  if (!f) return *why = "--resume: cannot read " + path + ": " + strerror(errno), false;
  char* line = nullptr;
  size_t cap = 0;
  ssize_t n;
  bool range_seen = false, ok = true;
  int lineno = 0;
  while (ok && (n = getline(&line, &cap, f)) >= 0) {
    ++lineno;
    std::string l(line, size_t(n));
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
    if (l.rfind("range ", 0) == 0) {
      if (l != range) *why = "--resume: " + path + " is the log of another bisection (" + l + ", not " + range + ")", ok = false;
      range_seen = true;
    } else if (l.rfind("decided ", 0) == 0) {
      std::pair<std::string, Mark> d;
      if (!ParseReplayLine(l.substr(8), &d, why)) *why = "--resume: " + path + ":" + std::to_string(lineno) + ": " + *why, ok = false;
      else out->push_back(d);
    }
  }
  free(line);
  fclose(f);
  if (ok && !range_seen) *why = "--resume: " + path + " is not a kbisect run log (no range line)", ok = false;
  return ok;
}

void PrintTable(const std::vector<StepRow>& rows, double total) {
  printf("%-4s %-12s %-58s %7s %-7s %-6s %7s\n", "step", "commit", "image", "boot_s", "verdict", "via", "step_s");
  double sum = 0;
  int n = 0;
  for (const StepRow& r : rows) {
    printf("%-4d %-12.12s %-58s %7s %-7s %-6s %7s\n", ++n, r.commit.c_str(), r.image.c_str(),
           r.boot >= 0 ? Fixed(r.boot).c_str() : "-", VerdictName(r.verdict), r.via.c_str(), Fixed(r.seconds).c_str());
    sum += std::stod(Fixed(r.seconds));
  }
  // The rounded figures add up: what is not in a step is between steps (never < 0).
  const double rest = std::max(0.0, std::stod(Fixed(total)) - sum);
  printf("steps %s s + between steps %s s = total %s s\n", Fixed(sum).c_str(), Fixed(rest).c_str(),
         Fixed(sum + rest).c_str());
}

int CmdRun(const Server& s, const Options& o) {
  Git git;
  std::string why, branch, head;
  if (!git.Discover(".", &why)) return Usage("run: " + why);
  const std::string work_tree = git.WorkDir();
  if (work_tree.empty()) return Usage("run: the repository has no work tree");
  if (!git.Head(&branch, &head, &why)) return Usage("run: " + why);
  {
    std::string err;
    RunCommand({"git", "update-index", "-q", "--refresh"}, work_tree, {}, -1, "", &err, 300);
    if (RunCommand({"git", "diff-index", "--quiet", "HEAD", "--"}, work_tree, {}, -1, "", &err, 300) != 0)
      return Usage("run: the work tree has changes (commit or stash them: each step checks a commit out)");
  }
  std::string good, bad;
  if (!git.Resolve(o.good, &good, &why)) return Usage(why);
  if (!git.Resolve(o.bad, &bad, &why)) return Usage(why);
  // The older end is good (bad when looking for a fix).
  const std::string old_sha = o.reverse ? bad : good, new_sha = o.reverse ? good : bad;
  const char* older = o.reverse ? "bad" : "good";
  const char* newer = o.reverse ? "good" : "bad";
  if (old_sha == new_sha) return Usage(std::string("the ") + older + " and " + newer + " commits are the same");
  if (!git.IsAncestor(old_sha, new_sha))
    return Usage(std::string("the ") + older + " commit " + ShortId(old_sha) + " is not an ancestor of the " + newer +
                 " one " + ShortId(new_sha) + (o.reverse ? "" : " (looking for a fix? --reverse)"));
  CommitGraph graph;
  int new_end = -1;
  if (!LoadRange(git, old_sha, new_sha, &graph, &new_end, &why)) return Usage(why);

  // The server and the machine, before anything is touched.
  {
    std::string image;
    bool unreachable = false;
    if (!s.Call("GET", "list?machine=" + UrlEncode(o.machine) + "&arch=" + UrlEncode(o.arch), "", nullptr, &why,
                &unreachable)) {
      Say(why);
      return kUnreachable;
    }
    std::string line;
    if (!o.build_bisect) {
      if (!s.NewestBoot(o.machine, &line, &why)) return Say(why), kUnreachable;
      if (line.empty())
        return Usage("machine " + o.machine + " has never reported a boot to " + s.Base() +
                     " (check its kbisect.machine, or boot it once)");
    }
  }

  RunOptions ro;
  ro.repeat = o.repeat;
  ro.verify = o.verify;
  ro.check_ends = o.check_ends;
  ro.reverse = o.reverse;
  ro.old_end = old_sha;
  ro.term_old = o.term_old;
  ro.term_new = o.term_new;
  const std::string range = RangeLine(old_sha, new_sha, o.reverse);
  if (!o.resume.empty() && !ReadResume(o.resume, range, &ro.replay, &why)) return Usage(why);

  const std::string log_path = !o.log.empty() ? o.log : "kbisect-" + o.machine + "-" + UtcStamp() + ".log";
  FILE* log = fopen(log_path.c_str(), "ae");
  FILE* steps = log ? fopen((log_path + ".steps").c_str(), "ae") : nullptr;
  FILE* output = steps ? fopen((log_path + ".output").c_str(), "ae") : nullptr;
  if (!output) {
    const std::string err = strerror(errno);
    if (steps) fclose(steps);
    if (log) fclose(log);
    return Usage("cannot open the log " + log_path + " (and its .steps, .output): " + err);
  }
  auto note = [&](const std::string& line) {
    fprintf(log, "%s\n", line.c_str());
    fflush(log);
  };
  note(range);
  // A resumed run's log carries the replayed commits too, so that it can be resumed again.
  if (o.resume != log_path)
    for (const auto& [id, m] : ro.replay) note("decided " + ReplayLine(id, m));
  ro.decided = [&](const std::string& id, Mark m) { note("decided " + ReplayLine(id, m)); };

  InstallStopHandlers();
  Say("bisecting " + ShortId(old_sha) + ".." + ShortId(new_sha) + (o.reverse ? " (looking for the fix)" : "") + " on " +
      (o.build_bisect ? "the builder (does it build?)" : o.machine) + ": " + std::to_string(graph.nodes.size()) +
      " commits; log: " + log_path);
  const double t0 = MonotonicSeconds();
  Bisection b(std::move(graph), new_end);
  ServerCandidates c(s, o, &git, work_tree, steps, log, output);
  RunReport rep = RunBisection(b, c, ro, [&](const std::string& line) {
    Say(line);
    note(line);
  });
  const double total = MonotonicSeconds() - t0;
  const bool stopped = g_stop;
  const int stop_signal = g_stop_signal;
  g_stop = false;  // the clean-up below must run to its end

  // The repository back where it was, however the run ended.
  std::string err;
  int rc = RunCommand({"git", "checkout", "-q", branch.empty() ? head : branch}, work_tree, {}, 2, "", &err, 300);
  if (rc != 0) Say("could not check " + (branch.empty() ? head : branch) + " out again in " + work_tree);
  fclose(steps);
  fclose(output);

  PrintTable(c.Rows(), total);
  const std::string term_new = !o.term_new.empty() ? o.term_new : o.reverse ? "good" : "bad";
  int exit_code = kDone;
  switch (rep.outcome) {
    case RunReport::kFound: {
      CommitInfo info;
      std::string subject = git.Info(rep.culprit, &info, &err) ? info.summary : "";
      printf("first %s commit: %s %s\n", term_new.c_str(), rep.culprit.c_str(), subject.c_str());
      note("first " + term_new + " commit: " + rep.culprit + " " + subject);
      if (o.verify) {
        printf("verified: %s (the culprit is %s, its parent is not)\n", rep.verified.c_str(), term_new.c_str());
        note("verified: " + rep.verified);
        if (rep.verified != "yes") exit_code = kRefused;
      }
      break;
    }
    case RunReport::kOnlySkipped:
      printf("no single culprit: %s\n", rep.why.c_str());
      for (const std::string& id : rep.suspects) printf("  %s\n", id.c_str());
      note("no single culprit: " + rep.why);
      exit_code = kRefused;
      break;
    case RunReport::kEndsWrong:
      printf("the ends are wrong: %s\n", rep.why.c_str());
      note("the ends are wrong: " + rep.why);
      exit_code = kRefused;
      break;
    case RunReport::kAborted: {
      std::string stop;
      if (stopped) stop = std::string(" (stopped by SIG") + sigabbrev_np(stop_signal) + ")";
      Say("the bisection did not end" + stop + ": " + rep.why);
      Say("the repository is back at " + (branch.empty() ? ShortId(head) : branch) + "; to go on: kbisect run ... --resume " +
          log_path);
      note("aborted" + stop + ": " + rep.why);
      exit_code = kAbort;
      break;
    }
  }
  printf("log: %s\n", log_path.c_str());
  fclose(log);
  return exit_code;
}

// server_flag: the global --server (wins over everything); server_env:
// $KBISECT_SERVER (the default when neither --server nor the config names one).
int CmdStepOrRun(const std::string& server_flag, const std::string& server_env, bool run,
                 const std::vector<std::string>& args) {
  Options o;
  std::string why;
  if (!ParseOptions(args, run, ReadConfig, &o, &why)) return Usage(why);
  if (!server_flag.empty()) o.server = server_flag;
  if (o.server.empty()) o.server = server_env;
  if (o.server.empty()) return Usage("no server: give --server URL or set KBISECT_SERVER");
  std::string missing = MissingOptions(o, run);
  if (!missing.empty()) return Usage(missing);
  Server s(o.server);
  return run ? CmdRun(s, o) : CmdStep(s, o);
}

}  // namespace

int Main(int argc, char** argv) {
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
