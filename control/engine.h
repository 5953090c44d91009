// A whole bisection (issue 13: `kbisect run` as tested code; issue 16: a pool of
// machines, verdicts from counted runs, a checked culprit) over a Bisection and an
// edge that boots commits on machines (Candidates).
//
// Rounds: each round gives every machine of the pool one boot. Commits whose runs
// are not enough yet come first; the other machines take new commits, chosen to
// split the range into equal parts (Bisection::Picks), each with --runs boots
// spread over the machines. So k machines with one run each take about
// log_{k+1}(N) rounds; one machine behaves as `git bisect run` does, a step a round.
//
// Verdicts: every run of a commit is counted (pass, fail, hang, skip), and the
// commit's verdict is the rule's over its counts (Decide): all runs agree, or
// its runs disagree (a flaky commit), then it is run up to max_runs times and
//   - kAnyFailure (default): one failure makes it bad (a regression that shows
//     only sometimes is still the regression), and once any commit has been seen
//     flaky a commit is good only after max_runs passing runs;
//   - kMajority: the majority of its runs (a tie is a skip): for a test that also
//     fails now and then without the regression.
// Verdicts are recorded anew each round from the counts, so a verdict that more
// runs change moves the bisection with it; verdicts that cannot all hold (a good
// commit above a bad one) are a contradiction: the commits involved are run more,
// and when they cannot be, the run stops and says so with the counts.
//
// What ktest.pl's bisect offers is here too: the ends checked first (BISECT_CHECK),
// a reverse bisection that finds a fix (BISECT_REVERSE), the verdicts' names of
// one's choice, and a resume from the runs of a stopped run (BISECT_REPLAY).
#ifndef KBISECT_CONTROL_ENGINE_H
#define KBISECT_CONTROL_ENGINE_H

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "control/bisection.h"
#include "control/step.h"

namespace kb {

// One boot to make: a commit on a machine of the pool (an index into it).
struct Job {
  int machine;
  std::string commit;
};

class Candidates {
 public:
  virtual ~Candidates() = default;
  // The pool: how many machines, and each one's name.
  virtual int Machines() const = 0;
  virtual std::string MachineName(int machine) const = 0;
  // One boot of each job's commit on its machine, all at once; a result per job,
  // in order (kGood: the test passed). A result with machine_fault set means the
  // machine stopped answering: the pool goes on without it.
  virtual std::vector<StepResult> TestAll(const std::vector<Job>& jobs) = 0;
  // The commit's first parent ("" for none), for the culprit's check.
  virtual std::string FirstParent(const std::string& commit) = 0;
  // What its kernel's code is (image.ini code_sha256: equal for two commits whose
  // kernels differ in nothing built), "" when unknown. For the culprit's check.
  virtual std::string KernelCode(const std::string& /*commit*/) { return ""; }
  virtual double Now() = 0;
};

// What one run of a commit showed.
enum class Ran { kPass, kFail, kHang, kSkip };
const char* RanName(Ran r);
Ran RanOf(const StepResult& r);

// A commit's runs.
struct Counts {
  int pass = 0, fail = 0, hang = 0, skip = 0;
  int Runs() const { return pass + fail + hang; }
  int Bad() const { return fail + hang; }
  bool Flaky() const { return pass > 0 && Bad() > 0; }
  void Add(Ran r);
  // "3 pass, 1 fail" (the non-zero counts).
  std::string Text() const;
};

enum class FlakyRule { kAnyFailure, kMajority };

// A commit's verdict from its counts, in the test's terms: good, bad, skip, or
// open (more runs are needed: *more says how many). intermittent: some commit of
// the bisection has been seen flaky.
enum class Decision { kGood, kBad, kSkip, kOpen };
Decision Decide(const Counts& c, int runs, int max_runs, FlakyRule rule, bool intermittent, int* more = nullptr);

struct RunOptions {
  int runs = 1;               // runs per commit
  int max_runs = 0;           // a flaky commit's runs (0: 3 x runs)
  FlakyRule rule = FlakyRule::kAnyFailure;
  bool verify = false;        // check the culprit and its parent at the end
  bool check_ends = false;    // test the ends before bisecting
  bool reverse = false;       // find the commit that fixed it: the old end fails
  std::string old_end;        // the old end's commit (outside the range), for check_ends
  // The names of the verdicts in the log: the old end's state and the new end's
  // (default good/bad, reversed: bad/good).
  std::string term_old, term_new;
  // Runs of an earlier run, counted before anything is tested (--resume).
  std::vector<std::pair<std::string, Ran>> replay;
  // Called with every run (not the replayed ones), for a log --resume can replay.
  std::function<void(const std::string&, Ran)> ran;
};

// One boot of the bisection.
struct RunRecord {
  int round = 0;              // 0: the ends' check; rounds of the bisection, then of the culprit's check
  std::string phase;          // "ends", "bisect", "check"
  std::string commit, machine;
  StepResult result;
  double seconds = 0;         // the round's time (the boots run at once)
};

// The names of the two states: good and bad, bad and good looking for a fix
// (the older end is bad then), or --term-old and --term-new.
struct Terms {
  std::string old_name, new_name;
};
Terms TermsOf(const std::string& term_old, const std::string& term_new, bool reverse);

// The culprit's check (--verify): not run, it holds, or it does not (why).
enum class Verified { kNotChecked, kYes, kNo };

struct RunReport {
  enum Outcome {
    kFound,          // culprit
    kOnlySkipped,    // the culprit is one of suspects
    kEndsWrong,      // check_ends: an end does not show its state (why)
    kContradiction,  // verdicts that cannot all hold, even after max_runs runs (why)
    kAborted,        // a run aborted, no machine left, or the input was wrong (why)
  } outcome = kAborted;
  std::string culprit;
  std::vector<std::string> suspects;
  std::string why;
  Verified verified = Verified::kNotChecked;
  std::string verified_why;  // kNo: why not
  // "yes", "no (why)", or "" when not checked: for the log and the report.
  std::string VerifiedText() const;
  std::string sureness;     // how sure the answer is, from the counts
  std::vector<RunRecord> runs;
  std::map<std::string, Counts> counts;  // per commit, the replayed runs included
  int rounds = 0;           // the bisection's rounds (not the ends' or the culprit's checks)
  std::vector<std::string> dropped;  // machines taken out of the pool, each with why
  int left = -1;            // aborted: the commits still to decide then
  // Culprits the check rejected: their kernel is their parent's (each with why).
  std::vector<std::string> rejected;
};

// progress: called with one line per round (and for the checks); may be empty.
RunReport RunBisection(Bisection& b, Candidates& c, const RunOptions& o,
                       const std::function<void(const std::string&)>& progress);

// A run as a line of the resume log ("<commit> pass|fail|hang|skip"), and back.
// The older "<commit> old|new|skip" lines of a decided commit are read too.
std::string ReplayLine(const std::string& commit, Ran r);
bool ParseReplayLine(const std::string& line, bool reverse, std::pair<std::string, Ran>* out, std::string* why);

}  // namespace kb

#endif
