// kbisect-builder publish: an image the builder did not build (a distribution's
// kernel as a machine's safe default, a kernel built by hand) put into the store
// as the builder puts its own (store/PublishImage: the same manifest, checks and
// atomic publication). Needs no configuration: --images names the store.
#pragma once

#include <string>
#include <vector>

namespace kb {

// args: what follows "publish". Prints the image's name on success. Exit codes as
// the builder's: 0 published (or already there), 2 usage, 3 the store refused.
int PublishCommand(const std::vector<std::string>& args);

}  // namespace kb
