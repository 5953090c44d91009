#include "common/text.h"

#include <time.h>

namespace kb {

std::string_view FormatHex(std::span<const uint8_t> bytes, char* buf) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < bytes.size(); ++i) {
    buf[2 * i] = kHex[bytes[i] >> 4];
    buf[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return std::string_view(buf, 2 * bytes.size());
}

std::string_view FormatUnsigned(unsigned long long v, char* buf) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = char('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  return std::string_view(buf, n);
}

std::string_view FormatHexNumber(unsigned long long v, char* buf) {
  char tmp[16];
  size_t n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v);
  for (size_t i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  return std::string_view(buf, n);
}

std::string_view FormatMiB(unsigned long long bytes, char* buf) {
  unsigned long long tenths = bytes * 10 / (1024 * 1024);
  char whole[24], frac[24];
  std::string_view w = FormatUnsigned(static_cast<unsigned long>(tenths / 10), whole);
  std::string_view f = FormatUnsigned(static_cast<unsigned long>(tenths % 10), frac);
  JoinPath(std::span(buf, 24), {w, ".", f, " MiB"});
  return buf;
}

const char* FormatIpv4(uint32_t a, char* buf) {
  size_t n = 0;
  for (int i = 3; i >= 0; --i) {
    char num[24];
    std::string_view s = FormatUnsigned((a >> (8 * i)) & 255, num);
    for (char ch : s) buf[n++] = ch;
    if (i) buf[n++] = '.';
  }
  buf[n] = '\0';
  return buf;
}

bool JoinPath(std::span<char> buf, std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (std::string_view p : parts) {
    if (p.size() >= buf.size() - n) return false;
    for (char c : p) buf[n++] = c;
  }
  buf[n] = '\0';
  return true;
}

std::string_view FormatUtc(int64_t t, const char* fmt, std::span<char> buf) {
  time_t tt = time_t(t);
  struct tm tm;
  if (buf.empty() || !gmtime_r(&tt, &tm)) return {};
  size_t n = strftime(buf.data(), buf.size(), fmt, &tm);
  if (n == 0) buf[0] = '\0';
  return std::string_view(buf.data(), n);
}

}  // namespace kb
