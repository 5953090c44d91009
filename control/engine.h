// A whole bisection (issue 13: `kbisect run` as tested code) over a Bisection
// and an edge that tests one commit (find or build its image, boot it, judge it:
// Candidates). What ktest.pl's bisect offers is here: the ends checked first
// (BISECT_CHECK), a reverse bisection that finds a fix (BISECT_REVERSE) with the
// verdicts' names of one's choice, repeats, a verification of the culprit and its
// parent, and a resume from the commits a stopped run had decided
// (BISECT_REPLAY). Progress is reported one line a step.
#ifndef KBISECT_CONTROL_ENGINE_H
#define KBISECT_CONTROL_ENGINE_H

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "control/bisection.h"
#include "control/step.h"

namespace kb {

class Candidates {
 public:
  virtual ~Candidates() = default;
  // One boot of the commit's image and its verdict (kGood: the test passed).
  virtual StepResult Test(const std::string& commit) = 0;
  // The commit's first parent ("" for none), for --verify.
  virtual std::string FirstParent(const std::string& commit) = 0;
  virtual double Now() = 0;
};

struct RunOptions {
  int repeat = 1;            // a commit passes only if this many runs pass
  bool verify = false;       // test the culprit and its parent again at the end
  bool check_ends = false;   // test the ends before bisecting
  bool reverse = false;      // find the commit that fixed it: the old end fails
  std::string old_end;       // the old end's commit (outside the range), for check_ends
  // The names of the verdicts in the log: the old end's state and the new end's
  // (default good/bad, reversed: bad/good).
  std::string term_old, term_new;
  // Decided commits of an earlier run, replayed before anything is tested.
  std::vector<std::pair<std::string, Mark>> replay;
  // Called with each commit the bisection decides (not the replayed ones, not the
  // checks), for a log that --resume can replay.
  std::function<void(const std::string&, Mark)> decided;
};

struct StepRecord {
  std::string commit;
  Mark mark;         // in the bisection's terms
  StepResult result;
  double seconds;    // the whole step (all repeats)
};

struct RunReport {
  enum Outcome {
    kFound,         // culprit
    kOnlySkipped,   // the culprit is one of suspects
    kEndsWrong,     // check_ends: an end does not show its state (why)
    kAborted,       // a step aborted, or the input was wrong (why)
  } outcome = kAborted;
  std::string culprit;
  std::vector<std::string> suspects;
  std::string why;
  std::string verified;  // "yes", or why not; "" without verify
  std::vector<StepRecord> steps;
};

// progress: called with one line per step (and for the checks); may be empty.
RunReport RunBisection(Bisection& b, Candidates& c, const RunOptions& o,
                       const std::function<void(const std::string&)>& progress);

// A decided commit as a line of the resume log ("<commit> old|new|skip"), and back.
std::string ReplayLine(const std::string& commit, Mark m);
bool ParseReplayLine(const std::string& line, std::pair<std::string, Mark>* out, std::string* why);

}  // namespace kb

#endif
