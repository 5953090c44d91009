#include "control/engine.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "control/engine_run.h"
#include "control/format.h"

namespace kb {

RunReport BisectionRun::Go() {
  if (!b_.Error().empty()) return rep_.why = b_.Error(), rep_;
  if (o_.runs < 1) return rep_.why = "runs must be at least 1", rep_;
  if (max_runs_ < o_.runs) return rep_.why = "max-runs must be at least runs", rep_;
  if (alive_.empty()) return rep_.why = "no machine to test on", rep_;
  if (!Replay() || (o_.check_ends && !CheckEnds())) return rep_;
  for (int checks = 0; checks < 8; ++checks) {
    if (!Bisect()) return rep_;
    if (!o_.verify || CheckCulprit()) break;
    if (rep_.outcome == RunReport::kAborted) return rep_;
  }
  if (rep_.culprit.empty())
    return Abort("the culprit's check changed the answer 8 times: the runs do not settle (more --max-runs?)"), rep_;
  Sureness();
  return rep_;
}

bool BisectionRun::Replay() {
  for (const auto& [id, ran] : o_.replay) {
    if (g_.Find(id) < 0 && id != o_.old_end)
      return rep_.why = "resume: commit " + id + " is not in the range", false;
    rep_.counts[id].Add(ran);
  }
  if (!o_.replay.empty())
    Say("resumed: " + std::to_string(o_.replay.size()) + " runs of " + std::to_string(rep_.counts.size()) +
        " commits replayed");
  return true;
}

bool BisectionRun::Round(const std::vector<std::string>& commits, int round, const std::string& phase,
           std::vector<RunRecord>* done) {
  std::vector<Job> jobs;
  for (size_t i = 0; i < commits.size() && i < alive_.size(); ++i) jobs.push_back({alive_[i], commits[i]});
  const double t0 = c_.Now();
  std::vector<StepResult> results = c_.TestAll(jobs);
  const double seconds = c_.Now() - t0;
  if (results.size() != jobs.size()) return Abort("internal: the pool answered " + std::to_string(results.size()) +
                                                  " results for " + std::to_string(jobs.size()) + " boots");
  std::string aborted;
  std::set<int> gone;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const StepResult& r = results[i];
    const std::string name = c_.MachineName(jobs[i].machine);
    if (r.verdict == Verdict::kAbort && r.machine_fault) {
      gone.insert(jobs[i].machine);
      rep_.dropped.push_back(name + ": " + r.why);
      Say("machine " + name + " is taken out of the pool: " + r.why);
      continue;
    }
    if (r.verdict == Verdict::kAbort) {
      if (aborted.empty() && !r.why.empty()) aborted = ShortId(jobs[i].commit) + " on " + name + ": " + r.why;
      continue;
    }
    const Ran ran = RanOf(r);
    rep_.counts[jobs[i].commit].Add(ran);
    if (o_.ran) o_.ran(jobs[i].commit, ran);
    RunRecord rec{round, phase, jobs[i].commit, name, r, seconds};
    rep_.runs.push_back(rec);
    if (done) done->push_back(rec);
  }
  std::erase_if(alive_, [&](int m) { return gone.count(m) > 0; });
  if (!aborted.empty()) return Abort(aborted);
  if (alive_.empty())
    return Abort("no machine is left in the pool (" + std::to_string(rep_.dropped.size()) + " taken out)");
  return true;
}

bool BisectionRun::Abort(const std::string& why) {
  rep_.outcome = RunReport::kAborted;
  rep_.why = why;
  rep_.left = b_.Open();
  return false;
}

bool BisectionRun::Settle(const std::vector<std::string>& ids, const std::string& phase, int* round) {
  const int bound = max_runs_ * static_cast<int>(ids.size()) + 2;
  for (int n = 0; n < bound; ++n) {
    std::vector<std::string> jobs;
    // Each commit its runs, interleaved so that two commits go to two machines.
    for (size_t added = 1; added && jobs.size() < alive_.size();) {
      added = 0;
      for (const std::string& id : ids) {
        int more = 0;
        if (DecisionOf(id, &more) != Decision::kOpen) continue;
        const int queued = static_cast<int>(std::count(jobs.begin(), jobs.end(), id));
        if (queued < more && jobs.size() < alive_.size()) jobs.push_back(id), ++added;
      }
    }
    if (jobs.empty()) return true;
    std::vector<RunRecord> done;
    if (!Round(jobs, ++*round, phase, &done)) return false;
    std::string line;
    for (const RunRecord& r : done)
      line += (line.empty() ? "" : ", ") + ShortId(r.commit) + " " + RanName(RanOf(r.result)) +
              (alive_.size() + rep_.dropped.size() > 1 ? " on " + r.machine : "") + " (" + r.result.why + ")";
    Say(phase + ": " + line);
  }
  return Abort("internal: the " + phase + " did not settle");
}

