#include "common/cpio.h"

#include <cstring>

namespace kb {
namespace {

constexpr size_t kFixed = 110;  // "070701" and 13 fields of 8 hex digits

void Hex8(uint32_t v, char* out) {
  static const char kDigits[] = "0123456789ABCDEF";
  for (int i = 7; i >= 0; --i, v >>= 4) out[i] = kDigits[v & 15];
}

}  // namespace

size_t CpioHeader(const CpioEntry& e, std::span<char> out) {
  if (e.name.empty() || e.name.find('\0') != std::string_view::npos) return 0;
  size_t namesize = e.name.size() + 1;
  size_t total = kFixed + namesize;
  total += CpioPadding(total);
  if (total > out.size()) return 0;
  char* p = out.data();
  memcpy(p, "070701", 6);
  const uint32_t fields[13] = {e.ino, e.mode, 0, 0, e.nlink, 0, e.size, 0, 0, e.rdev_major, e.rdev_minor,
                               uint32_t(namesize), 0};
  for (size_t i = 0; i < 13; ++i) Hex8(fields[i], p + 6 + 8 * i);
  memcpy(p + kFixed, e.name.data(), e.name.size());
  memset(p + kFixed + e.name.size(), 0, total - kFixed - e.name.size());
  return total;
}

size_t CpioTrailer(std::span<char> out) {
  CpioEntry t;
  t.name = "TRAILER!!!";
  return CpioHeader(t, out);
}

}  // namespace kb
