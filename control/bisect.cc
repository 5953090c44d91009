#include "control/bisect.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "common/ini.h"
#include "common/text.h"
#include "control/bisection.h"
#include "control/candidates.h"
#include "control/cli.h"
#include "control/engine.h"
#include "control/format.h"
#include "control/options.h"
#include "control/range.h"
#include "control/server.h"
#include "lib/git.h"
#include "lib/run.h"

namespace kb {

namespace {

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
  char buf[32];
  return std::string(FormatUtc(time(nullptr), "%Y%m%dT%H%M%SZ", buf));
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

// The run's range from the work tree: the work tree clean, its branch (or head)
// to come back to, the ends resolved and ordered, the commits between them.
struct RunRange {
  std::string work_tree, branch, head, old_sha, new_sha;
  CommitGraph graph;
  int new_end = -1;
};

bool PrepareRange(Git& git, const Options& o, RunRange* r, std::string* why) {
  if (!git.Discover(".", why)) return *why = "run: " + *why, false;
  r->work_tree = git.WorkDir();
  if (r->work_tree.empty()) return *why = "run: the repository has no work tree", false;
  if (!git.Head(&r->branch, &r->head, why)) return *why = "run: " + *why, false;
  std::string err;
  RunCommand({"git", "update-index", "-q", "--refresh"}, r->work_tree, {}, -1, "", &err, 300);
  if (RunCommand({"git", "diff-index", "--quiet", "HEAD", "--"}, r->work_tree, {}, -1, "", &err, 300) != 0)
    return *why = "run: the work tree has changes (commit or stash them: each step checks a commit out)", false;
  std::string good, bad;
  if (!git.Resolve(o.good, &good, why) || !git.Resolve(o.bad, &bad, why)) return false;
  // The older end is good (bad when looking for a fix).
  r->old_sha = o.reverse ? bad : good;
  r->new_sha = o.reverse ? good : bad;
  const std::string older = o.reverse ? "bad" : "good", newer = o.reverse ? "good" : "bad";
  if (r->old_sha == r->new_sha) return *why = "the " + older + " and " + newer + " commits are the same", false;
  if (!git.IsAncestor(r->old_sha, r->new_sha))
    return *why = "the " + older + " commit " + ShortId(r->old_sha) + " is not an ancestor of the " + newer + " one " +
                  ShortId(r->new_sha) + (o.reverse ? "" : " (looking for a fix? --reverse)"),
           false;
  return LoadRange(git, r->old_sha, r->new_sha, &r->graph, &r->new_end, why);
}

// The server answers and the machine has reported a boot, before anything is
// touched: kDone, or the exit code.
int CheckServerAndMachine(const Server& s, const Options& o) {
  std::string why, line;
  bool unreachable = false;
  if (!s.Call("GET", "list?machine=" + UrlEncode(o.machine) + "&arch=" + UrlEncode(o.arch), "", nullptr, &why,
              &unreachable))
    return Say(why), kUnreachable;
  if (o.build_bisect) return kDone;
  if (!s.NewestBoot(o.machine, &line, &why)) return Say(why), kUnreachable;
  if (line.empty())
    return Usage("machine " + o.machine + " has never reported a boot to " + s.Base() +
                 " (check its kbisect.machine, or boot it once: the server takes reports from a machine once it has a default)");
  return kDone;
}

// The run's three files: LOG (kbisect's own lines), LOG.steps, LOG.output; closed
// with the object.
struct RunLogs {
  FILE* log = nullptr;
  FILE* steps = nullptr;
  FILE* output = nullptr;
  bool Open(const std::string& path, std::string* why) {
    if ((log = fopen(path.c_str(), "ae")) && (steps = fopen((path + ".steps").c_str(), "ae")) &&
        (output = fopen((path + ".output").c_str(), "ae")))
      return true;
    return *why = "cannot open the log " + path + " (and its .steps, .output): " + strerror(errno), false;
  }
  void Note(const std::string& line) {
    fprintf(log, "%s\n", line.c_str());
    fflush(log);
  }
  ~RunLogs() {
    for (FILE* f : {log, steps, output})
      if (f) fclose(f);
  }
};

// How the run ended, printed and noted; the exit code.
int Report(const RunReport& rep, const Options& o, Git& git, const RunRange& r, const std::string& log_path,
           bool stopped, int stop_signal, RunLogs& logs) {
  const std::string term_new = !o.term_new.empty() ? o.term_new : o.reverse ? "good" : "bad";
  switch (rep.outcome) {
    case RunReport::kFound: {
      CommitInfo info;
      std::string err, subject = git.Info(rep.culprit, &info, &err) ? info.summary : "";
      printf("first %s commit: %s %s\n", term_new.c_str(), rep.culprit.c_str(), subject.c_str());
      logs.Note("first " + term_new + " commit: " + rep.culprit + " " + subject);
      if (!o.verify) return kDone;
      printf("verified: %s (the culprit is %s, its parent is not)\n", rep.verified.c_str(), term_new.c_str());
      logs.Note("verified: " + rep.verified);
      return rep.verified == "yes" ? kDone : kRefused;
    }
    case RunReport::kOnlySkipped:
      printf("no single culprit: %s\n", rep.why.c_str());
      for (const std::string& id : rep.suspects) printf("  %s\n", id.c_str());
      logs.Note("no single culprit: " + rep.why);
      return kRefused;
    case RunReport::kEndsWrong:
      printf("the ends are wrong: %s\n", rep.why.c_str());
      logs.Note("the ends are wrong: " + rep.why);
      return kRefused;
    case RunReport::kAborted:
      break;
  }
  std::string stop;
  if (stopped) stop = std::string(" (stopped by SIG") + sigabbrev_np(stop_signal) + ")";
  Say("the bisection did not end" + stop + ": " + rep.why);
  Say("the repository is back at " + (r.branch.empty() ? ShortId(r.head) : r.branch) +
      "; to go on: kbisect run ... --resume " + log_path);
  logs.Note("aborted" + stop + ": " + rep.why);
  return kAbort;
}

int CmdRun(const Server& s, const Options& o) {
  Git git;
  RunRange r;
  std::string why;
  if (!PrepareRange(git, o, &r, &why)) return Usage(why);
  if (int rc = CheckServerAndMachine(s, o); rc != kDone) return rc;

  RunOptions ro;
  ro.repeat = o.repeat;
  ro.verify = o.verify;
  ro.check_ends = o.check_ends;
  ro.reverse = o.reverse;
  ro.old_end = r.old_sha;
  ro.term_old = o.term_old;
  ro.term_new = o.term_new;
  const std::string range = RangeLine(r.old_sha, r.new_sha, o.reverse);
  if (!o.resume.empty() && !ReadResume(o.resume, range, &ro.replay, &why)) return Usage(why);

  const std::string log_path = !o.log.empty() ? o.log : "kbisect-" + o.machine + "-" + UtcStamp() + ".log";
  RunLogs logs;
  if (!logs.Open(log_path, &why)) return Usage(why);
  logs.Note(range);
  // A resumed run's log carries the replayed commits too, so that it can be resumed again.
  if (o.resume != log_path)
    for (const auto& [id, m] : ro.replay) logs.Note("decided " + ReplayLine(id, m));
  ro.decided = [&](const std::string& id, Mark m) { logs.Note("decided " + ReplayLine(id, m)); };

  InstallStopHandlers();
  Say("bisecting " + ShortId(r.old_sha) + ".." + ShortId(r.new_sha) + (o.reverse ? " (looking for the fix)" : "") +
      " on " + (o.build_bisect ? "the builder (does it build?)" : o.machine) + ": " +
      std::to_string(r.graph.nodes.size()) + " commits; log: " + log_path);
  const double t0 = MonotonicSeconds();
  Bisection b(std::move(r.graph), r.new_end);
  ServerCandidates c(s, o, &git, r.work_tree, logs.steps, logs.log, logs.output);
  RunReport rep = RunBisection(b, c, ro, [&](const std::string& line) {
    Say(line);
    logs.Note(line);
  });
  const double total = MonotonicSeconds() - t0;
  const bool stopped = g_stop;
  const int stop_signal = g_stop_signal;
  g_stop = false;  // the clean-up below must run to its end

  // The repository back where it was, however the run ended.
  std::string err;
  const std::string back = r.branch.empty() ? r.head : r.branch;
  if (RunCommand({"git", "checkout", "-q", back}, r.work_tree, {}, 2, "", &err, 300) != 0)
    Say("could not check " + back + " out again in " + r.work_tree);
  fclose(logs.steps);
  fclose(logs.output);
  logs.steps = logs.output = nullptr;

  PrintTable(c.Rows(), total);
  const int exit_code = Report(rep, o, git, r, log_path, stopped, stop_signal, logs);
  printf("log: %s\n", log_path.c_str());
  return exit_code;
}

}  // namespace

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

}  // namespace kb