bool BisectionRun::CheckEnds() {
  std::vector<std::string> ids = {g_.nodes[b_.NewEnd()].id};
  if (!o_.old_end.empty()) ids.push_back(o_.old_end);
  int round = 0;
  // A pool checks both ends at once; one machine the new end first, and a wrong
  // one stops the run before the old end boots.
  if (alive_.size() > 1 && !Settle(ids, "check", &round)) return false;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (alive_.size() == 1 && !Settle({ids[i]}, "check", &round)) return false;
    const Mark want = i == 0 ? Mark::kNew : Mark::kOld;
    const Decision d = DecisionOf(ids[i]);
    std::string what = CountsOf(ids[i]).Text();
    for (auto r = rep_.runs.rbegin(); r != rep_.runs.rend(); ++r)
      if (r->commit == ids[i]) {
        what += ": " + r->result.why;
        break;
      }
    Say("check: " + ShortId(ids[i]) + " is " + Word(d) + " (" + what + ")");
    if (MarkOf(d) != want || d == Decision::kOpen) {
      rep_.outcome = RunReport::kEndsWrong;
      rep_.why = "the " + Term(want) + " end " + ShortId(ids[i]) + " is " + Word(d) + " (" + what + ")";
      return false;
    }
  }
  return true;
}

bool BisectionRun::Record(int* old_one, int* new_one) {
  b_.Reset();
  std::vector<int> olds, skips, news;
  for (const auto& [id, counts] : rep_.counts) {
    const int i = g_.Find(id);
    if (i < 0) continue;
    const Decision d = DecisionOf(id);
    if (d == Decision::kOpen) continue;
    const Mark m = MarkOf(d);
    (m == Mark::kOld ? olds : m == Mark::kNew ? news : skips).push_back(i);
  }
  std::string ignored;
  for (int i : olds) b_.Record(i, Mark::kOld, &ignored);  // refused: an older old one decides it already
  for (int i : skips) b_.Record(i, Mark::kSkip, &ignored);
  std::sort(news.begin(), news.end(), [&](int a, int z) { return b_.Size(a) < b_.Size(z); });
  for (int i : news) {
    if (i == b_.NewEnd() || b_.InRange(i)) {
      b_.Record(i, Mark::kNew, &ignored);
      continue;
    }
    for (int o : olds)
      if (b_.Contains(o, i)) return *old_one = o, *new_one = i, false;
    // Beside the range (another branch the newer new commit does not contain).
  }
  return true;
}

