// Consoles kbisect captures itself (console.h): a source that gives bytes until it
// ends, read by a thread of the console's own into its capture file, and opened
// again when it ends or cannot be opened (after 1 s, then 2, at most 5), for as
// long as the console lives:
//   tcp:HOST:PORT  a serial port served on TCP (ser2net, conserver's raw port)
//   command:CMD    a command's output (bash -c CMD, stdout and stderr), e.g. a
//                  BMC's Serial-over-LAN client; run again when it exits
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <thread>

#include "common/fd.h"
#include "common/fileio.h"
#include "control/console.h"
#include "control/console_stream.h"
#include "lib/run.h"

namespace kb {

namespace {

class TcpSource : public StreamSource {
 public:
  TcpSource(std::string host, std::string port) : host_(std::move(host)), port_(std::move(port)) {}
  int Open(std::string* why) override {
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (int e = getaddrinfo(host_.c_str(), port_.c_str(), &hints, &res))
      return *why = "tcp:" + host_ + ":" + port_ + ": " + gai_strerror(e), -1;
    std::string last = "no address";
    for (addrinfo* a = res; a; a = a->ai_next) {
      Fd fd(socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol));
      if (!fd) continue;
      if (connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
        last = strerror(errno);
        continue;
      }
      // At most 5 s for the connection.
      pollfd p{fd.get(), POLLOUT, 0};
      int err = ETIMEDOUT;
      socklen_t len = sizeof err;
      if (poll(&p, 1, 5000) == 1) getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last = strerror(err);
        continue;
      }
      freeaddrinfo(res);
      fd_ = std::move(fd);
      return fd_.get();
    }
    freeaddrinfo(res);
    return *why = "tcp:" + host_ + ":" + port_ + ": " + last, -1;
  }
  void Close() override { fd_.Close(); }
  // ser2net says these to a client instead of the port's bytes (another client
  // has the port; the serial device cannot be opened).
  std::string Refusal(std::string_view first) override {
    for (std::string_view said : {"Port already in use", "Device open failure"})
      if (first.substr(0, said.size()) == said) {
        std::string line(first.substr(0, first.find_first_of("\r\n")));
        return "tcp:" + host_ + ":" + port_ + " refused: " + line.substr(0, 200);
      }
    return "";
  }

 private:
  std::string host_, port_;
  Fd fd_;
};

class CommandSource : public StreamSource {
 public:
  explicit CommandSource(std::string cmd) : cmd_(std::move(cmd)) {}
  int Open(std::string* why) override {
    Command c;
    c.argv = {"bash", "-c", cmd_};
    c.capture_stderr = true;
    if (!p_.Start(c, why)) return *why = "command:" + cmd_ + ": " + *why, -1;
    return p_.out();
  }
  void Close() override { p_.End(); }

 private:
  std::string cmd_;
  Process p_;
};

// The capture: the thread appends what the source gives to the file; reading is
// the file console's (Size, Read from the file).
class StreamConsole : public Console {
 public:
  StreamConsole(std::unique_ptr<StreamSource> source, std::string name, std::string capture)
      : source_(std::move(source)), name_(std::move(name)), capture_(std::move(capture)) {}
  ~StreamConsole() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    source_->Close();
  }
  bool Begin(std::string* why) {
    out_ = Fd(open(capture_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!out_) return *why = name_ + ": cannot write its capture " + capture_ + ": " + strerror(errno), false;
    file_ = OpenFileConsole(ConsoleTarget{capture_, "", "", "", "", true}, why);
    thread_ = std::thread([this] { Capture(); });
    return true;
  }
  size_t Size() override { return file_ ? file_->Size() : 0; }
  std::string Read(size_t from) override { return file_ ? file_->Read(from) : std::string(); }
  std::string Path() const override { return capture_; }
  std::string Name() const override { return name_; }
  std::string Problem() override {
    std::lock_guard<std::mutex> lock(mu_);
    return problem_;
  }
  size_t LastDropAt() override {
    std::lock_guard<std::mutex> lock(mu_);
    return last_drop_;
  }

 private:
  void SetProblem(const std::string& p) {
    std::lock_guard<std::mutex> lock(mu_);
    problem_ = p;
  }
  // Sleeps up to `seconds`; false when the console is being closed.
  bool Pause(double seconds) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stop_; });
  }
  bool Stopping() {
    std::lock_guard<std::mutex> lock(mu_);
    return stop_;
  }
  void Capture() {
    double backoff = 1;
    while (!Stopping()) {
      std::string why;
      int fd = source_->Open(&why);
      if (fd < 0) {
        SetProblem("cannot open it: " + why);
        if (!Pause(backoff)) return;
        backoff = std::min(backoff * 2, 5.0);
        continue;
      }
      char buf[65536];
      bool first = true, refused = false;
      while (!Stopping()) {
        pollfd p{fd, POLLIN, 0};
        int r = poll(&p, 1, 100);
        if (r < 0 && errno != EINTR) break;
        if (r <= 0) continue;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) break;
        std::string_view got(buf, size_t(n));
        // A console server's refusal comes as the stream's first bytes: it is
        // not the machine's output.
        if (first && !source_->Refusal(got).empty()) {
          SetProblem(source_->Refusal(got));
          refused = true;
          break;
        }
        if (first) SetProblem("");
        first = false;
        if (!WriteAll(out_.get(), got)) break;
      }
      source_->Close();
      if (!refused && !Stopping()) {
        const size_t at = file_ ? file_->Size() : 0;
        std::lock_guard<std::mutex> lock(mu_);
        last_drop_ = at;
      }
      if (!Pause(refused ? backoff : 1)) return;
      if (refused) backoff = std::min(backoff * 2, 5.0);
      else backoff = 1;
    }
  }

  std::unique_ptr<StreamSource> source_;
  std::string name_, capture_;
  Fd out_;
  std::unique_ptr<Console> file_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::string problem_;  // under mu_
  size_t last_drop_ = kNoDrop;  // under mu_
};

}  // namespace

std::unique_ptr<Console> StartStreamConsole(std::unique_ptr<StreamSource> source, const std::string& name,
                                            const std::string& capture, bool start, std::string* why) {
  auto c = std::make_unique<StreamConsole>(std::move(source), name, capture);
  if (start && !c->Begin(why)) return nullptr;
  return c;
}

std::unique_ptr<Console> OpenTcpConsole(const ConsoleTarget& t, std::string* why) {
  const std::string rest = t.spec.substr(4);
  size_t colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? "" : rest.substr(0, colon);
  std::string port = colon == std::string::npos ? "" : rest.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const bool port_ok = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos &&
                       std::stoi(port) >= 1 && std::stoi(port) <= 65535;
  if (host.empty() || !port_ok) return *why = "--console tcp:HOST:PORT: not '" + t.spec + "'", nullptr;
  if (t.capture.empty()) return *why = "--console " + t.spec + ": no file to capture it in", nullptr;
  return StartStreamConsole(std::make_unique<TcpSource>(host, port), t.spec, t.capture, t.start, why);
}

std::unique_ptr<Console> OpenCommandConsole(const ConsoleTarget& t, std::string* why) {
  const std::string cmd = t.spec.substr(8);
  if (cmd.empty()) return *why = "--console command:CMD: the command is missing", nullptr;
  if (t.capture.empty()) return *why = "--console " + t.spec + ": no file to capture it in", nullptr;
  return StartStreamConsole(std::make_unique<CommandSource>(cmd), t.spec, t.capture, t.start, why);
}

}  // namespace kb
