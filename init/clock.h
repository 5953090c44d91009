// Monotonic time and bounded sleeps for PID 1.
#pragma once

#include <cstdint>

namespace kb {

int64_t NowMs();          // CLOCK_MONOTONIC in milliseconds
void SleepMs(int64_t ms);

// A deadline some milliseconds from now.
class Deadline {
 public:
  explicit Deadline(int64_t ms) : end_(NowMs() + ms) {}
  int64_t LeftMs() const {
    int64_t left = end_ - NowMs();
    return left > 0 ? left : 0;
  }
  bool Passed() const { return LeftMs() == 0; }

 private:
  int64_t end_;
};

}  // namespace kb
