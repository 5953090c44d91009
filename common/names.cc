#include "common/names.h"

#include "common/chars.h"
#include "common/text.h"

namespace kb {
namespace {

constexpr bool IsNameChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '+' || c == '-';
}
constexpr bool IsArchChar(char c) { return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_'; }

constexpr size_t kSha = 12;
constexpr size_t kDate = 8;
// "_<sha12>_<date>_" before the arch.
constexpr size_t kTail = 1 + kSha + 1 + kDate + 1;

Error CheckDate(std::string_view d) {
  if (d.size() != kDate) return "date is not YYYYMMDD";
  for (char c : d)
    if (!IsDigit(c)) return "date is not YYYYMMDD";
  int year = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
  int month = (d[4] - '0') * 10 + (d[5] - '0');
  int day = (d[6] - '0') * 10 + (d[7] - '0');
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1])
    return "date is not a real day";
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return "date is not a real day";
  return nullptr;
}

Error CheckArch(std::string_view a) {
  if (a.empty()) return "arch is empty";
  for (char c : a)
    if (!IsArchChar(c)) return "arch has a character outside [a-z0-9_]";
  return nullptr;
}

// Does name[i..] start with "_<12 lowercase hex>_<8 digits>_" followed by a valid arch?
bool TailAt(std::string_view name, size_t i) {
  if (i + kTail >= name.size()) return false;
  if (name[i] != '_' || name[i + 1 + kSha] != '_' || name[i + kTail - 1] != '_') return false;
  for (size_t k = 0; k < kSha; ++k)
    if (!IsLowerHex(name[i + 1 + k])) return false;
  for (size_t k = 0; k < kDate; ++k)
    if (!IsDigit(name[i + 2 + kSha + k])) return false;
  return CheckArch(name.substr(i + kTail)) == nullptr;
}

}  // namespace

Error CheckMachineName(std::string_view name) {
  if (name.empty()) return "machine name is empty";
  if (name.size() > kMaxMachineName) return "machine name is longer than 64 characters";
  if (name[0] == '.') return "machine name starts with '.'";
  for (char c : name)
    if (!(IsAlnum(c) || c == '.' || c == '_' || c == '-'))
      return "machine name has a character outside [A-Za-z0-9._-]";
  return nullptr;
}

Error ParseImageName(std::string_view name, ImageName* out) {
  if (name.empty()) return "image name is empty";
  if (name.size() > kMaxImageName) return "image name is longer than 200 characters";
  if (name[0] == '.') return "image name starts with '.'";
  for (char c : name)
    if (!IsNameChar(c)) return "image name has a character outside [A-Za-z0-9._+-]";
  // The head is greedy, as in ^(.+)_([0-9a-f]{12})_([0-9]{8})_([a-z0-9_]+)$: take the
  // rightmost place where the fixed-shape tail fits.
  for (size_t i = name.size(); i-- > 1;) {
    if (!TailAt(name, i)) continue;
    ImageName n{name.substr(0, i), name.substr(i + 1, kSha), name.substr(i + 2 + kSha, kDate),
                name.substr(i + kTail)};
    if (Error e = CheckDate(n.date)) return e;
    *out = n;
    return nullptr;
  }
  return "image name is not <release>-<branch>_<sha12>_<YYYYMMDD>_<arch>";
}

Error FormatImageName(const ImageNameInput& in, std::span<char> out, size_t* len) {
  if (in.kernelrelease.empty()) return "kernel release is empty";
  for (char c : in.kernelrelease)
    if (!IsNameChar(c)) return "kernel release has a character outside [A-Za-z0-9._+-]";
  if (in.branch.empty()) return "branch is empty";
  if (in.commit.size() < kSha || in.commit.size() > 40) return "commit is not 12 to 40 hex digits";
  for (char c : in.commit)
    if (!IsHex(c)) return "commit is not 12 to 40 hex digits";
  if (Error e = CheckDate(in.date)) return e;
  if (Error e = CheckArch(in.arch)) return e;

  size_t n = 0;
  size_t total = in.kernelrelease.size() + 1 + in.branch.size() + kTail + in.arch.size();
  if (total > kMaxImageName) return "image name would be longer than 200 characters";
  if (total > out.size()) return "image name does not fit the buffer";
  auto put = [&](char c) { out[n++] = c; };
  for (char c : in.kernelrelease) put(c);
  put('-');
  for (char c : in.branch) put(IsNameChar(c) ? c : '-');
  put('_');
  for (size_t k = 0; k < kSha; ++k) put(ToLower(in.commit[k]));
  put('_');
  for (char c : in.date) put(c);
  put('_');
  for (char c : in.arch) put(c);
  *len = n;
  // The result must parse back to the same fields.
  ImageName check;
  if (Error e = ParseImageName(std::string_view(out.data(), n), &check)) return e;
  if (check.arch != in.arch) return "arch makes the image name ambiguous";
  return nullptr;
}

std::string_view ChooseMachineName(std::string_view configured, std::string_view host_name, const uint8_t mac[6],
                                   char* buf) {
  if (!configured.empty()) return configured;
  if (!host_name.empty() && CheckMachineName(host_name) == nullptr) return host_name;
  for (int i = 0; i < 6; ++i) {
    FormatHex({mac + i, 1}, buf + 3 * i);
    if (i < 5) buf[3 * i + 2] = '-';
  }
  return std::string_view(buf, 17);
}

}  // namespace kb
