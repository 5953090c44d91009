// A bisection's report for people (issue 16): the range, the answer (the culprit
// with its subject, author and full sha, or why there is none), how sure it is,
// every boot with its round, machine, image, boot time, verdict and what decided
// it, each commit's counts, the machines taken out, the total time and the power
// cycles. As plain text (the mail's body, `--mail`) and as one self-contained HTML
// page (`--report FILE.html`). Pure: the run's results in, text out.
#ifndef KBISECT_CONTROL_REPORT_H
#define KBISECT_CONTROL_REPORT_H

#include <string>
#include <vector>

#include "common/html.h"
#include "control/candidates.h"
#include "control/engine.h"
#include "lib/git.h"

namespace kb {

struct ReportInput {
  std::string old_sha, new_sha;      // the range, in the bisection's terms (old..new)
  std::string term_old = "good", term_new = "bad";
  int commits = 0;                   // in the range
  std::vector<std::string> machines;
  std::string ending;                // the result line: "first bad commit: ...", "aborted: ..."
  CommitInfo culprit;                // sha empty: none
  const RunReport* run = nullptr;
  std::vector<StepRow> rows;
  double total = 0;                  // seconds, the whole run
  std::string log;                   // the run's log file
  std::string revert;                // --revert-check's finding ("" not run)
};

std::string ReportText(const ReportInput& in);
std::string ReportHtml(const ReportInput& in);
// The mail's subject: "kbisect: <machines>: <ending>".
std::string ReportSubject(const ReportInput& in);

}  // namespace kb

#endif
