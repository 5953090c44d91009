// The verdicts' primitives (engine.h): a run's verdict, a commit's counts and
// their decision, the resume log's lines, the states' names.
#include <string>

#include "control/engine.h"
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
