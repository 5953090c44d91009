#include "control/bisect.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <set>
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
#include "control/machine.h"
#include "control/options.h"
#include "control/range.h"
#include "control/lab.h"
#include "control/leases.h"
#include "control/report.h"
#include "control/revert.h"
#include "control/run_log.h"
#include "control/server.h"
#include "common/fd.h"
#include "common/fileio.h"
#include "lib/git.h"
#include "lib/mail.h"
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
  const Terms ends = TermsOf("", "", o.reverse);
  const std::string &older = ends.old_name, &newer = ends.new_name;
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
  for (const std::string& m : o.machines) {
    if (!s.NewestBoot(m, &line, &why)) return Say(why), kUnreachable;
    if (line.empty())
      return Usage("machine " + m + " has never reported a boot to " + s.Base() +
                   " (check its kbisect.machine, or boot it once: the server takes reports from a machine once it has a default)");
  }
  return kDone;
}

// How the run ended, printed and noted (EndingOf's lines); the exit code.
int Report(const Ending& e, RunLogs& logs) {
  for (const Ending::Line& l : e.lines) {
    if (l.to == Ending::kShown || l.to == Ending::kListed) printf("%s\n", l.text.c_str());
    if (l.to == Ending::kSaid) Say(l.text);
    if (l.to == Ending::kShown || l.to == Ending::kNoted) logs.Note(l.text);
  }
  return e.exit_code;
}

// The engine's options from the command's.
RunOptions RunOptionsOf(const Options& o, const std::string& old_end) {
  RunOptions ro;
  ro.runs = o.runs;
  ro.max_runs = o.max_runs;
  ro.rule = o.flaky_majority ? FlakyRule::kMajority : FlakyRule::kAnyFailure;
  // The culprit's check costs a pool one round: on by default there.
  ro.verify = o.verify_set ? o.verify : o.machines.size() > 1;
  ro.check_ends = o.check_ends;
  ro.reverse = o.reverse;
  ro.old_end = old_end;
  ro.term_old = o.term_old;
  ro.term_new = o.term_new;
  return ro;
}

// "m1, m2", or what a build bisection runs on.
std::string Where(const Options& o) {
  if (o.build_bisect) return "the builder (does it build?)";
  std::string all;
  for (const std::string& m : o.machines) all += (all.empty() ? "" : ", ") + m;
  return all;
}

// The repository back at its branch (or head), however the run ended.
void RestoreTree(const RunRange& r) {
  std::string err;
  const std::string back = r.branch.empty() ? r.head : r.branch;
  if (RunCommand({"git", "checkout", "-q", back}, r.work_tree, {}, 2, "", &err, 300) != 0)
    Say("could not check " + back + " out again in " + r.work_tree);
}

// The report's facts (ending and revert are the caller's to add).
ReportInput ReportInputOf(Git& git, const Options& o, const RunRange& r, int commits, const RunReport& rep,
                          const std::vector<StepRow>& rows, double total, const std::string& log_path) {
  ReportInput ri;
  if (rep.outcome == RunReport::kFound) {
    std::string err;
    if (!git.Info(rep.culprit, &ri.culprit, &err)) ri.culprit = CommitInfo{rep.culprit, "", 0, ""};
  }
  ri.old_sha = r.old_sha;
  ri.new_sha = r.new_sha;
  const Terms terms = TermsOf(o.term_old, o.term_new, o.reverse);
  ri.term_old = terms.old_name;
  ri.term_new = terms.new_name;
  ri.commits = commits;
  ri.machines = o.machines;
  ri.run = &rep;
  ri.rows = rows;
  ri.total = total;
  ri.log = log_path;
  return ri;
}

// The report for people: a page (--report) and a mail (--mail).
void Publish(const ReportInput& ri, const Options& o) {
  std::string err;
  if (!o.report.empty()) {
    if (WriteFileAtomic(o.report, ReportHtml(ri), &err)) printf("report: %s\n", o.report.c_str());
    else Say("cannot write the report " + o.report + ": " + err);
  }
  if (!o.mail.empty()) {
    if (SendMail(o.sendmail, Mail{o.mail, "", ReportSubject(ri), ReportText(ri), "kbisect"}, &err))
      printf("mailed: %s\n", o.mail.c_str());
    else
      Say("cannot mail the report to " + o.mail + ": " + err);
  }
}

// --power-off-at-end: each machine of the run, said and logged.
void PowerOffAtEnd(const Options& o, RunLogs& logs) {
  for (const std::string& m : o.machines) {
    std::string why;
    const std::string line = PowerOffMachine(MachineOptions(o, m), &why) ? "machine " + m + ": powered off"
                                                                          : "machine " + m + ": cannot power it off: " + why;
    Say(line);
    logs.Note(line);
  }
}

