// A connection to the server: plain TCP, or TLS over it (BearSSL). Every call is
// bounded by the deadline it is given.
#pragma once

#include <cstddef>
#include <string_view>

#include "init/clock.h"
#include "init/socket.h"

namespace kb {

struct TlsSession;

struct Conn {
  int fd;
  TlsSession* tls;  // null for plain HTTP
};

// Sets the trust anchors for https:// (from a PEM file). Returns the number of
// certificates read, 0 or less on failure (said on the console).
int LoadTrustAnchors(const char* pem_path);

// Starts TLS on conn->fd for `host`: the server's certificate chain must lead to
// a trust anchor from LoadTrustAnchors and name `host`.
bool TlsStart(Conn* conn, std::string_view host, const Deadline& d, Failure* why);

// >0: bytes read; 0: the end of the stream; <0: failure (said in *why).
int ConnRead(Conn* conn, char* buf, size_t n, const Deadline& d, Failure* why);
bool ConnWriteAll(Conn* conn, const char* buf, size_t n, const Deadline& d, Failure* why);
bool ConnFlush(Conn* conn, const Deadline& d, Failure* why);
void ConnClose(Conn* conn);

}  // namespace kb
