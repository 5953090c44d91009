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
