// A commit's verdict on a real machine (issue 13: the edge RunBisection and `kbisect
// step` test through): its image found on the server or built (--build CMD, or a
// request file the builder answers), then booted and judged (BootAndJudge). With
// --build-bisect the build is the test and nothing is booted. Each test is a row
// of the step table and a line of the steps log.
#ifndef KBISECT_CONTROL_CANDIDATES_H
#define KBISECT_CONTROL_CANDIDATES_H

#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
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
  std::string machine;
  int round = 0;              // the pool's round (TestAll call) it ran in
  bool hang = false;
  std::string why;            // what decided it (the console line, the test's exit)
};

// The pool of machines a bisection boots its commits on (one for `kbisect step`):
// each commit's image found on the server or built (one at a time: builds share
// the work tree), then the boots of a round run at once, one thread a machine.
class ServerCandidates : public Candidates {
 public:
  // work_tree: checks each commit out there first (run, like git bisect), "" not
  // to; steps_log: a file to append rows to (may be null); run_log: where
  // kbisect's remarks go besides stderr (may be null); output: where the
  // commands' output goes (builds, power, tests; null: stderr), kept apart from
  // the run's log, which --resume reads; git: for FirstParent.
  ServerCandidates(const Server& server, const Options& o, Git* git, std::string work_tree, FILE* steps_log,
                   FILE* run_log = nullptr, FILE* output = nullptr);

  int Machines() const override { return static_cast<int>(pool_.size()); }
  std::string MachineName(int m) const override { return pool_[m]->o.machine; }
  std::vector<StepResult> TestAll(const std::vector<Job>& jobs) override;
  // One boot of commit on the first machine (`kbisect step`).
  StepResult Test(const std::string& commit) { return TestAll({{0, commit}}).front(); }
  std::string FirstParent(const std::string& commit) override;
  std::string KernelCode(const std::string& commit) override;
  double Now() override { return MonotonicSeconds(); }
  const std::vector<StepRow>& Rows() const { return rows_; }

 private:
  enum class Built { kImage, kDoesNotBuild, kSkip, kAbort };
  struct Member {
    Member(const Server& s, Options opts, int output_fd) : o(std::move(opts)), machine(s, o, output_fd) {}
    Options o;
    RealMachine machine;
    std::string down;  // why the machine is not up to run --reboot ("": it may be)
  };
  // The commit's image, built when it has none (*image, or why not).
  // `machine`: whose list it is looked up in (the job's).
  Built FindOrBuild(const std::string& commit, const std::string& machine, std::string* image, std::string* why);
  // FindOrBuild's two halves: asking for the image (the server's builder over HTTP,
  // --build CMD or a --request-dir file; *deadline for it to be listed), then, at
  // each poll, what the builder says of it. Each: nothing (go on), or the end.
  std::optional<Built> AskForImage(const std::string& commit, double* deadline, std::string* why);
  std::optional<Built> BuilderSays(const std::string& commit, bool* dropped, std::string* why);
  // Before the boot: the work tree at the commit and its image; false with the
  // result when there is nothing to boot (a skip, a build that failed, an abort).
  bool Prepare(const std::string& commit, const std::string& machine, StepRow* row, StepResult* r);
  StepResult Boot(Member& m, const std::string& commit, const std::string& image, StepRow* row);
  void Say(const std::string& line);
  int OutputFd() const { return output_ ? fileno(output_) : 2; }

  const Server& server_;
  const Options& o_;
  std::vector<std::unique_ptr<Member>> pool_;
  Git* git_;
  std::string work_tree_;
  FILE* steps_log_;
  FILE* run_log_;
  FILE* output_;
  std::vector<StepRow> rows_;
  int round_ = 0;
  std::mutex mu_;  // Say from the machines' threads
};

// "<commit> <image> <boot_s> <verdict> <step_s> <via> <machine>", a steps log line.
std::string RowLine(const StepRow& r);

}  // namespace kb

#endif
