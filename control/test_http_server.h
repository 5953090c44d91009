// For unit tests: an HTTP server on 127.0.0.1 that answers the same response to
// each of its first n requests and keeps what it was sent.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kb {

class OneShot {
 public:
  OneShot(std::string response, int n = 1) : response_(std::move(response)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_, 4), 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, n] {
      for (int i = 0; i < n; ++i) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::string req;
        char buf[4096];
        // Headers, then the body by Content-Length.
        for (;;) {
          size_t end = req.find("\r\n\r\n");
          if (end != std::string::npos) {
            size_t cl = req.find("Content-Length: ");
            size_t want = cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16));
            if (req.size() >= end + 4 + want) break;
          }
          ssize_t r = read(c, buf, sizeof buf);
          if (r <= 0) break;
          req.append(buf, size_t(r));
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(req);
        }
        (void)!write(c, response_.data(), response_.size());
        close(c);
      }
    });
  }
  ~OneShot() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/kbisect/"; }
  // What it was sent so far, one request an element.
  std::vector<std::string> Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::string response_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};


inline std::string Answer(int code, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace kb
