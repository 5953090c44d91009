#include "control/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "control/format.h"

namespace kb {

const char* RanName(Ran r) {
  switch (r) {
    case Ran::kPass: return "pass";
    case Ran::kFail: return "fail";
    case Ran::kHang: return "hang";
    case Ran::kSkip: return "skip";
  }
  return "?";
}

Ran RanOf(const StepResult& r) {
  if (r.verdict == Verdict::kGood) return Ran::kPass;
  if (r.verdict == Verdict::kBad) return r.hang ? Ran::kHang : Ran::kFail;
  return Ran::kSkip;
}

void Counts::Add(Ran r) {
  switch (r) {
    case Ran::kPass: ++pass; break;
    case Ran::kFail: ++fail; break;
    case Ran::kHang: ++hang; break;
    case Ran::kSkip: ++skip; break;
  }
}

std::string Counts::Text() const {
  std::string t;
  auto add = [&](int n, const char* what) {
    if (n) t += (t.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(pass, "pass");
  add(fail, "fail");
  add(hang, "hang");
  add(skip, "skip");
  return t.empty() ? "no runs" : t;
}

Decision Decide(const Counts& c, int runs, int max_runs, FlakyRule rule, bool intermittent, int* more) {
  int need = 0;
  Decision d;
  const int n = c.Runs();
  // Boots that came back as skips count toward max_runs: a commit that keeps
  // asking for a skip is decided from the runs it has.
  const bool spent = n + c.skip >= max_runs;
  const bool any = rule == FlakyRule::kAnyFailure;
  if (n == 0) {
    d = c.skip > 0 ? Decision::kSkip : Decision::kOpen, need = c.skip > 0 ? 0 : runs;
  } else if (any && c.Bad() > 0 && max_runs <= runs) {
    d = Decision::kBad;  // no room for more runs (--repeat N): the first failure decides
  } else if (n < runs && !spent) {
    d = Decision::kOpen, need = runs - n;
  } else if (c.Flaky()) {
    // Runs that disagree: up to max_runs, then the rule.
    if (n < max_runs && !spent) d = Decision::kOpen, need = max_runs - n;
    else if (any) d = Decision::kBad;
    else d = c.pass > c.Bad() ? Decision::kGood : c.pass < c.Bad() ? Decision::kBad : Decision::kSkip;
  } else if (c.Bad() == n) {
    d = Decision::kBad;
  } else if (intermittent && any && n < max_runs && !spent) {
    // All passed, but the regression shows only sometimes: more passes to be sure.
    d = Decision::kOpen, need = max_runs - n;
  } else {
    d = Decision::kGood;
  }
  if (more) *more = need;
  return d;
}

std::string ReplayLine(const std::string& commit, Ran r) { return commit + " " + RanName(r); }

bool ParseReplayLine(const std::string& line, bool reverse, std::pair<std::string, Ran>* out, std::string* why) {
  size_t sp = line.find(' ');
  if (sp == std::string::npos || sp == 0 || line.find(' ', sp + 1) != std::string::npos) {
    *why = "not '<commit> pass|fail|hang|skip': " + line;
    return false;
  }
  std::string id = line.substr(0, sp), word = line.substr(sp + 1);
  if (id.size() != 40 || id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    *why = "not a full commit id: " + id;
    return false;
  }
  Ran r;
  if (word == "pass") r = Ran::kPass;
  else if (word == "fail") r = Ran::kFail;
  else if (word == "hang") r = Ran::kHang;
  else if (word == "skip") r = Ran::kSkip;
  else if (word == "old") r = reverse ? Ran::kFail : Ran::kPass;  // a decided commit (older logs)
  else if (word == "new") r = reverse ? Ran::kPass : Ran::kFail;
  else {
    *why = "not pass, fail, hang or skip: " + word;
    return false;
  }
  *out = {id, r};
  return true;
}

namespace {

// About how long `seconds` is, for a progress line.
std::string Roughly(double seconds) {
  if (seconds < 90) return Fixed(seconds, 0) + " s";
  if (seconds < 5400) return Fixed(seconds / 60, 0) + " min";
  return Fixed(seconds / 3600, 1) + " h";
}

std::string Percent(double p) { return Fixed(p * 100, p < 0.1 ? 1 : 0) + "%"; }

// One run of RunBisection: its phases (replay, the ends' check, the rounds, the
// culprit's check) over the shared report. Each phase returns false when the run
// ends there (the report says how).
class Run {
 public:
  Run(Bisection& b, Candidates& c, const RunOptions& o, const std::function<void(const std::string&)>& progress)
      : b_(b), c_(c), o_(o), progress_(progress), g_(b.Graph()) {
    const Terms t = TermsOf(o.term_old, o.term_new, o.reverse);
    term_old_ = t.old_name;
    term_new_ = t.new_name;
    max_runs_ = o.max_runs > 0 ? o.max_runs : 3 * o.runs;
    for (int m = 0; m < c.Machines(); ++m) alive_.push_back(m);
  }

  RunReport Go() {
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

 private:
  void Say(const std::string& line) {
    if (progress_) progress_(line);
  }
  std::string Term(Mark m) const { return m == Mark::kOld ? term_old_ : m == Mark::kNew ? term_new_ : "skip"; }
  // A commit's runs, with those of the commits whose kernel is the same (the
  // culprit's check found them: one kernel, one set of counts).
  Counts CountsOf(const std::string& id) const {
    Counts c;
    auto add = [&](const std::string& x) {
      auto it = rep_.counts.find(x);
      if (it == rep_.counts.end()) return;
      c.pass += it->second.pass, c.fail += it->second.fail, c.hang += it->second.hang, c.skip += it->second.skip;
    };
    add(id);
    for (const auto& [a, b] : same_) {
      if (a == id) add(b);
      if (b == id) add(a);
    }
    return c;
  }
  bool Intermittent() const {
    for (const auto& [id, c] : rep_.counts)
      if (CountsOf(id).Flaky()) return true;
    return false;
  }
  Decision DecisionOf(const std::string& id, int* more = nullptr) const {
    return Decide(CountsOf(id), o_.runs, max_runs_, o_.rule, Intermittent(), more);
  }
  // A decision in the bisection's terms.
  Mark MarkOf(Decision d) const {
    if (d == Decision::kSkip) return Mark::kSkip;
    return (d == Decision::kGood) != o_.reverse ? Mark::kOld : Mark::kNew;
  }
  std::string Word(Decision d) const { return d == Decision::kOpen ? "undecided" : Term(MarkOf(d)); }

  // The runs of an earlier run (--resume).
  bool Replay() {
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

  // One round: each job on a machine of the pool (in order), all at once; the
  // runs counted. A machine that stopped answering leaves the pool (its job is not
  // counted). False when the round aborted or no machine is left.
  bool Round(const std::vector<std::string>& commits, int round, const std::string& phase,
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

  bool Abort(const std::string& why) {
    rep_.outcome = RunReport::kAborted;
    rep_.why = why;
    rep_.left = b_.Open();
    return false;
  }

  // Rounds until every commit of `ids` has a decision (bounded: max_runs boots each).
  bool Settle(const std::vector<std::string>& ids, const std::string& phase, int* round) {
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

  // --check-ends: the new end shows the new state, the old end the old one.
  bool CheckEnds() {
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

  // The verdicts so far recorded anew in the bisection: old ones first (their
  // ancestors are old too), then skips, then new ones from the oldest. A new
  // commit that an old one contains is a contradiction: *old_one and *new_one.
  bool Record(int* old_one, int* new_one) {
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

  // Rounds until the first new commit is known (true) or the run ends.
  bool Bisect() {
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

  void Progress(const std::vector<RunRecord>& done, int pool) {
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

  // The culprit and its parent run again (on two machines when the pool has
  // them): the culprit must show the new state and its parent the old one. True
  // when that holds, or when the check cannot go on (rep_.verified says why);
  // false when the counts moved the bisection (it goes on) or the run aborted.
  bool CheckCulprit() {
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

  // The check says the answer does not hold (why); the run ends there.
  bool No(const std::string& why) {
    rep_.verified = Verified::kNo;
    rep_.verified_why = why;
    return true;
  }

  // How sure the answer is, from the counts.
  void Sureness() {
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

  Bisection& b_;
  Candidates& c_;
  const RunOptions& o_;
  const std::function<void(const std::string&)>& progress_;
  const CommitGraph& g_;
  std::string term_old_, term_new_;
  int max_runs_ = 3;
  std::vector<int> alive_;
  std::vector<std::pair<std::string, std::string>> same_;  // commits of one kernel
  double seconds_ = 0;
  RunReport rep_;
};

}  // namespace

RunReport RunBisection(Bisection& b, Candidates& c, const RunOptions& o,
                       const std::function<void(const std::string&)>& progress) {
  return Run(b, c, o, progress).Go();
}

Terms TermsOf(const std::string& term_old, const std::string& term_new, bool reverse) {
  return {!term_old.empty() ? term_old : reverse ? "bad" : "good", !term_new.empty() ? term_new : reverse ? "good" : "bad"};
}

std::string RunReport::VerifiedText() const {
  switch (verified) {
    case Verified::kNotChecked: return "";
    case Verified::kYes: return "yes";
    case Verified::kNo: return "no (" + verified_why + ")";
  }
  return "";
}

}  // namespace kb
