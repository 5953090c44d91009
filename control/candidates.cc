#include "control/candidates.h"

#include <fcntl.h>
#include <unistd.h>

#include <thread>

#include "common/fd.h"
#include "common/fileio.h"
#include "control/format.h"
#include "lib/run.h"

namespace kb {

ServerCandidates::ServerCandidates(const Server& server, const Options& o, Git* git, std::string work_tree,
                                   FILE* steps_log, FILE* run_log, FILE* output)
    : server_(server), o_(o), git_(git), work_tree_(std::move(work_tree)), steps_log_(steps_log), run_log_(run_log),
      output_(output) {
  for (const std::string& name : o.machines.empty() ? std::vector<std::string>{o.machine} : o.machines) {
    pool_.push_back(std::make_unique<Member>(server, MachineOptions(o, name), OutputFd()));
  }
}

void ServerCandidates::Say(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  fprintf(stderr, "kbisect: %s\n", line.c_str());
  if (run_log_) {
    fprintf(run_log_, "kbisect: %s\n", line.c_str());
    fflush(run_log_);
  }
}

std::string RowLine(const StepRow& r) {
  return r.commit + " " + r.image + " " + (r.boot >= 0 ? Fixed(r.boot) : "-") + " " + VerdictName(r.verdict) + " " +
         Fixed(r.seconds) + " " + r.via + " " + r.machine;
}

std::optional<ServerCandidates::Built> ServerCandidates::AskForImage(const std::string& commit, double* deadline,
                                                                     std::string* why) {
  if (!o_.build.empty()) {
    Say("no image of " + ShortId(commit) + " yet: asking for one");
    std::string err;
    int rc = RunCommand({"bash", "-c", o_.build}, work_tree_, {"KBISECT_COMMIT=" + commit, "KBISECT_ARCH=" + o_.arch},
                        OutputFd(), "", &err, o_.build_timeout);
    if (rc == -2) return *why = "stopped by a signal", Built::kAbort;
    if (rc == -1) return *why = "cannot run the build command: " + err, Built::kAbort;
    if (rc == 124) return *why = "the build did not finish in " + Fixed(o_.build_timeout) + " s", Built::kAbort;
    if (rc == 125) return *why = "the build command asked for a skip (125)", Built::kSkip;
    if (rc == 1 || rc == 2) return *why = "the build failed (exit " + std::to_string(rc) + ")", Built::kDoesNotBuild;
    if (rc != 0)
      return *why = "the build command failed (exit " + std::to_string(rc) + "): not a build failure of the commit",
             Built::kAbort;
    // The builder publishes before it exits: the image is listed at once, or soon.
    *deadline = MonotonicSeconds() + 60;
    return std::nullopt;
  }
  if (!o_.request_dir.empty()) {
    Say("no image of " + ShortId(commit) + " yet: asking for one");
    std::string err;
    if (!WriteFileAtomic(o_.request_dir + "/" + commit, "", &err))
      return *why = "cannot write a request in " + o_.request_dir + ": " + err, Built::kAbort;
    return std::nullopt;
  }
  // Neither: the server's builder, over HTTP. One that does not run now (a
  // restart: its unit restarts it in 30 s) is waited for, up to 2 minutes, then
  // the run aborts: a lab fault, never a skip.
  std::string answer;
  bool no_builder = false, not_running = false;
  for (int tries = 0;; ++tries) {
    if (server_.RequestBuild(commit, o_.arch, &answer, &no_builder, &not_running, why)) break;
    if (no_builder) {
      *why = "no image of " + ShortId(commit) + " for " + o_.arch +
             " on the server, which has no builder (else --build CMD or --request-dir DIR)";
      return Built::kSkip;
    }
    if (!not_running || tries >= 24 || g_stop) return Built::kAbort;
    if (tries == 0) Say(*why + ": waiting for it (2 minutes at most)");
    SleepUnlessStopped(5);
  }
  Say("no image of " + ShortId(commit) + " yet: asked the server's builder (" + answer + ")");
  return std::nullopt;
}

std::optional<ServerCandidates::Built> ServerCandidates::BuilderSays(const std::string& commit, bool* dropped,
                                                                     std::string* why) {
  const std::string gone = "the builder dropped the request for " + ShortId(commit) + " without an image or a failure";
  if (!o_.build.empty()) return std::nullopt;
  if (o_.request_dir.empty()) {
    // The builder's word on it: queued (or building), its result, or nothing (it
    // dropped the request without one: a commit it cannot resolve).
    std::string state;
    if (!server_.BuildState(commit, o_.arch, &state, why)) return Built::kAbort;
    if (state.rfind("fail", 0) == 0) return *why = "the builder's build failed (" + state + ")", Built::kDoesNotBuild;
    if (state.empty() && *dropped) return *why = gone, Built::kAbort;
    *dropped = state.empty();
    return std::nullopt;
  }
  // The builder drops a request file once it has a result: still no image then is
  // a failed build, which its results file says.
  if (access((o_.request_dir + "/" + commit).c_str(), F_OK) == 0) return std::nullopt;
  if (!*dropped) return *dropped = true, std::nullopt;
  std::string result;
  std::string results = o_.request_dir + "/../builder/results/" + commit + "-" + o_.arch;
  if (ReadSmallFile(results, &result) && result.rfind("fail", 0) == 0)
    return *why = "the builder's build failed (" + result.substr(0, result.find('\n')) + ")", Built::kDoesNotBuild;
  return *why = gone, Built::kAbort;
}

ServerCandidates::Built ServerCandidates::FindOrBuild(const std::string& commit, const std::string& machine,
                                                      std::string* image, std::string* why) {
  if (!server_.ImageOf(machine, o_.arch, commit, image, why)) return Built::kAbort;
  if (!image->empty()) return Built::kImage;
  double deadline = MonotonicSeconds() + o_.build_timeout;
  if (std::optional<Built> end = AskForImage(commit, &deadline, why)) return *end;
  bool dropped = false;
  for (int polls = 0; polls < 100000; ++polls) {
    if (g_stop) return *why = "stopped by a signal", Built::kAbort;
    if (!server_.ImageOf(machine, o_.arch, commit, image, why)) return Built::kAbort;
    if (!image->empty()) return Built::kImage;
    if (MonotonicSeconds() >= deadline) break;
    if (std::optional<Built> end = BuilderSays(commit, &dropped, why)) return *end;
    SleepUnlessStopped(2);
  }
  if (!o_.build.empty())
    *why = "the build command succeeded but the server lists no image of " + ShortId(commit) + " for " + o_.arch +
           " for " + machine + " (does the builder publish to this server's store?)";
  else
    *why = "no image of " + ShortId(commit) + " after " + Fixed(o_.build_timeout) + " s";
  return Built::kAbort;
}

bool ServerCandidates::Prepare(const std::string& commit, const std::string& machine, StepRow* row, StepResult* r) {
  if (!work_tree_.empty()) {
    std::string err;
    int rc = RunCommand({"git", "checkout", "-q", "--detach", commit}, work_tree_, {}, OutputFd(), "", &err, 300);
    if (rc != 0) {
      r->why = "cannot check out " + ShortId(commit) + " in " + work_tree_ + (rc == -1 ? ": " + err : "");
      return false;
    }
  }
  std::string image, why;
  Built b = FindOrBuild(commit, machine, &image, &why);
  row->image = image.empty() ? "-" : image;
  if (b == Built::kAbort) return r->why = why, false;
  if (b == Built::kSkip) return r->verdict = Verdict::kSkip, r->why = why, false;
  if (b == Built::kDoesNotBuild) {
    r->verdict = o_.build_bisect ? Verdict::kBad : Verdict::kSkip;
    r->why = why;
    return false;
  }
  if (o_.build_bisect) {
    r->verdict = Verdict::kGood;
    r->why = "it builds (" + image + ")";
    return false;
  }
  return true;
}

StepResult ServerCandidates::Boot(Member& m, const std::string& commit, const std::string& image, StepRow* row) {
  m.machine.SetCommit(commit);
  StepOptions so = StepOptionsOf(m.o);
  // A candidate that hung or panicked cannot run the reboot command: straight to
  // the power (trying it would cost its timeout, the panicked one spinning meanwhile).
  if (so.use_reboot && !m.down.empty()) {
    so.use_reboot = false;
    Say(m.o.machine + ": the last candidate " + m.down + ": power-cycling without trying --reboot");
  }
  if (pool_.size() == 1) m.machine.SetLive("kbisect: " + ShortId(commit) + ": " + m.o.machine + " is booting " + image);
  StepResult r = BootAndJudge(m.machine, image, so);
  if (pool_.size() == 1) m.machine.SetLive("");
  m.down = r.hang ? "hung" : r.panicked ? "panicked" : "";
  if (!r.retried.empty()) Say(m.o.machine + ": " + r.retried + ": tried once more");
  if (!r.fallback.empty()) Say(m.o.machine + ": " + r.fallback + ": power-cycling");
  if (r.booted_at >= 0)
    Say(m.o.machine + " booted " + image + " (" + Fixed(r.booted_at) + " s after the " +
        (r.left_by == "reboot" ? "reboot command" : "power cycle") + ")");
  row->boot = r.booted_at;
  if (!r.left_by.empty()) row->via = r.left_by;
  return r;
}

std::vector<StepResult> ServerCandidates::TestAll(const std::vector<Job>& jobs) {
  ++round_;
  std::vector<StepResult> results(jobs.size());
  std::vector<StepRow> rows(jobs.size());
  std::vector<double> started(jobs.size());
  std::vector<bool> boot(jobs.size(), false);
  // The images first, one at a time (a build checks its commit out in the work tree).
  for (size_t i = 0; i < jobs.size(); ++i) {
    rows[i].commit = jobs[i].commit;
    rows[i].machine = pool_[jobs[i].machine]->o.machine;
    rows[i].round = round_;
    started[i] = MonotonicSeconds();
    boot[i] = Prepare(jobs[i].commit, rows[i].machine, &rows[i], &results[i]);
    if (!boot[i]) rows[i].seconds = MonotonicSeconds() - started[i];
    if (results[i].verdict == Verdict::kAbort && !boot[i]) break;  // the round ends: nothing boots
  }
  bool abort = false;
  for (size_t i = 0; i < jobs.size(); ++i) abort = abort || (!boot[i] && results[i].verdict == Verdict::kAbort);
  // Then the boots, at once: a thread a machine.
  std::vector<std::thread> threads;
  for (size_t i = 0; i < jobs.size() && !abort; ++i) {
    if (!boot[i]) continue;
    threads.emplace_back([&, i] {
      results[i] = Boot(*pool_[jobs[i].machine], jobs[i].commit, rows[i].image, &rows[i]);
      rows[i].seconds = MonotonicSeconds() - started[i];
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (abort && boot[i]) continue;  // not booted: the round aborted before
    if (abort && results[i].why.empty()) continue;
    StepRow& row = rows[i];
    const StepResult& r = results[i];
    row.verdict = r.verdict;
    row.hang = r.hang;
    row.why = r.why;
    Say(ShortId(row.commit) + " " + row.image + (pool_.size() > 1 ? " on " + row.machine : "") + ": " +
        VerdictName(r.verdict) + (r.why.empty() ? "" : " (" + r.why + ")"));
    rows_.push_back(row);
    if (steps_log_) {
      fprintf(steps_log_, "%s\n", RowLine(row).c_str());
      fflush(steps_log_);
    }
  }
  return results;  // an abort's result says why; the jobs it kept from booting, nothing
}

std::string ServerCandidates::KernelCode(const std::string& commit) {
  std::string image, code, why;
  if (!server_.ImageOf(o_.machine, o_.arch, commit, &image, &why) || image.empty() ||
      !server_.ImageCode(image, &code, &why)) {
    if (!why.empty()) Say("cannot read the kernel code of " + ShortId(commit) + ": " + why);
    return "";
  }
  return code;
}

std::string ServerCandidates::FirstParent(const std::string& commit) {
  std::vector<std::string> parents;
  std::string why;
  if (!git_ || !git_->Parents(commit, &parents, &why) || parents.empty()) return "";
  return parents[0];
}

}  // namespace kb
