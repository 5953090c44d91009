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

bool MenuInput::Skipped(unsigned char c) {
  switch (skip_) {
    case Skip::kNo: break;
    case Skip::kIac:  // WILL, WONT, DO, DONT take an option; SB starts a subnegotiation
      skip_ = c >= 0xfb && c <= 0xfe ? Skip::kIacOption : c == 0xfa ? Skip::kSubneg : Skip::kNo;
      return true;
    case Skip::kIacOption: skip_ = Skip::kNo; return true;
    case Skip::kSubneg: skip_ = c == 0xff ? Skip::kSubnegIac : Skip::kSubneg; return true;
    case Skip::kSubnegIac: skip_ = c == 0xf0 ? Skip::kNo : Skip::kSubneg; return true;
    case Skip::kEsc: skip_ = c == '[' ? Skip::kCsi : Skip::kNo; return true;
    case Skip::kCsi: if (c >= 0x40 && c <= 0x7e) skip_ = Skip::kNo; return true;
  }
  if (c == 0xff) return skip_ = Skip::kIac, true;
  if (c == 0x1b) return skip_ = Skip::kEsc, true;
  return false;
}

MenuInput::Action MenuInput::Key(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  if (Skipped(u)) return kNone;
  // Control bytes but Backspace, Enter (CR, LF) and DEL; and bytes of 0x80 and up.
  if ((u < 0x20 && c != '\b' && c != '\r' && c != '\n') || u >= 0x80) return kNone;
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
