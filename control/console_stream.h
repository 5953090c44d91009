// Consoles kbisect captures itself (console.h), for the backends that give a
// stream: a source of bytes that ends (a TCP connection, a client's output), read
// by a thread of the console's own into its capture file, and opened again when
// it ends or cannot be opened (console_stream.cc).
#ifndef KBISECT_CONTROL_CONSOLE_STREAM_H
#define KBISECT_CONTROL_CONSOLE_STREAM_H

#include <memory>
#include <string>
#include <string_view>

#include "control/console.h"

namespace kb {

class StreamSource {
 public:
  virtual ~StreamSource() = default;
  // A descriptor to read the stream from, or -1 with why.
  virtual int Open(std::string* why) = 0;
  virtual void Close() = 0;
  // Whether the first bytes of a connection are its server's or client's
  // refusal rather than the machine's output: "" or what was said.
  virtual std::string Refusal(std::string_view) { return ""; }
};

// The console capturing `source` into the file `capture`, named `name` in
// messages; with start false, made but not started (a form's check).
std::unique_ptr<Console> StartStreamConsole(std::unique_ptr<StreamSource> source, const std::string& name,
                                            const std::string& capture, bool start, std::string* why);

}  // namespace kb

#endif
