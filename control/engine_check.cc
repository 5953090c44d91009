#include <algorithm>
#include <cmath>

#include "control/engine_run.h"
#include "control/format.h"

namespace kb {

bool BisectionRun::CheckCulprit() {
  const std::string culprit = rep_.culprit, parent = c_.FirstParent(culprit);
  if (parent.empty()) return No("the culprit has no parent to test");
  // Fresh runs: the culprit's runs again, the parent's too (to max_runs passes
  // when the regression is intermittent: Decide asks for them).
  const Counts before_c = rep_.counts[culprit], before_p = rep_.counts[parent];
  const Decision dc0 = DecisionOf(culprit), dp0 = DecisionOf(parent);
  auto fresh = [&](const std::string& id, const Counts& before) { return rep_.counts[id].Runs() - before.Runs(); };
  int round = rep_.rounds;
  for (int n = 0; n < max_runs_ * 2 + 2; ++n) {
    std::vector<std::string> jobs;
    int more_c = 0, more_p = 0;
    const bool open_c = DecisionOf(culprit, &more_c) == Decision::kOpen,
               open_p = DecisionOf(parent, &more_p) == Decision::kOpen;
    int want_c = std::max(open_c ? more_c : 0, o_.runs - fresh(culprit, before_c));
    int want_p = std::max(open_p ? more_p : 0, o_.runs - fresh(parent, before_p));
    while ((want_c > 0 || want_p > 0) && jobs.size() < alive_.size()) {
      if (want_c-- > 0) jobs.push_back(culprit);
      if (want_p-- > 0 && jobs.size() < alive_.size()) jobs.push_back(parent);
    }
    if (jobs.empty()) break;
    std::vector<RunRecord> done;
    if (!Round(jobs, ++round, "check", &done)) return false;
  }
  // A culprit whose kernel is its parent's changed nothing that is built: its
  // verdicts and its parent's are of one kernel, which the runs say is flaky.
  const std::string code = c_.KernelCode(culprit);
  const bool known = std::find(same_.begin(), same_.end(), std::make_pair(culprit, parent)) != same_.end();
  if (!known && !code.empty() && code == c_.KernelCode(parent)) {
    same_.emplace_back(culprit, parent);
    rep_.rejected.push_back(culprit + " (its kernel is its parent's: code " + code.substr(0, 12) + ")");
    if (g_.Find(parent) < 0) {
      // The parent is the old end: the regression is not in this range.
      Say("check: " + ShortId(culprit) + " and its parent " + ShortId(parent) +
          " have identical kernels: it cannot be the culprit, and its parent is the " + term_old_ + " end");
      return No("it changes nothing built: its kernel is the " + term_old_ + " end's, which the runs of the two " +
                "then say is " + Word(DecisionOf(parent)) + " (" + CountsOf(parent).Text() + "); the first " +
                term_new_ + " commit is not in this range");
    }
    Say("check: " + ShortId(culprit) + " and its parent " + ShortId(parent) +
        " have identical kernels: it cannot be the culprit; their runs (" + CountsOf(culprit).Text() +
        ") count as one kernel's and the bisection goes on");
    rep_.culprit.clear();
    return false;
  }
  const Decision dc = DecisionOf(culprit), dp = DecisionOf(parent);
  Say("check: " + ShortId(culprit) + " is " + Word(dc) + " (" + CountsOf(culprit).Text() + "), its parent " +
      ShortId(parent) + " is " + Word(dp) + " (" + CountsOf(parent).Text() + ")");
  if (MarkOf(dc) == Mark::kNew && dc != Decision::kOpen && MarkOf(dp) == Mark::kOld && dp != Decision::kOpen)
    return rep_.verified = Verified::kYes, true;
  const std::string why = "the culprit is " + Word(dc) + ", its parent " + Word(dp);
  if (g_.Find(parent) < 0 && MarkOf(dp) != Mark::kOld)
    return No(why + ": the " + term_old_ + " end itself is not " + term_old_);
  if (dc == dc0 && dp == dp0) return No(why);
  Say("the check changed a verdict (" + why + "): the bisection goes on");
  rep_.culprit.clear();
  return false;
}

bool BisectionRun::No(const std::string& why) {
  rep_.verified = Verified::kNo;
  rep_.verified_why = why;
  return true;
}

void BisectionRun::Sureness() {
  // Nothing to weigh when the check already says the answer does not hold.
  if (rep_.outcome != RunReport::kFound || rep_.verified == Verified::kNo) return;
  int runs = 0, minority = 0, shown = 0, with = 0;
  for (const auto& [id, c] : rep_.counts) {
    runs += c.Runs();
    if (c.Flaky()) minority += std::min(c.pass, c.Bad());
    const Decision d = DecisionOf(id);
    if (d == Decision::kOpen || d == Decision::kSkip) continue;
    // The commits with the regression: their failing runs among all their runs.
    if (d == Decision::kBad) shown += c.Bad(), with += c.Runs();
  }
  if (!Intermittent()) {
    rep_.sureness = "every commit's runs agreed (" + std::to_string(runs) + " runs, at least " + std::to_string(o_.runs) +
                    " per commit)";
    return;
  }
  if (o_.rule == FlakyRule::kMajority) {
    rep_.sureness = "flaky runs, verdicts by majority: " + std::to_string(minority) + " of " + std::to_string(runs) +
                    " runs disagreed with their commit's verdict";
    return;
  }
  // The weakest verdict is the passing one of the culprit and its parent (the
  // parent; the culprit itself when looking for a fix): a commit with the
  // regression passes n runs with probability (1 - p)^n.
  const std::string parent = c_.FirstParent(rep_.culprit), passing = o_.reverse ? rep_.culprit : parent;
  auto it = rep_.counts.find(passing);
  const int n = it == rep_.counts.end() ? 0 : it->second.pass;
  const double p = with ? double(shown) / with : 0;
  const double miss = std::pow(1 - p, n);
  rep_.sureness = "the regression is intermittent: it showed in " + std::to_string(shown) + " of " +
                  std::to_string(with) + " runs of the commits that have it (" + Percent(p) + "); " +
                  (o_.reverse ? "the culprit" : "the culprit's parent") + " passed " +
                  std::to_string(n) + (n == 1 ? " run" : " runs") + ", which a commit with it would do " + Percent(miss) +
                  " of the time: the answer is right with about " + Percent(1 - miss) + " confidence";
}

}  // namespace kb
