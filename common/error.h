// Errors of the pure-logic modules: a short static reason, or nullptr for success.
// No heap, no exceptions: the same code runs in the musl init and on the host.
#pragma once

namespace kb {

// nullptr means "fine"; otherwise a static, human-readable reason ("too long").
using Error = const char*;

}  // namespace kb