int CmdRun(Server& s, const Options& o) {
  Git git;
  RunRange r;
  std::string why;
  if (!PrepareRange(git, o, &r, &why)) return Usage(why);
  if (int rc = CheckServerAndMachine(s, o); rc != kDone) return rc;

  RunOptions ro = RunOptionsOf(o, r.old_sha);
  const std::string range = RangeLine(r.old_sha, r.new_sha, o.reverse);
  if (!o.resume.empty() && !ReadResume(o.resume, range, o.reverse, &ro.replay, &why)) return Usage(why);

  const std::string log_path = !o.log.empty() ? o.log : "kbisect-" + o.machine + "-" + UtcStamp() + ".log";
  // The machines are this run's until it ends: another client's once or default
  // for them is refused meanwhile (and ours would be, were they another's).
  InstallStopHandlers();  // before the leases: a stop from here on releases them
  PoolLeases leases(s, static_cast<int>(o.lease_seconds));
  if (!o.build_bisect &&
      !leases.Take(o.machines, "kbisect run " + ShortId(r.old_sha) + ".." + ShortId(r.new_sha) + " (" + log_path + ")",
                   &why))
    return Say(why + " (the bisection needs the machine to itself)"), kRefused;
  RunLogs logs;
  if (!logs.Open(log_path, &why)) return Usage(why);
  logs.Note(range);
  // A resumed run's log carries the replayed runs too, so that it can be resumed again.
  if (o.resume != log_path)
    for (const auto& [id, ran] : ro.replay) logs.Note("ran " + ReplayLine(id, ran));
  ro.ran = [&](const std::string& id, Ran ran) { logs.Note("ran " + ReplayLine(id, ran)); };

  Say("bisecting " + ShortId(r.old_sha) + ".." + ShortId(r.new_sha) + (o.reverse ? " (looking for the fix)" : "") +
      " on " + Where(o) + ": " + std::to_string(r.graph.nodes.size()) + " commits; log: " + log_path);
  const double t0 = MonotonicSeconds();
  Bisection b(std::move(r.graph), r.new_end);
  // A console kbisect captures itself goes beside the run's log (LOG.M.console).
  Options with_log = o;
  with_log.log = log_path;
  ServerCandidates c(s, with_log, &git, r.work_tree, logs.steps, logs.log, logs.output);
  RunReport rep = RunBisection(b, c, ro, [&](const std::string& line) {
    Say(line);
    logs.Note(line);
  });
  RevertResult revert;
  if (o.revert_check && rep.outcome == RunReport::kFound && !g_stop) {
    revert = RevertCheck(git, c, o, r.new_sha, rep);
    Say(revert.line);
    logs.Note(revert.line);
  }
  const double total = MonotonicSeconds() - t0;
  const bool stopped = g_stop;
  const int stop_signal = g_stop_signal;
  g_stop = false;  // the clean-up below must run to its end

  RestoreTree(r);
  if (o.power_off_at_end && !o.build_bisect) PowerOffAtEnd(o, logs);
  fclose(logs.steps);
  fclose(logs.output);
  logs.steps = logs.output = nullptr;

  printf("%s", StepTable(c.Rows(), total, o.machines.size() > 1).c_str());
  ReportInput ri = ReportInputOf(git, o, r, static_cast<int>(b.Graph().nodes.size()), rep, c.Rows(), total, log_path);
  const Ending e = EndingOf({&rep, TermsOf(o.term_old, o.term_new, o.reverse), ro.verify, o.machines.size(),
                             ri.culprit.summary, stopped ? sigabbrev_np(stop_signal) : "",
                             r.branch.empty() ? ShortId(r.head) : r.branch, log_path});
  int exit_code = Report(e, logs);
  if (!revert.line.empty()) {
    printf("%s\n", revert.line.c_str());
    if (revert.failed && exit_code == kDone) exit_code = kRefused;
  }
  ri.revert = revert.line;
  printf("log: %s\n", log_path.c_str());

  // The report for people: a page and a mail, however the run ended.
  ri.ending = e.summary;
  Publish(ri, o);
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
  // The lab's profiles of the machines: --lab, else $KBISECT_LAB, else the
  // default file when there is one.
  Lab lab;
  bool lab_given = false;
  if (!LoadLab(o.lab, &lab, &lab_given, &why) || !ApplyLab(lab, lab_given, &o, &why))
    return Usage(why);
  if (o.server.empty()) return Usage("no server: give --server URL or set KBISECT_SERVER");
  std::string missing = MissingOptions(o, run);
  for (size_t i = 0; missing.empty() && !o.build_bisect && i < o.machines.size(); ++i)
    missing = CheckMachineOptions(MachineOptions(o, o.machines[i]));
  if (!missing.empty()) return Usage(missing);
  Server s(o.server);
  return run ? CmdRun(s, o) : CmdStep(s, o);
}

}  // namespace kb
