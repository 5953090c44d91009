// The bisection's range from a real repository (issue 13: the engine's git edge):
// old..new read with libgit2 (through the builder's kb::Git, to be shared once
// the control program lands) into a CommitGraph with every parent inside the range.
#ifndef KBISECT_CONTROL_RANGE_H
#define KBISECT_CONTROL_RANGE_H

#include <string>

#include "lib/git.h"
#include "control/bisection.h"

namespace kb {

// Fills g with the commits of old_rev..new_rev (revisions as git takes them) and
// *new_end with new_rev's index. Refuses (why) an unknown revision, an old end that
// is not an ancestor of the new one, and an empty range.
bool LoadRange(Git& git, const std::string& old_rev, const std::string& new_rev, CommitGraph* g, int* new_end,
               std::string* why);

}  // namespace kb

#endif
