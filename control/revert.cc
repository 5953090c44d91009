#include "control/revert.h"

#include "control/format.h"

namespace kb {

namespace {

// The jobs: the first machines still in the pool, --runs of them at most.
std::vector<Job> Jobs(Candidates& c, const Options& o, const RunReport& rep, const std::string& sha) {
  std::vector<Job> jobs;
  for (int m = 0; m < c.Machines() && static_cast<int>(jobs.size()) < o.runs; ++m) {
    bool dropped = false;
    for (const std::string& d : rep.dropped) dropped = dropped || d.rfind(c.MachineName(m) + ":", 0) == 0;
    if (!dropped) jobs.push_back({m, sha});
  }
  return jobs;
}

}  // namespace

RevertResult RevertCheck(Git& git, Candidates& c, const Options& o, const std::string& new_end, const RunReport& rep) {
  RevertResult res;
  const std::string& culprit = rep.culprit;
  const std::string head = "revert check: " + ShortId(new_end) + " with " + ShortId(culprit) + " reverted";
  std::string sha, err;
  std::vector<std::string> conflicts;
  if (!git.Revert(new_end, culprit, &sha, &conflicts, &err)) {
    std::string files;
    for (const std::string& f : conflicts) files += (files.empty() ? "" : ", ") + f;
    return res.line = head + (conflicts.empty() ? ": " + err
                                                : ": it does not revert cleanly (a conflict in " + files + "): not checked"),
           res;
  }
  const std::string ref = "refs/kbisect/revert/" + ShortId(culprit);
  if (!git.PushRef(o.revert_remote, sha, ref, &err))
    return res.line = head + ": cannot push it to " + o.revert_remote + " (" + ref + "): " + err, res;
  const std::vector<Job> jobs = Jobs(c, o, rep, sha);
  if (jobs.empty()) return res.line = head + ": no machine left to boot it", res;
  Counts counts;
  std::string why;
  for (const StepResult& x : c.TestAll(jobs)) {
    if (x.verdict == Verdict::kAbort) return res.line = head + " (" + ShortId(sha) + ", " + ref + "): " + x.why, res;
    counts.Add(RanOf(x));
    why = x.why;
  }
  const Terms terms = TermsOf(o.term_old, o.term_new, o.reverse);
  const bool good = counts.pass > 0 && counts.Bad() == 0;
  res.failed = counts.Bad() > 0;
  res.line = head + " (" + ShortId(sha) + ", " + ref + ") is " +
             (good ? terms.old_name : counts.Bad() ? terms.new_name : std::string("undecided")) + " (" +
             counts.Text() + ": " + why + ")" +
             (good ? ": the culprit is what makes it " + terms.new_name
                   : counts.Bad() ? ": reverting the culprit is not enough" : "");
  return res;
}

}  // namespace kb
