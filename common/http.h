// HTTP/1.1 for the stage-1 init: request text and a streaming response parser.
// The parser does no I/O and no allocation (BearSSL style): the caller feeds it the
// bytes it receives and gets the body through a callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

// Writes "METHOD target HTTP/1.1" with Host, Connection: close, User-Agent and,
// for a body, Content-Type text/plain and Content-Length. *len is the header's
// length; the body is sent after it by the caller. Fails when out is too small
// or a field has a control byte.
Error FormatHttpRequest(std::string_view method, std::string_view host, uint16_t port, bool tls,
                        std::string_view target, size_t body_length, std::span<char> out, size_t* len);

// Appends s to a URL target as it is. Returns false when out cannot hold it.
bool AppendText(std::string_view s, std::span<char> out, size_t* len);

// Appends s to a URL target, percent-encoding what is not [A-Za-z0-9._~-].
// Returns false when out cannot hold it.
bool AppendEncoded(std::string_view s, std::span<char> out, size_t* len);

class HttpResponse {
 public:
  // Receives body bytes as they are decoded; returns false to abort (then the
  // parser fails with "the body was refused").
  using BodyFn = bool (*)(void* ctx, const char* data, size_t n);

  HttpResponse(BodyFn on_body, void* ctx) : on_body_(on_body), ctx_(ctx) {}

  // Consumes bytes. Returns nullptr, or the reason the response is malformed;
  // after an error every call returns the same error.
  Error Feed(const char* data, size_t n);

  // The connection ended (EOF). Fails when the response is incomplete
  // (headers unfinished, fewer body bytes than Content-Length, chunks unfinished).
  Error Finish();

  bool done() const { return state_ == kDone; }
  int status() const { return status_; }
  long long content_length() const { return content_length_; }  // -1: not given
  bool chunked() const { return chunked_; }
  unsigned long long body_received() const { return body_received_; }

 private:
  enum State { kStatusLine, kHeaders, kBody, kChunkSize, kChunkData, kChunkEnd, kTrailers, kDone, kFailed };
  Error Fail(Error e);
  Error Line(std::string_view line);
  Error Header(std::string_view name, std::string_view value);
  Error Body(const char* data, size_t n);

  BodyFn on_body_;
  void* ctx_;
  State state_ = kStatusLine;
  Error error_ = nullptr;
  int status_ = 0;
  long long content_length_ = -1;
  bool chunked_ = false;
  unsigned long long body_received_ = 0;
  unsigned long long chunk_left_ = 0;
  char line_[1024];
  size_t line_len_ = 0;
  size_t header_bytes_ = 0;
};

}  // namespace kb
