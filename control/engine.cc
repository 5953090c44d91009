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

RunReport RunBisection(Bisection& b, Candidates& c, const RunOptions& o,
                       const std::function<void(const std::string&)>& progress) {
  RunReport rep;
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  const std::string term_old = !o.term_old.empty() ? o.term_old : o.reverse ? "bad" : "good";
  const std::string term_new = !o.term_new.empty() ? o.term_new : o.reverse ? "good" : "bad";
  auto term = [&](Mark m) { return m == Mark::kOld ? term_old : m == Mark::kNew ? term_new : std::string("skip"); };
  if (!b.Error().empty()) {
    rep.why = b.Error();
    return rep;
  }
  if (o.repeat < 1) {
    rep.why = "repeat must be at least 1";
    return rep;
  }
  const CommitGraph& g = b.Graph();

  // One commit's verdict in the bisection's terms: all repeats must pass.
  auto test = [&](const std::string& id, StepRecord* rec) -> bool {
    const double t0 = c.Now();
    rec->commit = id;
    for (int i = 0; i < o.repeat; ++i) {
      rec->result = c.Test(id);
      if (rec->result.verdict != Verdict::kGood) break;
    }
    rec->seconds = c.Now() - t0;
    switch (rec->result.verdict) {
      case Verdict::kAbort: return false;
      case Verdict::kSkip: rec->mark = Mark::kSkip; break;
      case Verdict::kGood: rec->mark = o.reverse ? Mark::kNew : Mark::kOld; break;
      case Verdict::kBad: rec->mark = o.reverse ? Mark::kOld : Mark::kNew; break;
    }
    return true;
  };
  auto aborted = [&](const StepRecord& rec) {
    rep.outcome = RunReport::kAborted;
    rep.why = ShortId(rec.commit) + ": " + rec.result.why;
    return rep;
  };

  for (const auto& [id, mark] : o.replay) {
    int i = g.Find(id);
    std::string why;
    if (i < 0) {
      rep.why = "resume: commit " + id + " is not in the range";
      return rep;
    }
    if (!b.Record(i, mark, &why)) {
      rep.why = "resume: " + why;
      return rep;
    }
  }
  if (!o.replay.empty())
    say("resumed: " + std::to_string(o.replay.size()) + " decided commits replayed, " + std::to_string(b.Open()) +
        " left");

  if (o.check_ends) {
    struct End {
      std::string id;
      Mark want;
    };
    std::vector<End> ends = {{g.nodes[b.NewEnd()].id, Mark::kNew}};
    if (!o.old_end.empty()) ends.push_back({o.old_end, Mark::kOld});
    for (const End& e : ends) {
      StepRecord rec;
      if (!test(e.id, &rec)) return aborted(rec);
      say("check: " + ShortId(e.id) + " is " + term(rec.mark) + " (" + rec.result.why + ")");
      if (rec.mark != e.want) {
        rep.outcome = RunReport::kEndsWrong;
        rep.why = "the " + term(e.want) + " end " + ShortId(e.id) + " is " + term(rec.mark) + ": " + rec.result.why;
        return rep;
      }
    }
  }

  double tested_seconds = 0;
  const size_t bound = g.nodes.size() + 1;
  for (size_t n = 0; n < bound; ++n) {
    Bisection::Next next = b.Step();
    if (next.kind == Bisection::Next::kDone) {
      rep.outcome = RunReport::kFound;
      rep.culprit = g.nodes[next.commit].id;
      break;
    }
    if (next.kind != Bisection::Next::kTest) {
      rep.outcome = RunReport::kOnlySkipped;
      for (int s : next.suspects) rep.suspects.push_back(g.nodes[s].id);
      rep.why = "only skipped commits are left: the first " + term_new + " commit is one of them";
      return rep;
    }
    StepRecord rec;
    if (!test(g.nodes[next.commit].id, &rec)) return aborted(rec);
    std::string why;
    if (!b.Record(next.commit, rec.mark, &why)) {
      rep.why = "internal: " + why;
      return rep;
    }
    if (o.decided) o.decided(rec.commit, rec.mark);
    rep.steps.push_back(rec);
    tested_seconds += rec.seconds;
    const int left = b.Open(), steps_left = b.StepsLeft();
    const double per_step = tested_seconds / static_cast<double>(rep.steps.size());
    say("step " + std::to_string(rep.steps.size()) + ": " + ShortId(rec.commit) + " " + term(rec.mark) + " (" +
        Fixed(rec.seconds, 1) + " s): " + std::to_string(left) + (left == 1 ? " commit" : " commits") +
        " left, about " + std::to_string(steps_left) + (steps_left == 1 ? " step" : " steps") + " (~" +
        Roughly(steps_left * per_step) + ") to go");
  }
  if (rep.outcome != RunReport::kFound) {
    rep.why = "internal: the bisection did not end";
    return rep;
  }

  if (o.verify) {
    std::string parent = c.FirstParent(rep.culprit);
    StepRecord a, p;
    if (!test(rep.culprit, &a)) return aborted(a);
    if (parent.empty()) {
      rep.verified = "no (the culprit has no parent to test)";
      return rep;
    }
    if (!test(parent, &p)) return aborted(p);
    say("verify: " + ShortId(rep.culprit) + " is " + term(a.mark) + ", its parent " + ShortId(parent) + " is " +
        term(p.mark));
    rep.verified = a.mark == Mark::kNew && p.mark == Mark::kOld
                       ? "yes"
                       : "no (the culprit is " + term(a.mark) + ", its parent " + term(p.mark) + ")";
  }
  return rep;
}

}  // namespace kb
