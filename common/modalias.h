// Which modules a device needs, the way modprobe finds them (for stage-2, which
// loads the candidate's own modules for the root device): depmod's
// modules.alias ("alias <glob> <module>", the glob matched against the device's
// modalias from /sys) and modules.softdep ("softdep <module> pre: a b post: c",
// e.g. ext4's crc32c). Pure; the texts are the candidate's, from its image.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

// fnmatch(3) without flags: '*', '?', '[...]' (with ranges and '!' or '^'),
// other bytes literal. Bounded: a pattern of n stars costs O(n * text), never more.
bool GlobMatch(std::string_view pattern, std::string_view text);

// The modules whose alias matches `modalias`, each once, in the file's order,
// into out[0..*count). Views point into `aliases`. Fails on a malformed line
// ("alias" with fewer than two fields) or when out is too small.
Error ModulesForModalias(std::string_view aliases, std::string_view modalias, std::span<std::string_view> out,
                         size_t* count);

// The modules to load before `module` ("pre:" of its softdep line), into
// out[0..*count); none when it has no softdep line.
Error SoftdepPre(std::string_view softdeps, std::string_view module, std::span<std::string_view> out, size_t* count);

}  // namespace kb
