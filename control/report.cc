#include "control/report.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "common/html.h"
#include "control/cli.h"
#include "control/format.h"

namespace kb {


namespace {

int PowerCycles(const std::vector<StepRow>& rows) {
  int n = 0;
  for (const StepRow& r : rows) n += r.via == "power";
  return n;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string all;
  for (const std::string& s : v) all += (all.empty() ? "" : ", ") + s;
  return all;
}

int Rounds(const std::vector<StepRow>& rows) {
  std::set<int> r;
  for (const StepRow& x : rows) r.insert(x.round);
  return static_cast<int>(r.size());
}

std::string VerdictText(const StepRow& r) { return std::string(VerdictName(r.verdict)) + (r.hang ? " (hang)" : ""); }

// The facts of the run, as (label, value) pairs, for both forms.
std::vector<std::pair<std::string, std::string>> Facts(const ReportInput& in) {
  std::vector<std::pair<std::string, std::string>> f;
  f.push_back({"range", in.old_sha + ".." + in.new_sha + " (" + std::to_string(in.commits) + " commits; " +
                            in.term_old + " .. " + in.term_new + ")"});
  f.push_back({"machines", Joined(in.machines)});
  f.push_back({"result", in.ending});
  if (!in.culprit.sha.empty()) {
    f.push_back({"culprit", in.culprit.sha});
    f.push_back({"subject", in.culprit.summary});
    f.push_back({"author", in.culprit.author});
  }
  if (in.run && in.run->verified != Verified::kNotChecked) f.push_back({"verified", in.run->VerifiedText()});
  if (in.run && !in.run->sureness.empty()) f.push_back({"sure", in.run->sureness});
  if (!in.revert.empty()) f.push_back({"revert check", in.revert});
  if (in.run)
    for (const std::string& d : in.run->dropped) f.push_back({"taken out", d});
  if (in.run)
    for (const std::string& x : in.run->rejected) f.push_back({"rejected", x});
  f.push_back({"boots", std::to_string(in.rows.size()) + " in " + std::to_string(Rounds(in.rows)) + " rounds, " +
                            std::to_string(PowerCycles(in.rows)) + " power cycles"});
  f.push_back({"total", Fixed(in.total, 1) + " s"});
  if (!in.log.empty()) f.push_back({"log", in.log});
  return f;
}

}  // namespace

std::string ReportSubject(const ReportInput& in) { return "kbisect: " + Joined(in.machines) + ": " + in.ending; }

std::string ReportText(const ReportInput& in) {
  std::string t;
  for (const auto& [k, v] : Facts(in)) t += k + ": " + v + "\n";
  t += "\nround machine      commit       verdict  boot_s  step_s  image / what decided it\n";
  for (const StepRow& r : in.rows) {
    char line[160];
    snprintf(line, sizeof line, "%-5d %-12.12s %-12.12s %-8s %6s  %6s  ", r.round, r.machine.c_str(),
             r.commit.c_str(), VerdictText(r).c_str(), r.boot >= 0 ? Fixed(r.boot, 1).c_str() : "-",
             Fixed(r.seconds, 1).c_str());
    t += line + r.image + "\n" + std::string(56, ' ') + r.why + "\n";
  }
  if (in.run) {
    t += "\nruns per commit:\n";
    for (const auto& [id, c] : in.run->counts) t += "  " + id.substr(0, 12) + " " + c.Text() + (c.Flaky() ? " (flaky)" : "") + "\n";
  }
  return t;
}

std::string ReportHtml(const ReportInput& in) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      HtmlEscape(ReportSubject(in)) +
      "</title>\n<style>\n"
      "body{font-family:sans-serif;margin:1em;color:#222}table{border-collapse:collapse;margin:.5em 0}\n"
      "td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}\n"
      "th{background:#eee}code,.sha{font-family:monospace}.bad{color:#a00}.good{color:#070}\n"
      ".skip,.abort{color:#666}.why{font-family:monospace;font-size:90%}\n"
      "@media (max-width:600px){.image{display:none}}\n"
      "</style></head><body>\n<h1>" +
      HtmlEscape(in.ending) + "</h1>\n<table id=\"facts\">\n";
  for (const auto& [k, v] : Facts(in))
    h += "<tr><th>" + HtmlEscape(k) + "</th><td" + (k == "culprit" || k == "range" ? " class=\"sha\"" : "") + ">" +
         HtmlEscape(v) + "</td></tr>\n";
  h += "</table>\n<h2>Boots</h2>\n<table id=\"boots\">\n<tr><th>round</th><th>machine</th><th>commit</th>"
       "<th class=\"image\">image</th><th>boot s</th><th>verdict</th><th>what decided it</th><th>via</th>"
       "<th>step s</th></tr>\n";
  for (const StepRow& r : in.rows) {
    const std::string v = VerdictName(r.verdict);
    h += "<tr class=\"boot\"><td>" + std::to_string(r.round) + "</td><td>" + HtmlEscape(r.machine) +
         "</td><td class=\"sha\" title=\"" + HtmlEscape(r.commit) + "\">" + HtmlEscape(r.commit.substr(0, 12)) +
         "</td><td class=\"image\">" + HtmlEscape(r.image) + "</td><td>" + (r.boot >= 0 ? Fixed(r.boot, 1) : "-") +
         "</td><td class=\"" + v + "\">" + HtmlEscape(VerdictText(r)) + "</td><td class=\"why\">" + HtmlEscape(r.why) +
         "</td><td>" + HtmlEscape(r.via) + "</td><td>" + Fixed(r.seconds, 1) + "</td></tr>\n";
  }
  h += "</table>\n";
  if (in.run && !in.run->counts.empty()) {
    h += "<h2>Runs per commit</h2>\n<table id=\"counts\">\n<tr><th>commit</th><th>pass</th><th>fail</th>"
         "<th>hang</th><th>skip</th><th></th></tr>\n";
    for (const auto& [id, c] : in.run->counts)
      h += "<tr><td class=\"sha\" title=\"" + HtmlEscape(id) + "\">" + HtmlEscape(id.substr(0, 12)) + "</td><td>" +
           std::to_string(c.pass) + "</td><td>" + std::to_string(c.fail) + "</td><td>" + std::to_string(c.hang) +
           "</td><td>" + std::to_string(c.skip) + "</td><td>" + (c.Flaky() ? "flaky" : "") + "</td></tr>\n";
    h += "</table>\n";
  }
  return h + "</body></html>\n";
}

