#include "common/http.h"

#include "common/chars.h"
#include "common/text.h"

namespace kb {
namespace {

constexpr size_t kMaxHeaderBytes = 32 * 1024;

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct Writer {
  std::span<char> out;
  size_t n = 0;
  bool ok = true;
  void Put(std::string_view s) {
    if (!ok || s.size() > out.size() - n) {
      ok = false;
      return;
    }
    for (char c : s) out[n++] = c;
  }
  void PutNumber(unsigned long long v) {
    char buf[24];
    Put(FormatUnsigned(v, buf));
  }
};

bool HasControl(std::string_view s) {
  for (char c : s)
    if (IsControl(c) || c == ' ') return true;
  return false;
}

}  // namespace

Error FormatHttpRequest(std::string_view method, std::string_view host, uint16_t port, bool tls,
                        std::string_view target, size_t body_length, std::span<char> out, size_t* len) {
  if (HasControl(method) || HasControl(host) || HasControl(target) || target.empty() || target[0] != '/')
    return "request has a bad method, host or target";
  Writer w{out};
  w.Put(method);
  w.Put(" ");
  w.Put(target);
  w.Put(" HTTP/1.1\r\nHost: ");
  w.Put(host);
  if (port != (tls ? 443 : 80)) {
    w.Put(":");
    w.PutNumber(port);
  }
  w.Put("\r\nUser-Agent: kbisect-init\r\nConnection: close\r\n");
  if (body_length > 0 || method == "POST" || method == "PUT") {
    w.Put("Content-Type: text/plain\r\nContent-Length: ");
    w.PutNumber(body_length);
    w.Put("\r\n");
  }
  w.Put("\r\n");
  if (!w.ok) return "request does not fit its buffer";
  *len = w.n;
  return nullptr;
}

bool AppendText(std::string_view s, std::span<char> out, size_t* len) {
  if (out.size() - *len < s.size()) return false;
  for (char c : s) out[(*len)++] = c;
  return true;
}

bool AppendEncoded(std::string_view s, std::span<char> out, size_t* len) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    bool plain = IsAlnum(c) || c == '.' || c == '_' || c == '~' || c == '-';
    size_t need = plain ? 1 : 3;
    if (out.size() - *len < need) return false;
    if (plain) {
      out[(*len)++] = c;
    } else {
      unsigned char u = static_cast<unsigned char>(c);
      out[(*len)++] = '%';
      out[(*len)++] = kHex[u >> 4];
      out[(*len)++] = kHex[u & 15];
    }
  }
  return true;
}

Error HttpResponse::Fail(Error e) {
  state_ = kFailed;
  error_ = e;
  return e;
}

Error HttpResponse::Header(std::string_view name, std::string_view value) {
  if (EqualsNoCase(name, "Content-Length")) {
    if (value.empty() || value.size() > 15) return "bad Content-Length";
    long long v = 0;
    for (char c : value) {
      if (!IsDigit(c)) return "bad Content-Length";
      v = v * 10 + (c - '0');
    }
    if (content_length_ >= 0 && content_length_ != v) return "conflicting Content-Length headers";
    content_length_ = v;
  } else if (EqualsNoCase(name, "Transfer-Encoding")) {
    if (!EqualsNoCase(value, "chunked")) return "unsupported Transfer-Encoding";
    chunked_ = true;
  }
  return nullptr;
}

Error HttpResponse::Line(std::string_view line) {
  switch (state_) {
    case kStatusLine: {
      // HTTP/1.x NNN reason
      if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !IsDigit(line[7]) || line[8] != ' ' ||
          !IsDigit(line[9]) || !IsDigit(line[10]) || !IsDigit(line[11]) || (line.size() > 12 && line[12] != ' '))
        return "not an HTTP/1.x status line";
      status_ = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
      if (status_ < 100) return "not an HTTP/1.x status line";
      state_ = kHeaders;
      return nullptr;
    }
    case kHeaders: {
      if (line.empty()) {
        if (status_ >= 100 && status_ < 200) {  // an interim answer: the real one follows
          state_ = kStatusLine;
          content_length_ = -1;
          chunked_ = false;
          return nullptr;
        }
        if (chunked_) {
          content_length_ = -1;
          state_ = kChunkSize;
        } else {
          state_ = content_length_ == 0 ? kDone : kBody;
        }
        return nullptr;
      }
      if (line[0] == ' ' || line[0] == '\t') return "folded header lines are not supported";
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return "header line without a name";
      for (char c : line.substr(0, colon))
        if (IsControl(c) || c == ' ') return "header name has a space or control byte";
      return Header(line.substr(0, colon), Trim(line.substr(colon + 1)));
    }
    case kChunkSize: {
      std::string_view size = Trim(line.substr(0, line.find(';')));
      if (size.empty() || size.size() > 15) return "bad chunk size";
      unsigned long long v = 0;
      for (char c : size) {
        int h = HexValue(c);
        if (h < 0) return "bad chunk size";
        v = v * 16 + unsigned(h);
      }
      chunk_left_ = v;
      state_ = v == 0 ? kTrailers : kChunkData;
      return nullptr;
    }
    case kChunkEnd:
      if (!line.empty()) return "chunk data longer than its size";
      state_ = kChunkSize;
      return nullptr;
    case kTrailers:
      if (line.empty()) state_ = kDone;
      return nullptr;
    default:
      return "internal parser state";
  }
}

Error HttpResponse::Body(const char* data, size_t n) {
  body_received_ += n;
  if (n > 0 && !on_body_(ctx_, data, n)) return "the body was refused";
  return nullptr;
}

Error HttpResponse::Feed(const char* data, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (state_ == kFailed) return error_;
    if (state_ == kDone) return Fail("data after the end of the response");
    if (state_ == kBody) {
      size_t take = n - i;
      if (content_length_ >= 0) {
        unsigned long long left = static_cast<unsigned long long>(content_length_) - body_received_;
        if (take > left) return Fail("data after the end of the response");
      }
      if (Error e = Body(data + i, take)) return Fail(e);
      i += take;
      if (content_length_ >= 0 && body_received_ == static_cast<unsigned long long>(content_length_))
        state_ = kDone;
      continue;
    }
    if (state_ == kChunkData) {
      size_t take = n - i < chunk_left_ ? n - i : size_t(chunk_left_);
      if (Error e = Body(data + i, take)) return Fail(e);
      i += take;
      chunk_left_ -= take;
      if (chunk_left_ == 0) state_ = kChunkEnd;
      continue;
    }
    // Line-oriented states: collect up to LF.
    char c = data[i++];
    if (state_ <= kHeaders && ++header_bytes_ > kMaxHeaderBytes) return Fail("response headers over 32 KiB");
    if (c == '\n') {
      size_t len = line_len_;
      if (len > 0 && line_[len - 1] == '\r') --len;
      line_len_ = 0;
      if (Error e = Line(std::string_view(line_, len))) return Fail(e);
      continue;
    }
    if (c == '\0') return Fail("NUL byte in the response head");
    if (line_len_ == sizeof line_) return Fail("response line over 1 KiB");
    line_[line_len_++] = c;
  }
  return state_ == kFailed ? error_ : nullptr;
}

Error HttpResponse::Finish() {
  switch (state_) {
    case kFailed: return error_;
    case kDone: return nullptr;
    case kBody:
      if (content_length_ < 0) {  // delimited by the end of the connection
        state_ = kDone;
        return nullptr;
      }
      return Fail("connection closed before the end of the body");
    case kStatusLine:
    case kHeaders: return Fail("connection closed before the end of the headers");
    default: return Fail("connection closed before the last chunk");
  }
}

}  // namespace kb
