// The bisection's run (engine.h's RunBisection) as a class whose phases are
// shared by engine.cc (replay, the ends' check, the rounds) and engine_check.cc
// (the culprit's check, how sure the answer is). Internal to the engine.
#ifndef KBISECT_CONTROL_ENGINE_RUN_H
#define KBISECT_CONTROL_ENGINE_RUN_H

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "control/engine.h"
#include "control/format.h"

namespace kb {

// About how long `seconds` is, for a progress line.
inline std::string Roughly(double seconds) {
  if (seconds < 90) return Fixed(seconds, 0) + " s";
  if (seconds < 5400) return Fixed(seconds / 60, 0) + " min";
  return Fixed(seconds / 3600, 1) + " h";
}

inline std::string Percent(double p) { return Fixed(p * 100, p < 0.1 ? 1 : 0) + "%"; }

// One run of RunBisection: its phases (replay, the ends' check, the rounds, the
// culprit's check) over the shared report. Each phase returns false when the run
// ends there (the report says how).
class BisectionRun {
 public:
  BisectionRun(Bisection& b, Candidates& c, const RunOptions& o, const std::function<void(const std::string&)>& progress)
      : b_(b), c_(c), o_(o), progress_(progress), g_(b.Graph()) {
    const Terms t = TermsOf(o.term_old, o.term_new, o.reverse);
    term_old_ = t.old_name;
    term_new_ = t.new_name;
    max_runs_ = o.max_runs > 0 ? o.max_runs : 3 * o.runs;
    for (int m = 0; m < c.Machines(); ++m) alive_.push_back(m);
  }

  RunReport Go();

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
  bool Replay();

  // One round: each job on a machine of the pool (in order), all at once; the
  // runs counted. A machine that stopped answering leaves the pool (its job is not
  // counted). False when the round aborted or no machine is left.
  bool Round(const std::vector<std::string>& commits, int round, const std::string& phase,
             std::vector<RunRecord>* done);

  bool Abort(const std::string& why);

  // Rounds until every commit of `ids` has a decision (bounded: max_runs boots each).
  bool Settle(const std::vector<std::string>& ids, const std::string& phase, int* round);

  // --check-ends: the new end shows the new state, the old end the old one.
  bool CheckEnds();

  // The verdicts so far recorded anew in the bisection: old ones first (their
  // ancestors are old too), then skips, then new ones from the oldest. A new
  // commit that an old one contains is a contradiction: *old_one and *new_one.
  bool Record(int* old_one, int* new_one);

  // Rounds until the first new commit is known (true) or the run ends.
  bool Bisect();

  void Progress(const std::vector<RunRecord>& done, int pool);

  // The culprit and its parent run again (on two machines when the pool has
  // them): the culprit must show the new state and its parent the old one. True
  // when that holds, or when the check cannot go on (rep_.verified says why);
  // false when the counts moved the bisection (it goes on) or the run aborted.
  bool CheckCulprit();

  // The check says the answer does not hold (why); the run ends there.
  bool No(const std::string& why);

  // How sure the answer is, from the counts.
  void Sureness();

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

}  // namespace kb

#endif