std::string StepTable(const std::vector<StepRow>& rows, double total, bool pool) {
  std::string out;
  char line[512];
  if (pool)
    snprintf(line, sizeof line, "%-5s %-12s %-12s %-58s %7s %-7s %-6s %7s\n", "round", "machine", "commit", "image",
             "boot_s", "verdict", "via", "step_s");
  else
    snprintf(line, sizeof line, "%-4s %-12s %-58s %7s %-7s %-6s %7s\n", "step", "commit", "image", "boot_s", "verdict",
             "via", "step_s");
  out += line;
  double sum = 0;
  int n = 0;
  for (const StepRow& r : rows) {
    const std::string verdict = r.hang ? std::string(VerdictName(r.verdict)) + "*" : VerdictName(r.verdict);
    const std::string boot = r.boot >= 0 ? Fixed(r.boot) : "-";
    if (pool)
      snprintf(line, sizeof line, "%-5d %-12.12s %-12.12s %-58s %7s %-7s %-6s %7s\n", r.round, r.machine.c_str(),
               r.commit.c_str(), r.image.c_str(), boot.c_str(), verdict.c_str(), r.via.c_str(),
               Fixed(r.seconds).c_str());
    else
      snprintf(line, sizeof line, "%-4d %-12.12s %-58s %7s %-7s %-6s %7s\n", ++n, r.commit.c_str(), r.image.c_str(),
               boot.c_str(), verdict.c_str(), r.via.c_str(), Fixed(r.seconds).c_str());
    out += line;
    sum += std::stod(Fixed(r.seconds));
  }
  if (std::any_of(rows.begin(), rows.end(), [](const StepRow& r) { return r.hang; })) out += "(* a hang)\n";
  if (pool) {
    std::set<std::string> machines;
    for (const StepRow& r : rows) machines.insert(r.machine);
    snprintf(line, sizeof line, "%zu boots in %d rounds on %zu machines: total %s s\n", rows.size(),
             rows.empty() ? 0 : rows.back().round, machines.size(), Fixed(total).c_str());
    return out + line;
  }
  // What is not in a step is between steps (never < 0).
  const double rest = std::max(0.0, std::stod(Fixed(total)) - sum);
  return out + "steps " + Fixed(sum) + " s + between steps " + Fixed(rest) + " s = total " + Fixed(sum + rest) + " s\n";
}

