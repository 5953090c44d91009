// kbisect-builder --config FILE COMMAND: builds a kernel image for every new
// commit of the watched branches and publishes it to the image store.
#include <signal.h>
#include <sys/prctl.h>

#include <cstdio>
#include <string>
#include <vector>

#include "builder/builder.h"
#include "builder/publish.h"
#include "common/version.h"

namespace {

constexpr char kUsage[] =
    "usage: kbisect-builder --config FILE COMMAND\n"
    "       kbisect-builder publish --images DIR ... (an image built elsewhere; publish --help)\n"
    "  watch                    fetch and build new commits, as a service (SIGTERM stops it)\n"
    "  poll                     fetch once and queue the new commits (for cron; watch builds them)\n"
    "  build COMMIT [--arch A]  build one commit now\n"
    "  backfill A..B            build the commits of a range\n"
    "  status                   the queue, the running build, the last results\n"
    "  prune                    remove images beyond [keep]\n"
    "  --help, --version        this text, the version\n"
    "  (the configuration's keys: builder.ini(5), kbisect-builder --help-config)\n"
    "exit codes: 0 done, 1 a build failed, 2 usage or configuration, 3 the builder's own trouble\n";

int Usage(const std::string& why) {
  if (!why.empty()) fprintf(stderr, "kbisect-builder: %s\n", why.c_str());
  fputs(kUsage, stderr);
  return 2;
}

int Run(std::vector<std::string> args) {
  if (!args.empty() && args[0] == "publish") return kb::PublishCommand({args.begin() + 1, args.end()});
  std::string config, arch;
  std::vector<std::string> words;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" || args[i] == "--arch") {
      if (i + 1 == args.size()) return Usage(args[i] + " needs a value");
      (args[i] == "--config" ? config : arch) = args[i + 1];
      ++i;
    } else if (args[i] == "-h" || args[i] == "--help") {
      fputs(kUsage, stdout);
      return 0;
    } else if (args[i] == "--version") {
      printf("kbisect-builder %s\n", kb::kVersion);
      return 0;
    } else if (args[i].rfind("-", 0) == 0) {
      return Usage("unknown option " + args[i]);
    } else {
      words.push_back(args[i]);
    }
  }
  if (config.empty()) return Usage("--config FILE is required");
  if (words.empty()) return Usage("no command");
  struct Command {
    const char* name;
    size_t args;
  };
  static constexpr Command kCommands[] = {{"watch", 0}, {"poll", 0},   {"build", 1},
                                          {"backfill", 1}, {"status", 0}, {"prune", 0}};
  const Command* cmd = nullptr;
  for (const Command& c : kCommands)
    if (words[0] == c.name) cmd = &c;
  if (!cmd) return Usage("unknown command " + words[0]);
  if (words.size() != cmd->args + 1) return Usage(words[0] + " takes " + std::to_string(cmd->args) + " argument(s)");
  if (!arch.empty() && words[0] != "build") return Usage("--arch goes with build");

  kb::BuilderConfig c;
  std::string err;
  if (!kb::LoadBuilderConfig(config, &c, &err)) {
    fprintf(stderr, "kbisect-builder: %s\n", err.c_str());
    return 2;
  }
  kb::Builder b(c);
  if (!b.Open(&err)) {
    fprintf(stderr, "kbisect-builder: %s\n", err.c_str());
    return 2;
  }
  if (words[0] == "watch") return b.Watch();
  if (words[0] == "poll") return b.PollOnce();
  if (words[0] == "build") return b.BuildNow(words[1], arch);
  if (words[0] == "backfill") return b.Backfill(words[1]);
  if (words[0] == "status") return b.Status();
  return b.Prune();
}

}  // namespace

int main(int argc, char** argv) {
  // A command that exits before reading its input (sendmail refusing a mail) must
  // not kill the builder: the write fails with EPIPE instead.
  signal(SIGPIPE, SIG_IGN);
  // Not dumpable: a build (same user) cannot go around its confinement through
  // /proc/<builder>/root, /mem or /fd.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return Run(std::vector<std::string>(argv + 1, argv + argc));
}
