#include "control/report.h"

#include <set>

#include "common/html.h"
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

}  // namespace kb