Ending EndingOf(const EndingInput& in) {
  const RunReport& rep = *in.rep;
  const std::string& term_new = in.terms.new_name;
  Ending e;
  auto add = [&](Ending::To to, const std::string& text) { e.lines.push_back({to, text}); };
  // The commits whose runs were counted more than once, with their counts.
  for (const auto& [id, c] : rep.counts)
    if (c.Runs() > 1 || c.Flaky()) add(Ending::kShown, "runs: " + ShortId(id) + " " + c.Text() + (c.Flaky() ? " (flaky)" : ""));
  for (const std::string& d : rep.dropped) add(Ending::kShown, "taken out of the pool: " + d);
  for (const std::string& x : rep.rejected) add(Ending::kShown, "rejected as the culprit: " + x);
  e.exit_code = kRefused;
  switch (rep.outcome) {
    case RunReport::kFound: {
      e.summary = "first " + term_new + " commit: " + ShortId(rep.culprit) + " " + in.culprit_subject;
      add(Ending::kShown, "first " + term_new + " commit: " + rep.culprit + " " + in.culprit_subject);
      if (in.machines > 1)
        add(Ending::kShown, "rounds: " + std::to_string(rep.rounds) + " to bisect, on " +
                                std::to_string(in.machines) + " machines (" + std::to_string(rep.dropped.size()) +
                                " taken out)");
      if (!rep.sureness.empty()) add(Ending::kShown, "sure: " + rep.sureness);
      const bool yes = rep.verified == Verified::kYes;
      if (in.verify)
        add(Ending::kShown,
            "verified: " + rep.VerifiedText() + (yes ? " (the culprit is " + term_new + ", its parent is not)" : ""));
      e.exit_code = !in.verify || yes ? kDone : kRefused;
      return e;
    }
    case RunReport::kOnlySkipped:
      e.summary = "no single culprit: " + rep.why;
      add(Ending::kShown, e.summary);
      for (const std::string& id : rep.suspects) add(Ending::kListed, "  " + id);
      return e;
    case RunReport::kEndsWrong:
      e.summary = "the ends are wrong: " + rep.why;
      add(Ending::kShown, e.summary);
      return e;
    case RunReport::kContradiction:
      e.summary = "no answer: the verdicts contradict each other: " + rep.why;
      add(Ending::kShown, e.summary);
      return e;
    case RunReport::kAborted:
      break;
  }
  const std::string stop = in.stop_signal.empty() ? "" : " (stopped by SIG" + in.stop_signal + ")";
  e.summary = "the bisection did not end" + stop + ": " + rep.why;
  e.exit_code = kAbort;
  add(Ending::kSaid, e.summary);
  if (rep.left >= 0) add(Ending::kSaid, "where it stood: " + std::to_string(rep.left) + " commits left to decide");
  add(Ending::kSaid, "the repository is back at " + in.back + "; to go on: kbisect run ... --resume " + in.log_path);
  add(Ending::kNoted, "aborted" + stop + ": " + rep.why);
  return e;
}

}  // namespace kb
