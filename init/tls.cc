#include "init/tls.h"

#include <bearssl.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "init/console.h"
#include "init/files.h"

#ifndef KBISECT_BUILD_TIME
#error "KBISECT_BUILD_TIME (seconds since the epoch) must be defined by the build"
#endif

namespace kb {

struct TlsSession {
  br_ssl_client_context cc;
  br_x509_minimal_context xc;
  br_sslio_context io;
  unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
  int fd;
  const Deadline* deadline;
  int io_err;
};

namespace {

constexpr size_t kMaxAnchors = 8;
br_x509_trust_anchor g_anchors[kMaxAnchors];
size_t g_anchor_count = 0;
unsigned char g_arena[16384];  // DNs and keys of the anchors
size_t g_arena_used = 0;
TlsSession g_session;

unsigned char* Keep(const void* data, size_t n) {
  if (n > sizeof g_arena - g_arena_used) return nullptr;
  unsigned char* p = g_arena + g_arena_used;
  memcpy(p, data, n);
  g_arena_used += n;
  return p;
}

// A fixed buffer BearSSL's decoders append to; overflow is remembered.
template <size_t N>
struct AppendBuf {
  unsigned char data[N];
  size_t len;
  bool overflow;
};

template <size_t N>
void Append(void* ctx, const void* buf, size_t len) {
  auto* d = static_cast<AppendBuf<N>*>(ctx);
  if (len > N - d->len) {
    d->overflow = true;
    return;
  }
  memcpy(d->data + d->len, buf, len);
  d->len += len;
}

using DnBuf = AppendBuf<1024>;
using DerBuf = AppendBuf<8192>;

bool AddAnchor(const unsigned char* der, size_t len) {
  if (g_anchor_count == kMaxAnchors) return false;
  static DnBuf dn;
  dn = DnBuf{};
  br_x509_decoder_context dc;
  br_x509_decoder_init(&dc, Append<1024>, &dn);
  br_x509_decoder_push(&dc, der, len);
  const br_x509_pkey* pk = br_x509_decoder_get_pkey(&dc);
  if (!pk || dn.overflow) return false;
  br_x509_trust_anchor ta{};
  ta.dn.data = Keep(dn.data, dn.len);
  ta.dn.len = dn.len;
  ta.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
  ta.pkey.key_type = pk->key_type;
  if (pk->key_type == BR_KEYTYPE_RSA) {
    ta.pkey.key.rsa.n = Keep(pk->key.rsa.n, pk->key.rsa.nlen);
    ta.pkey.key.rsa.nlen = pk->key.rsa.nlen;
    ta.pkey.key.rsa.e = Keep(pk->key.rsa.e, pk->key.rsa.elen);
    ta.pkey.key.rsa.elen = pk->key.rsa.elen;
    if (!ta.pkey.key.rsa.n || !ta.pkey.key.rsa.e) return false;
  } else if (pk->key_type == BR_KEYTYPE_EC) {
    ta.pkey.key.ec.curve = pk->key.ec.curve;
    ta.pkey.key.ec.q = Keep(pk->key.ec.q, pk->key.ec.qlen);
    ta.pkey.key.ec.qlen = pk->key.ec.qlen;
    if (!ta.pkey.key.ec.q) return false;
  } else {
    return false;
  }
  if (!ta.dn.data) return false;
  g_anchors[g_anchor_count++] = ta;
  return true;
}

const char* TlsErrorText(int err) {
  switch (err) {
    case BR_ERR_X509_NOT_TRUSTED: return "TLS: the server's certificate is not signed by /etc/kbisect/ca.pem";
    case BR_ERR_X509_BAD_SERVER_NAME: return "TLS: the server's certificate is for another name";
    case BR_ERR_X509_EXPIRED: return "TLS: the server's certificate is expired or not yet valid";
    case BR_ERR_X509_NOT_CA: return "TLS: a certificate in the chain is not a CA";
    case BR_ERR_BAD_VERSION: return "TLS: no protocol version in common";
    case BR_ERR_BAD_CIPHER_SUITE: return "TLS: no cipher suite in common";
    case BR_ERR_IO: return "TLS: the connection failed";
    default:
      if (err >= BR_ERR_RECV_FATAL_ALERT) return "TLS: the server sent a fatal alert";
      return "TLS: handshake or record error";
  }
}

int LowRead(void* ctx, unsigned char* buf, size_t len) {
  auto* s = static_cast<TlsSession*>(ctx);
  int r = RawRead(s->fd, reinterpret_cast<char*>(buf), len, *s->deadline);
  if (r <= 0) {
    s->io_err = r < 0 ? -r : 0;
    return -1;
  }
  return r;
}

int LowWrite(void* ctx, const unsigned char* buf, size_t len) {
  auto* s = static_cast<TlsSession*>(ctx);
  int r = RawWrite(s->fd, reinterpret_cast<const char*>(buf), len, *s->deadline);
  if (r <= 0) {
    s->io_err = r < 0 ? -r : EPIPE;
    return -1;
  }
  return r;
}

bool TlsFail(TlsSession* s, Failure* why) {
  int err = br_ssl_engine_last_error(&s->cc.eng);
  if (s->io_err) {
    why->what = "TLS: the connection failed";
    why->syscall = s->io_err == ETIMEDOUT ? "poll" : "read/write";
    why->err = s->io_err;
  } else {
    why->what = TlsErrorText(err);
    why->syscall = nullptr;
    char num[24];
    std::string_view n = FormatUnsigned(static_cast<unsigned long>(err), num);
    JoinPath(why->detail, {"BearSSL error ", n});
  }
  return false;
}

}  // namespace

int LoadTrustAnchors(const char* pem_path) {
  static char pem[32768];
  size_t len = 0;
  if (int e = ReadFile(pem_path, pem, &len)) {
    SayFailure("tls", pem_path, "open", -e);
    return -1;
  }
  br_pem_decoder_context pc;
  br_pem_decoder_init(&pc);
  static DerBuf der;
  bool in_cert = false;
  int count = 0;
  size_t off = 0;
  while (off < len) {
    size_t pushed = br_pem_decoder_push(&pc, pem + off, len - off);
    off += pushed;
    switch (br_pem_decoder_event(&pc)) {
      case BR_PEM_BEGIN_OBJ:
        in_cert = strcmp(br_pem_decoder_name(&pc), "CERTIFICATE") == 0;
        der = DerBuf{};
        br_pem_decoder_setdest(&pc, in_cert ? Append<8192> : nullptr, &der);
        break;
      case BR_PEM_END_OBJ:
        if (in_cert) {
          if (!der.overflow && AddAnchor(der.data, der.len)) {
            ++count;
          } else {
            Say({"kbisect: tls: a certificate in ", pem_path, " could not be used"});
          }
        }
        in_cert = false;
        break;
      case BR_PEM_ERROR:
        Say({"kbisect: tls: ", pem_path, " is not valid PEM"});
        return -1;
      default:
        break;
    }
  }
  return count;
}

bool TlsStart(Conn* conn, std::string_view host, const Deadline& d, Failure* why) {
  if (g_anchor_count == 0) {
    why->what = "https needs a CA certificate in /etc/kbisect/ca.pem (there is no unchecked mode)";
    why->syscall = nullptr;
    return false;
  }
  TlsSession* s = &g_session;
  br_ssl_client_init_full(&s->cc, &s->xc, g_anchors, g_anchor_count);
  // TLS 1.2 (BearSSL's newest), ECDHE key exchange and AEAD ciphers only:
  // forward secrecy, and no CBC suite with its padding oracles.
  br_ssl_engine_set_versions(&s->cc.eng, BR_TLS12, BR_TLS12);
  static const uint16_t kSuites[] = {
      BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,       BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
      BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,       BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
      BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  };
  br_ssl_engine_set_suites(&s->cc.eng, kSuites, sizeof kSuites / sizeof kSuites[0]);
  // Certificates are checked against the clock; a machine whose clock is older
  // than this build (no RTC battery, never set) checks them as of the build.
  time_t now = time(nullptr);
  if (now < static_cast<time_t>(KBISECT_BUILD_TIME)) now = static_cast<time_t>(KBISECT_BUILD_TIME);
  br_x509_minimal_set_time(&s->xc, uint32_t(719528 + now / 86400), uint32_t(now % 86400));
  br_ssl_engine_set_buffer(&s->cc.eng, s->iobuf, sizeof s->iobuf, 1);
  char name[256];
  if (host.size() >= sizeof name) {
    why->what = "host name too long";
    return false;
  }
  memcpy(name, host.data(), host.size());
  name[host.size()] = '\0';
  if (!br_ssl_client_reset(&s->cc, name, 0)) return TlsFail(s, why);
  s->fd = conn->fd;
  s->deadline = &d;
  s->io_err = 0;
  br_sslio_init(&s->io, &s->cc.eng, LowRead, s, LowWrite, s);
  conn->tls = s;
  return true;
}

int ConnRead(Conn* conn, char* buf, size_t n, const Deadline& d, Failure* why) {
  if (!conn->tls) {
    int r = RawRead(conn->fd, buf, n, d);
    if (r < 0) {
      why->what = "cannot read the reply";
      why->syscall = r == -ETIMEDOUT ? "poll" : "read";
      why->err = -r;
    }
    return r;
  }
  TlsSession* s = conn->tls;
  s->deadline = &d;
  int r = br_sslio_read(&s->io, buf, n);
  if (r > 0) return r;
  // A clean close_notify, or the peer closing after a complete exchange.
  if (br_ssl_engine_current_state(&s->cc.eng) == BR_SSL_CLOSED && br_ssl_engine_last_error(&s->cc.eng) == 0)
    return 0;
  TlsFail(s, why);
  return -1;
}

bool ConnWriteAll(Conn* conn, const char* buf, size_t n, const Deadline& d, Failure* why) {
  if (n == 0) return true;
  if (!conn->tls) {
    while (n > 0) {
      int w = RawWrite(conn->fd, buf, n, d);
      if (w <= 0) {
        why->what = "cannot send the request";
        why->syscall = w == -ETIMEDOUT ? "poll" : "write";
        why->err = w < 0 ? -w : EPIPE;
        return false;
      }
      buf += w;
      n -= size_t(w);
    }
    return true;
  }
  conn->tls->deadline = &d;
  if (br_sslio_write_all(&conn->tls->io, buf, n) != 0) return TlsFail(conn->tls, why);
  return true;
}

bool ConnFlush(Conn* conn, const Deadline& d, Failure* why) {
  if (!conn->tls) return true;
  conn->tls->deadline = &d;
  if (br_sslio_flush(&conn->tls->io) != 0) return TlsFail(conn->tls, why);
  return true;
}

void ConnClose(Conn* conn) {
  if (conn->fd >= 0) close(conn->fd);
  conn->fd = -1;
  conn->tls = nullptr;
}

}  // namespace kb
