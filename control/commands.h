// The `kbisect` program's commands (issue 13): the server's wrappers (list,
// default, set, once, clear, booted, lease), qmp-reset, one `git bisect run` step, and a
// whole bisection (run). main.cc only calls Main.
//
// Exit codes: wrappers 0 done, 1 refused by the server (its reason printed), 2
// usage, 3 server unreachable. step follows `git bisect run`: 0 good, 1 bad, 125
// skip, 128 abort. run: 0 culprit found (and confirmed with --verify), 1 no single
// culprit (only skipped commits left, a wrong end with --check-ends, or the
// verification failed), 2 usage, 3 server unreachable at the start, 128 aborted
// (a server error, a power command failing, a signal: the repository is back
// where it was and the run can be resumed).
#ifndef KBISECT_CONTROL_COMMANDS_H
#define KBISECT_CONTROL_COMMANDS_H

namespace kb {

int Main(int argc, char** argv);

}  // namespace kb

#endif
