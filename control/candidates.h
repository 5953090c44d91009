// A commit's verdict on a real machine (issue 13: the edge RunBisection and `kbisect
// step` test through): its image found on the server or built (--build CMD, or a
// request file the builder answers), then booted and judged (BootAndJudge). With
// --build-bisect the build is the test and nothing is booted. Each test is a row
// of the step table and a line of the steps log.
#ifndef KBISECT_CONTROL_CANDIDATES_H
#define KBISECT_CONTROL_CANDIDATES_H

#include <cstdio>
#include <string>
#include <vector>

#include "control/engine.h"
#include "control/machine.h"
#include "control/options.h"
#include "control/server.h"
#include "lib/git.h"
#include "lib/run.h"

namespace kb {

struct StepRow {
  std::string commit, image;  // image "-" when there was none
  double boot = -1;           // seconds from the power cycle to the boot report
  Verdict verdict = Verdict::kAbort;
  double seconds = 0;
  std::string via = "-";      // how the machine left the last candidate: reboot, power
};

class ServerCandidates : public Candidates {
 public:
  // work_tree: checks each commit out there first (run, like git bisect), "" not
  // to; steps_log: a file to append rows to (may be null); run_log: where
  // kbisect's remarks go besides stderr (may be null); output: where the
  // commands' output goes (builds, power, tests; null: stderr), kept apart from
  // the run's log, which --resume reads; git: for FirstParent.
  ServerCandidates(const Server& server, const Options& o, Git* git, std::string work_tree, FILE* steps_log,
                   FILE* run_log = nullptr, FILE* output = nullptr)
      : server_(server), o_(o), machine_(server, o), git_(git), work_tree_(std::move(work_tree)),
        steps_log_(steps_log), run_log_(run_log), output_(output) {
    machine_.SetOutput(OutputFd());
  }

  StepResult Test(const std::string& commit) override;
  std::string FirstParent(const std::string& commit) override;
  double Now() override { return MonotonicSeconds(); }
  const std::vector<StepRow>& Rows() const { return rows_; }

 private:
  enum class Built { kImage, kDoesNotBuild, kSkip, kAbort };
  // The commit's image, built when it has none (*image, or why not).
  Built FindOrBuild(const std::string& commit, std::string* image, std::string* why);
  StepResult TestOnce(const std::string& commit, StepRow* row);
  void Say(const std::string& line);
  int OutputFd() const { return output_ ? fileno(output_) : 2; }

  const Server& server_;
  const Options& o_;
  RealMachine machine_;
  Git* git_;
  std::string work_tree_;
  FILE* steps_log_;
  FILE* run_log_;
  FILE* output_;
  std::vector<StepRow> rows_;
  bool last_hung_ = false;  // the machine is not up to run --reboot
};

// "<commit> <image> <boot_s> <verdict> <step_s> <via>", a steps log line.
std::string RowLine(const StepRow& r);

}  // namespace kb

#endif
