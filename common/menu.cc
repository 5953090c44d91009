#include "common/menu.h"

#include "common/chars.h"
#include "common/names.h"

namespace kb {

ListResult ParseList(std::string_view text, bool complete, std::span<std::string_view> out) {
  ListResult r;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos && !complete) break;
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (Error e = CheckImageName(line)) {
      if (!r.first_bad) {
        r.first_bad = e;
        r.first_bad_line = line_no;
      }
      ++r.skipped;
      continue;
    }
    ++r.total;
    if (r.count < out.size()) out[r.count++] = line;
  }
  return r;
}

MenuInput::Action MenuInput::Key(char c) {
  if (IsDigit(c)) {
    if (len_ < sizeof typed_) typed_[len_++] = c;
    return kStopped;
  }
  if (c == '\b' || c == 0x7f) {
    if (len_ > 0) --len_;
    return kStopped;
  }
  if (c != '\r' && c != '\n') return kStopped;
  by_default_ = len_ == 0;
  if (len_ == 0) {
    if (entries_ == 0) return kBadNumber;
    choice_ = 0;
    return kChosen;
  }
  size_t v = 0;
  for (size_t i = 0; i < len_; ++i) v = v * 10 + size_t(typed_[i] - '0');
  len_ = 0;
  if (v < 1 || v > entries_) return kBadNumber;
  choice_ = v - 1;
  return kChosen;
}

}  // namespace kb
