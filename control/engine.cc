#include "control/engine.h"

#include <cstdio>

#include "control/format.h"

namespace kb {

namespace {

const char* MarkName(Mark m) { return m == Mark::kOld ? "old" : m == Mark::kNew ? "new" : "skip"; }


// About how long `seconds` is, for a progress line.
std::string Roughly(double seconds) {
  if (seconds < 90) return Fixed(seconds, 0) + " s";
  if (seconds < 5400) return Fixed(seconds / 60, 0) + " min";
  return Fixed(seconds / 3600, 1) + " h";
}

}  // namespace

std::string ReplayLine(const std::string& commit, Mark m) { return commit + " " + MarkName(m); }

bool ParseReplayLine(const std::string& line, std::pair<std::string, Mark>* out, std::string* why) {
  size_t sp = line.find(' ');
  if (sp == std::string::npos || sp == 0 || line.find(' ', sp + 1) != std::string::npos) {
    *why = "not '<commit> old|new|skip': " + line;
    return false;
  }
  std::string id = line.substr(0, sp), word = line.substr(sp + 1);
  if (id.size() != 40 || id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    *why = "not a full commit id: " + id;
    return false;
  }
  Mark m;
  if (word == "old") m = Mark::kOld;
  else if (word == "new") m = Mark::kNew;
  else if (word == "skip") m = Mark::kSkip;
  else {
    *why = "not old, new or skip: " + word;
    return false;
  }
  *out = {id, m};
  return true;
}

namespace {

// One run of RunBisection: its phases (replay, the ends' check, the bisection,
// the culprit's verification) over the shared report. Each phase returns false
// when the run ends there (the report says how).
class Run {
 public:
  Run(Bisection& b, Candidates& c, const RunOptions& o, const std::function<void(const std::string&)>& progress)
      : b_(b), c_(c), o_(o), progress_(progress), g_(b.Graph()) {
    term_old_ = !o.term_old.empty() ? o.term_old : o.reverse ? "bad" : "good";
    term_new_ = !o.term_new.empty() ? o.term_new : o.reverse ? "good" : "bad";
  }

  RunReport Go() {
    if (!b_.Error().empty()) return rep_.why = b_.Error(), rep_;
    if (o_.repeat < 1) return rep_.why = "repeat must be at least 1", rep_;
    if (Replay() && (!o_.check_ends || CheckEnds()) && Bisect() && o_.verify) Verify();
    return rep_;
  }

 private:
  void Say(const std::string& line) {
    if (progress_) progress_(line);
  }
  std::string Term(Mark m) const { return m == Mark::kOld ? term_old_ : m == Mark::kNew ? term_new_ : "skip"; }

  // One commit's verdict in the bisection's terms: all repeats must pass. False
  // (the report aborted) when a step aborted.
  bool Test(const std::string& id, StepRecord* rec) {
    const double t0 = c_.Now();
    rec->commit = id;
    for (int i = 0; i < o_.repeat; ++i) {
      rec->result = c_.Test(id);
      if (rec->result.verdict != Verdict::kGood) break;
    }
    rec->seconds = c_.Now() - t0;
    switch (rec->result.verdict) {
      case Verdict::kAbort:
        rep_.outcome = RunReport::kAborted;
        rep_.why = ShortId(rec->commit) + ": " + rec->result.why;
        return false;
      case Verdict::kSkip: rec->mark = Mark::kSkip; break;
      case Verdict::kGood: rec->mark = o_.reverse ? Mark::kNew : Mark::kOld; break;
      case Verdict::kBad: rec->mark = o_.reverse ? Mark::kOld : Mark::kNew; break;
    }
    return true;
  }

  // The decided commits of an earlier run (--resume).
  bool Replay() {
    for (const auto& [id, mark] : o_.replay) {
      int i = g_.Find(id);
      std::string why;
      if (i < 0) return rep_.why = "resume: commit " + id + " is not in the range", false;
      if (!b_.Record(i, mark, &why)) return rep_.why = "resume: " + why, false;
    }
    if (!o_.replay.empty())
      Say("resumed: " + std::to_string(o_.replay.size()) + " decided commits replayed, " + std::to_string(b_.Open()) +
          " left");
    return true;
  }

