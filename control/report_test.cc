#include "control/report.h"

#include <gtest/gtest.h>

namespace kb {
namespace {

ReportInput Sample(RunReport* run) {
  run->counts["c" + std::string(39, '3')] = Counts{0, 2, 0, 0};
  run->counts["c" + std::string(39, '2')] = Counts{2, 0, 0, 0};
  run->verified = Verified::kYes;
  run->sureness = "every commit's runs agreed (8 runs, at least 1 per commit)";
  run->dropped = {"p2: the power command failed: exit 3"};
  ReportInput in;
  in.old_sha = std::string(40, 'a');
  in.new_sha = std::string(40, 'b');
  in.commits = 16;
  in.machines = {"p1", "p2", "p3"};
  in.ending = "first bad commit: c33333333333 init: <regression> & \"more\"";
  in.culprit = {"c" + std::string(39, '3'), "init: <regression> & \"more\"", 0, "Ann O'Hacker <ann@example.org>"};
  in.run = run;
  StepRow a;
  a.commit = in.culprit.sha;
  a.image = "6.1.192+-master_c33333333333_20261101_x86_64";
  a.boot = 8.58;
  a.verdict = Verdict::kBad;
  a.seconds = 16.83;
  a.via = "power";
  a.machine = "p3";
  a.round = 2;
  a.why = "kbisect: regression <msg>";
  StepRow h = a;
  h.round = 1;
  h.machine = "p1";
  h.hang = true;
  h.boot = -1;
  h.via = "reboot";
  h.why = "no verdict on the console within 45 s: a hang";
  in.rows = {h, a};
  in.total = 73.96;
  in.log = "run.log";
  return in;
}

TEST(Report, TheTextHasTheAnswerEveryBootAndTheCounts) {
  RunReport run;
  const std::string t = ReportText(Sample(&run));
  EXPECT_NE(t.find("range: " + std::string(40, 'a') + ".." + std::string(40, 'b') + " (16 commits; good .. bad)\n"),
            std::string::npos);
  EXPECT_NE(t.find("culprit: c" + std::string(39, '3') + "\n"), std::string::npos);
  EXPECT_NE(t.find("author: Ann O'Hacker <ann@example.org>\n"), std::string::npos);
  EXPECT_NE(t.find("taken out: p2: the power command failed: exit 3\n"), std::string::npos);
  EXPECT_NE(t.find("boots: 2 in 2 rounds, 1 power cycles\n"), std::string::npos);
  EXPECT_NE(t.find("total: 74.0 s\n"), std::string::npos);
  EXPECT_NE(t.find("kbisect: regression <msg>"), std::string::npos);
  EXPECT_NE(t.find("bad (hang)"), std::string::npos);
  EXPECT_NE(t.find("c33333333333 2 fail\n"), std::string::npos);
  EXPECT_EQ(ReportSubject(Sample(&run)), "kbisect: p1, p2, p3: first bad commit: c33333333333 init: <regression> & \"more\"");
}

TEST(Report, TheHtmlEscapesEverythingAndHoldsEachBoot) {
  EXPECT_EQ(HtmlEscape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
  RunReport run;
  const std::string h = ReportHtml(Sample(&run));
  EXPECT_EQ(h.find("<regression>"), std::string::npos);
  EXPECT_EQ(h.find("<msg>"), std::string::npos);
  EXPECT_NE(h.find("init: &lt;regression&gt; &amp; &quot;more&quot;"), std::string::npos);
  EXPECT_NE(h.find("Ann O&#39;Hacker &lt;ann@example.org&gt;"), std::string::npos);
  size_t boots = 0;
  for (size_t at = 0; (at = h.find("<tr class=\"boot\">", at)) != std::string::npos; ++at) ++boots;
  EXPECT_EQ(boots, 2u);
  EXPECT_NE(h.find("<td class=\"bad\">bad (hang)</td>"), std::string::npos);
  EXPECT_NE(h.find("kbisect: regression &lt;msg&gt;"), std::string::npos);
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(h.find("</html>\n"), std::string::npos);
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

StepRow Row(const std::string& commit, double boot, Verdict v, double seconds, const std::string& via, int round,
            const std::string& machine, bool hang = false) {
  StepRow r;
  r.commit = commit;
  r.image = "img_" + commit;
  r.boot = boot;
  r.verdict = v;
  r.seconds = seconds;
  r.via = via;
  r.round = round;
  r.machine = machine;
  r.hang = hang;
  return r;
}

// The figures a user adds up: the rounded steps plus what is between them make
// the rounded total.
TEST(StepTable, OneMachineAddsUpAndMarksHangs) {
  const std::string t = StepTable({Row("aaaa", 8.58, Verdict::kBad, 16.834, "power", 1, "m1"),
                                   Row("bbbb", -1, Verdict::kBad, 60.04, "reboot", 2, "m1", true)},
                                  80.0, false);
  EXPECT_EQ(t.substr(0, t.find('\n')).rfind("step commit", 0), 0u) << t;
  EXPECT_NE(t.find("\n1    aaaa "), std::string::npos) << t;
  EXPECT_NE(t.find(" bad*  "), std::string::npos) << t;
  EXPECT_NE(t.find("(* a hang)\n"), std::string::npos);
  EXPECT_NE(t.find(" - "), std::string::npos) << "no boot time: -";
  EXPECT_NE(t.find("steps 76.87 s + between steps 3.13 s = total 80.00 s\n"), std::string::npos) << t;
  // A total smaller than the rounded steps (clock granularity) is never a negative gap.
  EXPECT_NE(StepTable({Row("aaaa", 1, Verdict::kGood, 10.04, "power", 1, "m1")}, 10.0, false)
                .find("between steps 0.00 s = total 10.04 s"),
            std::string::npos);
}

TEST(StepTable, APoolCountsBootsRoundsAndMachines) {
  const std::string t = StepTable({Row("aaaa", 8, Verdict::kBad, 16, "power", 1, "p1"),
                                   Row("bbbb", 9, Verdict::kGood, 17, "power", 1, "p2"),
                                   Row("cccc", 9, Verdict::kGood, 17, "reboot", 2, "p1")},
                                  50, true);
  EXPECT_EQ(t.rfind("round machine", 0), 0u) << t;
  EXPECT_NE(t.find("3 boots in 2 rounds on 2 machines: total 50.00 s\n"), std::string::npos) << t;
}

std::vector<std::string> Texts(const Ending& e, Ending::To to) {
  std::vector<std::string> out;
  for (const Ending::Line& l : e.lines)
    if (l.to == to) out.push_back(l.text);
  return out;
}

TEST(EndingOf, AFoundCulpritWithItsCheck) {
  RunReport rep;
  rep.outcome = RunReport::kFound;
  rep.culprit = std::string(40, 'c');
  rep.counts[rep.culprit] = Counts{0, 2, 0, 0};
  rep.verified = Verified::kYes;
  Ending e = EndingOf({&rep, TermsOf("", "", false), true, 1, "net: oops", "", "main", "run.log"});
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_EQ(e.summary, "first bad commit: cccccccccccc net: oops");
  EXPECT_EQ(Texts(e, Ending::kShown),
            (std::vector<std::string>{"runs: cccccccccccc 2 fail", "first bad commit: " + rep.culprit + " net: oops",
                                      "verified: yes (the culprit is bad, its parent is not)"}));
  rep.verified = Verified::kNo;
  rep.verified_why = "the culprit is good";
  e = EndingOf({&rep, TermsOf("", "", true), true, 3, "net: oops", "", "main", "run.log"});
  EXPECT_EQ(e.exit_code, 1) << "a check that fails is exit 1";
  EXPECT_EQ(e.summary, "first good commit: cccccccccccc net: oops");
  EXPECT_EQ(Texts(e, Ending::kShown).back(), "verified: no (the culprit is good)");
  EXPECT_EQ(Texts(e, Ending::kShown)[2], "rounds: 0 to bisect, on 3 machines (0 taken out)");
}

TEST(EndingOf, NoSingleCulpritListsTheSuspects) {
  RunReport rep;
  rep.outcome = RunReport::kOnlySkipped;
  rep.why = "only skipped commits are left";
  rep.suspects = {"s1", "s2"};
  Ending e = EndingOf({&rep, TermsOf("", "", false), false, 1, "", "", "main", "run.log"});
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_EQ(Texts(e, Ending::kListed), (std::vector<std::string>{"  s1", "  s2"}));
}

TEST(EndingOf, AnAbortSaysWhereItStoodAndHowToGoOn) {
  RunReport rep;
  rep.outcome = RunReport::kAborted;
  rep.why = "the server is down";
  rep.left = 7;
  rep.dropped = {"p2: the power switch failed: exit 1"};
  Ending e = EndingOf({&rep, TermsOf("", "", false), false, 2, "", "TERM", "main", "run.log"});
  EXPECT_EQ(e.exit_code, 128);
  EXPECT_EQ(e.summary, "the bisection did not end (stopped by SIGTERM): the server is down");
  EXPECT_EQ(Texts(e, Ending::kShown), (std::vector<std::string>{"taken out of the pool: p2: the power switch failed: exit 1"}));
  EXPECT_EQ(Texts(e, Ending::kSaid),
            (std::vector<std::string>{e.summary, "where it stood: 7 commits left to decide",
                                      "the repository is back at main; to go on: kbisect run ... --resume run.log"}));
  EXPECT_EQ(Texts(e, Ending::kNoted), (std::vector<std::string>{"aborted (stopped by SIGTERM): the server is down"}));
}

}  // namespace
}  // namespace kb
