// INI files on the glibc side (the CGI's configuration, the builder's, kbisect's
// --config), read with inih. Not part of the init; image.ini has its own parser,
// common/image_ini, which the init shares.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace kb {

// Called for each "key = value" with its section, and once for each "[section]"
// line with an empty key and value (so that sections without keys are seen).
// Returns "" to accept the entry, or a reason to reject it (unknown key, bad
// value): reading then fails.
using IniEntryFn =
    std::function<std::string(std::string_view section, std::string_view key, std::string_view value)>;

// Reads the INI file at `path`, calling on_entry for every entry. On failure *err
// says "PATH:LINE: reason" (or "PATH: reason" when the file cannot be read) for the
// first bad line; syntax errors count too.
bool ReadIni(const std::string& path, const IniEntryFn& on_entry, std::string* err);

// The same for an INI file's text already in memory (one fetched over HTTP),
// `name` standing for its path in messages.
bool ReadIniText(const std::string& name, const std::string& text, const IniEntryFn& on_entry, std::string* err);

}  // namespace kb
