#include "control/http.h"

#include <curl/curl.h>

#include <mutex>

#include "lib/run.h"

namespace kb {

namespace {

size_t Collect(char* data, size_t size, size_t n, void* out) {
  std::string* s = static_cast<std::string*>(out);
  // A server that sends without end is cut off (no answer here is that big).
  if (s->size() > (8u << 20)) return 0;
  s->append(data, size * n);
  return size * n;
}

// A stop request ends the transfer (curl then fails with "aborted by callback").
int Progress(void* stoppable, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return g_stop && *static_cast<const bool*>(stoppable) ? 1 : 0;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string UrlEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
        c == '~' || c == '-') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpAnswer HttpDo(const HttpRequest& r) {
  GlobalInit();
  HttpAnswer a;
  CURL* c = curl_easy_init();
  if (!c) {
    a.why = "curl_easy_init failed";
    return a;
  }
  char error[CURL_ERROR_SIZE] = "";
  bool stoppable = r.stoppable;
  curl_slist* headers = nullptr;
  curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, long(r.timeout * 1000));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, long(r.timeout * 1000));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, Progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &stoppable);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  if (!r.user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, r.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, r.password.c_str());
  }
  if (!r.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, r.ca_file.c_str());
  if (r.method == "PUT" || r.method == "POST" || r.method == "PATCH") {
    headers = curl_slist_append(headers, ("Content-Type: " + r.content_type).c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, long(r.body.size()));
  }
  for (const std::string& h : r.headers) headers = curl_slist_append(headers, h.c_str());
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.code);
  } else {
    a.code = 0;
    a.body.clear();
    a.why = rc == CURLE_ABORTED_BY_CALLBACK ? "stopped by a signal" : error[0] ? error : curl_easy_strerror(rc);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  if (!a.body.empty() && a.body.back() == '\n') a.body.pop_back();
  return a;
}

}  // namespace kb
