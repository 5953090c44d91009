#include "common/dns.h"

#include "common/chars.h"
#include "common/url.h"

namespace kb {

const Error kDnsOtherQuery = "DNS answer is for another query";
namespace {

constexpr uint16_t kTypeA = 1, kTypeCname = 5, kClassIn = 1;
constexpr size_t kHeader = 12;

uint16_t Get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

// A (possibly compressed) name at packet[*pos]: its dotted text into out (at most
// 255 bytes, lower case) and *pos past it.
Error ReadName(std::span<const uint8_t> pkt, size_t* pos, char* out, size_t* out_len) {
  size_t p = *pos, n = 0;
  bool jumped = false;
  int jumps = 0;
  for (;;) {
    if (p >= pkt.size()) return "DNS name runs past the packet";
    uint8_t len = pkt[p];
    if ((len & 0xc0) == 0xc0) {
      if (p + 1 >= pkt.size()) return "DNS name pointer runs past the packet";
      size_t target = size_t(len & 0x3f) << 8 | pkt[p + 1];
      if (!jumped) *pos = p + 2;
      jumped = true;
      if (++jumps > 16 || target >= pkt.size()) return "DNS name pointers loop or point outside";
      p = target;
      continue;
    }
    if (len & 0xc0) return "DNS name has a bad label type";
    ++p;
    if (len == 0) break;
    if (p + len > pkt.size()) return "DNS label runs past the packet";
    if (n + len + 1 > 255) return "DNS name is longer than 255 bytes";
    if (n > 0) out[n++] = '.';
    for (size_t i = 0; i < len; ++i) out[n++] = ToLower(char(pkt[p + i]));
    p += len;
  }
  if (!jumped) *pos = p;
  *out_len = n;
  return nullptr;
}

bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  return true;
}

}  // namespace

Error BuildDnsQuery(std::string_view name, uint16_t id, std::span<uint8_t, kDnsMaxPacket> out, size_t* len) {
  if (Error e = CheckHostName(name)) return e;
  uint8_t* p = out.data();
  const uint8_t header[kHeader] = {uint8_t(id >> 8), uint8_t(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  for (size_t i = 0; i < kHeader; ++i) p[i] = header[i];
  size_t n = kHeader;
  while (!name.empty()) {
    size_t dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    if (label.empty() || label.size() > 63) return "host name has an empty or over-long label";
    p[n++] = uint8_t(label.size());
    for (char c : label) p[n++] = uint8_t(c);
  }
  p[n++] = 0;
  p[n++] = 0;
  p[n++] = kTypeA;
  p[n++] = 0;
  p[n++] = kClassIn;
  *len = n;
  return nullptr;
}

Error ParseDnsAnswer(std::span<const uint8_t> pkt, std::string_view name, uint16_t id, uint32_t* address) {
  if (pkt.size() < kHeader) return "DNS answer is shorter than its header";
  const uint8_t* h = pkt.data();
  if (Get16(h) != id) return kDnsOtherQuery;
  if (!(h[2] & 0x80)) return "DNS packet is not an answer";
  if (h[2] & 0x02) return "DNS answer is truncated";
  switch (h[3] & 0x0f) {
    case 0: break;
    case 3: return "no such host name (NXDOMAIN)";
    case 2: return "the DNS server failed (SERVFAIL)";
    case 5: return "the DNS server refused the query";
    default: return "the DNS server answered with an error";
  }
  if (Get16(h + 4) != 1) return "DNS answer does not echo one question";
  size_t pos = kHeader;
  char text[256];
  size_t len = 0;
  if (Error e = ReadName(pkt, &pos, text, &len)) return e;
  if (!SameName(std::string_view(text, len), name)) return "DNS answer is for another name";
  if (pos + 4 > pkt.size()) return "DNS question runs past the packet";
  pos += 4;
  // Follow CNAMEs within the answer from the name asked.
  char want[256];
  size_t want_len = name.size() < sizeof want ? name.size() : sizeof want - 1;
  for (size_t i = 0; i < want_len; ++i) want[i] = ToLower(name[i]);
  uint16_t count = Get16(h + 6);
  for (int round = 0; round < 8; ++round) {
    size_t p = pos;
    bool moved = false;
    for (uint16_t i = 0; i < count; ++i) {
      if (Error e = ReadName(pkt, &p, text, &len)) return e;
      if (p + 10 > pkt.size()) return "DNS record runs past the packet";
      uint16_t type = Get16(&pkt[p]), cls = Get16(&pkt[p + 2]), rdlen = Get16(&pkt[p + 8]);
      p += 10;
      if (p + rdlen > pkt.size()) return "DNS record data runs past the packet";
      bool ours = cls == kClassIn && SameName(std::string_view(text, len), std::string_view(want, want_len));
      if (ours && type == kTypeA) {
        if (rdlen != 4) return "DNS A record is not 4 bytes";
        *address = uint32_t(pkt[p]) << 24 | uint32_t(pkt[p + 1]) << 16 | uint32_t(pkt[p + 2]) << 8 | pkt[p + 3];
        return nullptr;
      }
      if (ours && type == kTypeCname && !moved) {
        size_t q = p;
        if (Error e = ReadName(pkt, &q, want, &want_len)) return e;
        moved = true;
      }
      p += rdlen;
    }
    if (!moved) break;
  }
  return "the host name has no IPv4 address (no A record)";
}

}  // namespace kb
