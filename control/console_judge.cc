#include "control/console_judge.h"

#include <cstdio>

#include "control/format.h"

namespace kb {

struct ConsoleJudge::Pattern {
  regex_t re;
};

namespace {
constexpr std::string_view kKexec = "kbisect: kexec into ";
constexpr const char* kCrash = "Kernel panic|Oops:|BUG:|general protection fault";
constexpr const char* kCallTrace = "Call Trace:";

}  // namespace

ConsoleJudge::ConsoleJudge(const JudgeRules& r)
    : call_trace_fails_(r.call_trace_fails), boot_timeout_(r.boot_timeout), silence_timeout_(r.silence_timeout) {
  auto compile = [this](const std::string& what, const std::string& src) -> std::unique_ptr<Pattern> {
    auto p = std::make_unique<Pattern>();
    int rc = regcomp(&p->re, src.c_str(), REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
      char msg[128];
      regerror(rc, &p->re, msg, sizeof msg);
      if (error_.empty()) error_ = what + ": " + msg + " in '" + src + "'";
      return nullptr;
    }
    return p;
  };
  if (!r.pass.empty()) pass_ = compile("--pass", r.pass);
  if (!r.fail.empty()) fail_ = compile("--fail", r.fail);
  for (const std::string& i : r.ignore) {
    auto p = compile("--ignore", i);
    if (p) ignore_.push_back(std::move(p));
  }
  crash_ = compile("crash", kCrash);
  call_trace_ = compile("call trace", kCallTrace);
  if (error_.empty() && boot_timeout_ <= 0) error_ = "the boot timeout must be > 0";
  if (error_.empty() && silence_timeout_ < 0) error_ = "the silence timeout must be >= 0";
}

ConsoleJudge::~ConsoleJudge() {
  for (auto* p : {&pass_, &fail_, &crash_, &call_trace_})
    if (*p) regfree(&(*p)->re);
  for (auto& p : ignore_) regfree(&p->re);
}

bool ConsoleJudge::Matches(const Pattern* p, std::string_view line) const {
  if (!p) return false;
  std::string s(line);  // regexec wants a terminated string
  return regexec(&p->re, s.c_str(), 0, nullptr, 0) == 0;
}

void ConsoleJudge::Decide(State s, std::string reason) {
  if (state_ != State::kPending) return;
  state_ = s;
  reason_ = std::move(reason);
}

void ConsoleJudge::Line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find(kKexec) != std::string_view::npos) {
    // The candidate's console starts after the stage-1's kexec line (a second
    // one is a second boot: what came before it is not this candidate's).
    started_ = true;
    passed_ = false;
    return;
  }
  if (!started_ || state_ != State::kPending) return;
  for (const auto& p : ignore_)
    if (Matches(p.get(), line)) return;
  if (Matches(fail_.get(), line) || Matches(crash_.get(), line) ||
      (call_trace_fails_ && Matches(call_trace_.get(), line))) {
    Decide(State::kFail, std::string(line));
    return;
  }
  if (!passed_ && Matches(pass_.get(), line)) {
    passed_ = true;
    pass_line_ = std::string(line);
  }
}

ConsoleJudge::State ConsoleJudge::Feed(std::string_view text, double now) {
  if (!error_.empty()) return state_;
  Tick(now);
  if (!text.empty()) last_output_ = now;
  partial_.append(text);
  size_t start = 0, nl;
  while ((nl = partial_.find('\n', start)) != std::string::npos) {
    Line(std::string_view(partial_).substr(start, nl - start));
    start = nl + 1;
  }
  partial_.erase(0, start);
  // A pass is taken once the lines that came with it could not fail it.
  if (state_ == State::kPending && passed_) Decide(State::kPass, pass_line_);
  return state_;
}

ConsoleJudge::State ConsoleJudge::Tick(double now) {
  if (!error_.empty() || state_ != State::kPending) return state_;
  if (!clock_started_) {
    clock_started_ = true;
    start_ = last_output_ = now;
  }
  std::string timed_out;
  if (now - start_ >= boot_timeout_)
    timed_out = "no verdict on the console within " + Shortest(boot_timeout_) + " s";
  else if (silence_timeout_ > 0 && now - last_output_ >= silence_timeout_)
    timed_out = "no console output for " + Shortest(silence_timeout_) + " s";
  if (!timed_out.empty() && started_) Decide(State::kHang, timed_out);
  if (!timed_out.empty() && !started_)
    Decide(State::kNoStage1, timed_out + ", and it never showed the stage-1's '" +
                                 std::string(kKexec.substr(0, kKexec.size() - 1)) +
                                 "' line: the console is not this machine's, or not being captured");
  return state_;
}

const char* StateName(ConsoleJudge::State s) {
  switch (s) {
    case ConsoleJudge::State::kPending: return "pending";
    case ConsoleJudge::State::kPass: return "pass";
    case ConsoleJudge::State::kFail: return "fail";
    case ConsoleJudge::State::kHang: return "hang";
    case ConsoleJudge::State::kNoStage1: return "no stage-1";
  }
  return "?";
}

bool SilentAfterKexec(std::string_view console) {
  size_t at = console.rfind(kKexec);
  if (at == std::string_view::npos) return false;
  std::string_view rest = console.substr(at);
  // Past the kexec line, only blanks and the stage-1's own lines ("kbisect: at
  // N s: kexec").
  for (size_t nl = rest.find('\n'); nl != std::string_view::npos; nl = rest.find('\n')) {
    rest.remove_prefix(nl + 1);
    size_t text = rest.find_first_not_of(std::string_view(" \t\r\0", 4));
    if (text == std::string_view::npos) break;
    if (rest[text] == '\n') continue;
    if (rest.substr(text).substr(0, 9) != "kbisect: ") return false;
  }
  return true;
}

bool PanickedAfterKexec(std::string_view console) {
  size_t at = console.rfind(kKexec);
  return at != std::string_view::npos && console.find("Kernel panic - not syncing", at) != std::string_view::npos;
}

}  // namespace kb