bool BisectionRun::Bisect() {
  const int k = static_cast<int>(alive_.size() + rep_.dropped.size());
  const size_t bound = (g_.nodes.size() + 2) * static_cast<size_t>(max_runs_) + 8;
  for (size_t n = 0; n < bound; ++n) {
    int o = -1, nw = -1;
    std::vector<std::string> jobs;
    if (!Record(&o, &nw)) {
      // More runs of the commits that disagree (under kAnyFailure the failure
      // stands: only the good one is run more).
      for (int i : {o, nw}) {
        const std::string& id = g_.nodes[i].id;
        const int runs = rep_.counts[id].Runs() + rep_.counts[id].skip;
        if (runs >= max_runs_ || (o_.rule == FlakyRule::kAnyFailure && DecisionOf(id) == Decision::kBad)) continue;
        for (int r = runs; r < max_runs_ && jobs.size() < alive_.size(); ++r) jobs.push_back(id);
      }
      if (jobs.empty()) {
        rep_.outcome = RunReport::kContradiction;
        rep_.why = ShortId(g_.nodes[o].id) + " is " + term_old_ + " (" + rep_.counts[g_.nodes[o].id].Text() +
                   ") but it contains " + ShortId(g_.nodes[nw].id) + ", which is " + term_new_ + " (" +
                   rep_.counts[g_.nodes[nw].id].Text() + ")" +
                   (o_.rule == FlakyRule::kAnyFailure
                        ? ": the test fails without the regression too? (--flaky majority)"
                        : ": more runs (--max-runs) may settle it");
        return false;
      }
      Say("contradiction: " + ShortId(g_.nodes[o].id) + " " + term_old_ + " contains " +
          ShortId(g_.nodes[nw].id) + " " + term_new_ + ": running them again");
    } else {
      // Commits of the range that need more runs first, then new picks.
      std::set<int> open;
      for (const auto& [id, counts] : rep_.counts) {
        int i = g_.Find(id), more = 0;
        if (i < 0 || !b_.InRange(i) || DecisionOf(id, &more) != Decision::kOpen) continue;
        open.insert(i);
        for (int r = 0; r < more && jobs.size() < alive_.size(); ++r) jobs.push_back(id);
      }
      const int free = static_cast<int>(alive_.size() - jobs.size());
      if (free > 0) {
        for (int pick : b_.Picks((free + o_.runs - 1) / o_.runs, open))
          for (int r = 0; r < o_.runs && jobs.size() < alive_.size(); ++r) jobs.push_back(g_.nodes[pick].id);
      }
    }
    if (jobs.empty()) {
      Bisection::Next next = b_.Step();
      if (next.kind == Bisection::Next::kDone) {
        rep_.outcome = RunReport::kFound;
        rep_.culprit = g_.nodes[next.commit].id;
        return true;
      }
      rep_.outcome = RunReport::kOnlySkipped;
      for (int s : next.suspects) rep_.suspects.push_back(g_.nodes[s].id);
      rep_.why = "only skipped commits are left: the first " + term_new_ + " commit is one of them";
      return false;
    }
    ++rep_.rounds;
    std::vector<RunRecord> done;
    if (!Round(jobs, rep_.rounds, "bisect", &done)) return false;
    Progress(done, k);
  }
  return Abort("internal: the bisection did not end");
}

void BisectionRun::Progress(const std::vector<RunRecord>& done, int pool) {
  int o = -1, nw = -1;
  Record(&o, &nw);
  seconds_ += done.empty() ? 0 : done.front().seconds;
  const int left = b_.Open();
  // Rounds to go: each round cuts the range into (machines / runs + 1) parts.
  const int per_round = std::max<int>(1, static_cast<int>(alive_.size()) / o_.runs);
  int to_go = 0;
  for (double parts = 1; parts < left + 1; parts *= per_round + 1) ++to_go;
  const double per = seconds_ / rep_.rounds;
  std::string what;
  for (const RunRecord& r : done) {
    const Decision d = DecisionOf(r.commit);
    what += (what.empty() ? "" : ", ") + ShortId(r.commit) + " " +
            (o_.runs == 1 && !rep_.counts[r.commit].Flaky() ? Word(d) : std::string(RanName(RanOf(r.result)))) +
            (pool > 1 ? " on " + r.machine : "");
  }
  const bool rounds = pool > 1;
  Say(std::string(rounds ? "round " : "step ") + std::to_string(rep_.rounds) + ": " + what + " (" +
      Fixed(done.empty() ? 0 : done.front().seconds, 1) + " s): " + std::to_string(left) +
      (left == 1 ? " commit" : " commits") + " left, about " + std::to_string(to_go) +
      (rounds ? (to_go == 1 ? " round" : " rounds") : (to_go == 1 ? " step" : " steps")) + " (~" +
      Roughly(to_go * per) + ") to go");
  for (const RunRecord& r : done) {
    const Counts& c = rep_.counts[r.commit];
    if (c.Runs() > 1 || c.Flaky())
      if (DecisionOf(r.commit) != Decision::kOpen || c.Flaky())
        Say("  " + ShortId(r.commit) + ": " + c.Text() + " -> " + Word(DecisionOf(r.commit)) +
            (c.Flaky() ? " (flaky)" : ""));
  }
}

RunReport RunBisection(Bisection& b, Candidates& c, const RunOptions& o,
                       const std::function<void(const std::string&)>& progress) {
  return BisectionRun(b, c, o, progress).Go();
}

}  // namespace kb
