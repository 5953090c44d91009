// --revert-check (design: "Control side"): the bisection's new end with the
// culprit reverted, a commit kbisect makes in memory (lib/git: no work tree is
// touched) and pushes to --revert-remote as refs/kbisect/revert/<culprit>, where
// the builder reads commits; then built like any commit and booted --runs times
// (one a machine, on the machines still in the pool): it should show the old
// state.
#ifndef KBISECT_CONTROL_REVERT_H
#define KBISECT_CONTROL_REVERT_H

#include <string>

#include "control/engine.h"
#include "control/options.h"
#include "lib/git.h"

namespace kb {

struct RevertResult {
  std::string line;     // what it found, for the log and the report
  bool failed = false;  // it ran and the reverted kernel still shows the new state
};

// new_end: the bisection's newer end; rep: a run that found its culprit.
RevertResult RevertCheck(Git& git, Candidates& c, const Options& o, const std::string& new_end, const RunReport& rep);

}  // namespace kb

#endif
