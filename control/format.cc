#include "control/format.h"

#include <cstdio>
#include <cstring>

namespace kb {

std::string ShortId(const std::string& id) { return id.substr(0, 12); }

std::string Fixed(double v, int decimals) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", decimals, v);
  // "-0.00": the sign of a value that rounds to zero says nothing.
  if (buf[0] == '-' && std::strspn(buf + 1, "0.") == std::strlen(buf + 1)) return buf + 1;
  return buf;
}

std::string Shortest(double v) {
  char buf[64];
  snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string FormRow(const std::string& form, const std::string& what) {
  if (form.size() >= 23) return form + "\n" + std::string(23, ' ') + what + "\n";
  return form + std::string(23 - form.size(), ' ') + what + "\n";
}

std::string ReasonLine(const std::string& text) {
  std::string reason = text.substr(0, text.find('\n')).substr(0, 300);
  for (char& ch : reason)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  return reason;
}

}  // namespace kb
