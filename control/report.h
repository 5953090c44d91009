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

// The boots, one a row (for a pool with each one's round and machine), and the
// total: "steps S + between steps B = total T" (the rounded figures add up), or
// for a pool "N boots in R rounds on M machines: total T".
std::string StepTable(const std::vector<StepRow>& rows, double total, bool pool);

// How a run ended, in lines for the terminal and the log, and its exit code
// (cli.h). Pure: the caller prints and notes them.
struct EndingInput {
  const RunReport* rep;
  Terms terms;
  bool verify = false;          // the culprit's check ran (its failure is exit 1)
  size_t machines = 1;
  std::string culprit_subject;
  std::string stop_signal;      // "TERM": the run was stopped by it ("" it was not)
  std::string back;             // where the repository is back at (branch or short sha)
  std::string log_path;
};
struct Ending {
  // kShown: printed and noted in the log; kListed: printed only; kSaid: on
  // stderr; kNoted: in the log only.
  enum To { kShown, kListed, kSaid, kNoted };
  struct Line {
    To to;
    std::string text;
  };
  std::vector<Line> lines;
  std::string summary;  // the one-line result, for the report and the mail
  int exit_code = 0;
};
Ending EndingOf(const EndingInput& in);

std::string ReportText(const ReportInput& in);
std::string ReportHtml(const ReportInput& in);
// The mail's subject: "kbisect: <machines>: <ending>".
std::string ReportSubject(const ReportInput& in);

}  // namespace kb

#endif
