// kbisect's version (tools/version: from git describe), the same in every program
// of one build: what --version prints and the Debian packages carry. Pure: also in
// the musl init.
#pragma once

namespace kb {

// "0.0+git365.g37d4b14"; "unknown" in objects built without KBISECT_VERSION (the
// unit tests and the fuzzers).
extern const char kVersion[];

}  // namespace kb
