#include "common/version.h"

// Only this object is given the version (Makefile): a new commit recompiles it
// alone, every other object is found in ccache.
#ifndef KBISECT_VERSION
#define KBISECT_VERSION "unknown"
#endif

namespace kb {

const char kVersion[] = KBISECT_VERSION;

}  // namespace kb
