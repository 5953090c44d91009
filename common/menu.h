// The stage-1 boot menu's pure parts: the server's list, and keys typed on the
// console while it counts down.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

struct ListResult {
  size_t count = 0;     // names stored in out
  size_t total = 0;     // valid names in the list, stored or not
  size_t skipped = 0;   // lines that are not image names
  size_t first_bad_line = 0;
  Error first_bad = nullptr;
};

// Reads a text list (one image name a line, "\n" or "\r\n"). Keeps the first
// out.size() valid names (views into text); counts and skips lines that are not
// image names, remembering the first with its reason. A last line without its
// newline counts only when `complete` (the whole list was received).
ListResult ParseList(std::string_view text, bool complete, std::span<std::string_view> out);

// Keys typed during the countdown. A key a person would press stops the
// countdown (a printable character, Backspace, DEL); digits and backspace edit a
// number; Enter picks that entry (1-based), or the first one when no number was
// typed. What a console client or a line sends by itself is no key (kNone): NUL
// and other control bytes, bytes of 0x80 and above, a telnet command (IAC, its
// option, a subnegotiation up to IAC SE) and a terminal's escape sequence (ESC,
// CSI parameters up to the final byte), so that an IPMI SOL session or a telnet
// client that negotiates on connect cannot stop every boot's countdown.
class MenuInput {
 public:
  enum Action { kNone, kStopped, kChosen, kBadNumber };
  explicit MenuInput(size_t entries) : entries_(entries) {}
  Action Key(char c);
  size_t choice() const { return choice_; }  // 0-based, valid after kChosen
  bool by_default() const { return by_default_; }  // kChosen by Enter alone
  std::string_view typed() const { return std::string_view(typed_, len_); }

 private:
  size_t entries_;
  size_t choice_ = 0;
  bool by_default_ = false;
  char typed_[8] = {};
  size_t len_ = 0;
  // Where a run of bytes that are no key stands.
  enum class Skip { kNo, kIac, kIacOption, kSubneg, kSubnegIac, kEsc, kCsi } skip_ = Skip::kNo;
  // Whether c belongs to a telnet command or an escape sequence (and so is no key).
  bool Skipped(unsigned char c);
};

}  // namespace kb