  // --check-ends: the new end shows the new state, the old end the old one.
  bool CheckEnds() {
    struct End {
      std::string id;
      Mark want;
    };
    std::vector<End> ends = {{g_.nodes[b_.NewEnd()].id, Mark::kNew}};
    if (!o_.old_end.empty()) ends.push_back({o_.old_end, Mark::kOld});
    for (const End& e : ends) {
      StepRecord rec;
      if (!Test(e.id, &rec)) return false;
      Say("check: " + ShortId(e.id) + " is " + Term(rec.mark) + " (" + rec.result.why + ")");
      if (rec.mark != e.want) {
        rep_.outcome = RunReport::kEndsWrong;
        rep_.why = "the " + Term(e.want) + " end " + ShortId(e.id) + " is " + Term(rec.mark) + ": " + rec.result.why;
        return false;
      }
    }
    return true;
  }

  // Steps until the culprit (true) or only skipped commits are left.
  bool Bisect() {
    double tested_seconds = 0;
    const size_t bound = g_.nodes.size() + 1;
    for (size_t n = 0; n < bound; ++n) {
      Bisection::Next next = b_.Step();
      if (next.kind == Bisection::Next::kDone) {
        rep_.outcome = RunReport::kFound;
        rep_.culprit = g_.nodes[next.commit].id;
        return true;
      }
      if (next.kind != Bisection::Next::kTest) {
        rep_.outcome = RunReport::kOnlySkipped;
        for (int s : next.suspects) rep_.suspects.push_back(g_.nodes[s].id);
        rep_.why = "only skipped commits are left: the first " + term_new_ + " commit is one of them";
        return false;
      }
      StepRecord rec;
      if (!Test(g_.nodes[next.commit].id, &rec)) return false;
      std::string why;
      if (!b_.Record(next.commit, rec.mark, &why)) return rep_.why = "internal: " + why, false;
      if (o_.decided) o_.decided(rec.commit, rec.mark);
      rep_.steps.push_back(rec);
      tested_seconds += rec.seconds;
      const int left = b_.Open(), steps_left = b_.StepsLeft();
      const double per_step = tested_seconds / static_cast<double>(rep_.steps.size());
      Say("step " + std::to_string(rep_.steps.size()) + ": " + ShortId(rec.commit) + " " + Term(rec.mark) + " (" +
          Fixed(rec.seconds, 1) + " s): " + std::to_string(left) + (left == 1 ? " commit" : " commits") +
          " left, about " + std::to_string(steps_left) + (steps_left == 1 ? " step" : " steps") + " (~" +
          Roughly(steps_left * per_step) + ") to go");
    }
    rep_.outcome = RunReport::kAborted;
    rep_.why = "internal: the bisection did not end";
    return false;
  }

  // --verify: the culprit again, and its parent.
  void Verify() {
    std::string parent = c_.FirstParent(rep_.culprit);
    StepRecord a, p;
    if (!Test(rep_.culprit, &a)) return;
    if (parent.empty()) {
      rep_.verified = "no (the culprit has no parent to test)";
      return;
    }
    if (!Test(parent, &p)) return;
    Say("verify: " + ShortId(rep_.culprit) + " is " + Term(a.mark) + ", its parent " + ShortId(parent) + " is " +
        Term(p.mark));
    rep_.verified = a.mark == Mark::kNew && p.mark == Mark::kOld
                        ? "yes"
                        : "no (the culprit is " + Term(a.mark) + ", its parent " + Term(p.mark) + ")";
  }

  Bisection& b_;
  Candidates& c_;
  const RunOptions& o_;
  const std::function<void(const std::string&)>& progress_;
  const CommitGraph& g_;
  std::string term_old_, term_new_;
  RunReport rep_;
};

}  // namespace

RunReport RunBisection(Bisection& b, Candidates& c, const RunOptions& o,
                       const std::function<void(const std::string&)>& progress) {
  return Run(b, c, o, progress).Go();
}

}  // namespace kb
