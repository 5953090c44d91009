// Step 5: the boot menu on the console.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace kb {

// Shows the entries numbered (those in `failed` marked and never picked by the
// countdown) and counts down `timeout_s` seconds. A key stops the countdown; a
// number and Enter picks an entry; Enter alone the first usable one. With the
// countdown stopped it still boots the first usable entry after 5 minutes
// without a key. Returns the index, or entries.size() when none is usable.
size_t RunMenu(std::span<const std::string_view> entries, std::span<const bool> failed, size_t total,
               unsigned timeout_s);

}  // namespace kb
