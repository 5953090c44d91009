// Step 2: load kernel modules from the initramfs, dependencies first.
#pragma once

#include <string_view>

namespace kb {

// Loads the comma- or newline-separated module names in `names` (the
// kbisect.modules value, or /etc/kbisect/modules when the cmdline has none)
// from /lib/modules/<running release>/ with finit_module. Says every failure;
// returns the number of modules that failed.
int LoadModules(std::string_view names);

}  // namespace kb
