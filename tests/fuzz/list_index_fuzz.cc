// The store's list index as the list CGI reads it (<images>/.index/<arch>):
// input = the file's text, read as x86_64's index. What the parser accepts must be
// what a writer could have written: the names it yields are image names of that
// arch, dates never increasing, as many as the header says, and formatting them
// again gives the input byte for byte (one text per index, nothing left over).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/names.h"
#include "store/store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  kb::ListIndex idx;
  std::string err;
  if (!kb::ParseListIndex(text, "x86_64", &idx, &err)) {
    if (err.empty()) __builtin_trap();  // a refusal always says why
    return 0;
  }
  std::vector<std::string_view> names;
  std::string_view prev_date;
  for (std::string_view s = idx.names; !s.empty();) {
    size_t nl = s.find('\n');
    if (nl == std::string_view::npos) __builtin_trap();
    kb::ImageName n;
    if (kb::ParseImageName(s.substr(0, nl), &n) != nullptr || n.arch != "x86_64") __builtin_trap();
    if (!names.empty() && n.date > prev_date) __builtin_trap();
    prev_date = n.date;
    names.push_back(s.substr(0, nl));
    s.remove_prefix(nl + 1);
  }
  if (names.size() != idx.count || idx.mtime_ns < 0) __builtin_trap();
  if (kb::FormatListIndex("x86_64", idx.mtime_ns, names) != text) __builtin_trap();
  return 0;
}
