// The `kbisect` program's conventions on its command line, shared by its
// commands (commands.cc: the wrappers and Main; bisect.cc: step and run): the
// exit codes (see commands.h) and how it speaks on stderr.
#ifndef KBISECT_CONTROL_CLI_H
#define KBISECT_CONTROL_CLI_H

#include <cstdio>
#include <string>

namespace kb {

constexpr int kDone = 0, kRefused = 1, kUsage = 2, kUnreachable = 3;
constexpr int kStepSkip = 125, kAbort = 128;

// "kbisect: <s>" on stderr.
inline void Say(const std::string& s) { fprintf(stderr, "kbisect: %s\n", s.c_str()); }
// Says why and gives the usage exit code.
inline int Usage(const std::string& why) {
  Say(why);
  return kUsage;
}

}  // namespace kb

#endif
