// The bisection's state, as pure code (issue 13: the engine of `kbisect run`):
// the commits between the ends as a graph, the verdicts so far, and the choice of
// the next commit to test. No git, no server, no machine here: the edges feed it
// the range (from libgit2) and the verdicts (from boots), so every rule is tested
// over plain data.
//
// Terms: a commit is "old" (the state of the older end: good, or in a reverse
// bisection the state before the fix) or "new" (the younger end's state); the
// answer is the first new commit. Which is good and which bad is the edge's
// concern (--reverse, --term-old/--term-new).
#ifndef KBISECT_CONTROL_BISECTION_H
#define KBISECT_CONTROL_BISECTION_H

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace kb {

// The commits reachable from the new end and not from any old end (git's
// old..new), each with its parents among them (a parent outside the range is
// left out). Index 0 need not be the new end; ids are unique.
struct CommitGraph {
  struct Node {
    std::string id;
    std::vector<int> parents;
  };
  std::vector<Node> nodes;
  // The index of id, or -1.
  int Find(const std::string& id) const;
};

enum class Mark { kOld, kNew, kSkip };

class Bisection {
 public:
  // new_end: the index of the new end in graph (marked new). Check Error().
  Bisection(CommitGraph graph, int new_end);
  // Why the graph cannot be bisected (a parent index out of range, a cycle, a
  // duplicate id, the new end missing), or "".
  const std::string& Error() const { return error_; }

  // Records a verdict. A commit outside the remaining range is refused (false,
  // with why): a verdict for it would contradict one already given or is about a
  // commit not in old..new.
  bool Record(int commit, Mark mark, std::string* why);

  struct Next {
    enum Kind {
      kTest,          // test `commit`
      kDone,          // `commit` is the first new commit
      kOnlySkipped,   // the first new commit is one of `suspects` (skipped ones and the new end)
      kBusy,          // every candidate is being tested already (by other machines)
    } kind;
    int commit = -1;
    std::vector<int> suspects;
  };
  // The next step. `busy`: commits being tested elsewhere, not to be chosen
  // again (a pool of machines); an empty set for one machine.
  Next Step(const std::set<int>& busy = {}) const;

  // Up to k commits to test at once (a pool of k machines), none of `busy`:
  // chosen to split the remaining range into k+1 parts of equal weight (a
  // commit's weight: the commits of the range it contains, as git rev-list
  // --bisect-all weighs them), so that whatever the k verdicts are, about a
  // (k+1)-th of the range is left. For k = 1 this is Step's choice. Empty when
  // Step would not say kTest.
  std::vector<int> Picks(int k, const std::set<int>& busy = {}) const;

  // Forgets every verdict: the range is old..new again (the engine records the
  // verdicts anew when runs have changed one).
  void Reset();
  // Whether commit is in the remaining range (and not its new end).
  bool InRange(int commit) const;
  // Whether `a` is `c` or one of its ancestors; how many commits of the graph c
  // contains (itself and its ancestors).
  bool Contains(int c, int a) const { return error_.empty() && Has(ancestors_[c], a); }
  int Size(int c) const { return error_.empty() ? Count(ancestors_[c]) : 0; }

  // The commits whose verdict is still open (the remaining range without its
  // new end), and an estimate of the steps left: ceil(log2(open + 1)).
  int Open() const;
  int StepsLeft() const;
  // The current new end (the newest commit known new in the range).
  int NewEnd() const { return new_end_; }
  const CommitGraph& Graph() const { return graph_; }

 private:
  using Bits = std::vector<uint64_t>;
  bool Has(const Bits& b, int i) const { return (b[i / 64] >> (i % 64)) & 1; }
  void Set(Bits* b, int i) const { (*b)[i / 64] |= uint64_t{1} << (i % 64); }
  // The remaining range: ancestors of the new end (itself included), minus the
  // ancestors of every old commit (themselves included).
  Bits Remaining() const;
  int Count(const Bits& b) const;

  CommitGraph graph_;
  std::string error_;
  std::vector<Bits> ancestors_;  // per commit: itself and every ancestor in the graph
  int new_end_ = -1;
  int first_new_end_ = -1;
  Bits old_;   // the union of the old commits' ancestors
  Bits skip_;  // commits skipped
};

}  // namespace kb

#endif
