// A candidate's console, as the judge reads it: whatever the machine's serial line
// carries (a crashing kernel writes anything), in chunks at growing times; and the
// same bytes as a line of a resume log (a file a user may have edited).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "control/console_judge.h"
#include "control/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  kb::JudgeRules rules;
  rules.pass = "kbisect-test: PASS";
  rules.fail = "regression|error [0-9]+";
  rules.ignore = {"ACPI Error"};
  rules.call_trace_fails = data[0] & 1;
  rules.boot_timeout = 60;
  rules.silence_timeout = (data[0] & 2) ? 5 : 0;
  kb::ConsoleJudge judge(rules);
  // The first byte also cuts the rest into chunks, each one second later.
  size_t chunk = 1 + data[0] / 4;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  double now = 0;
  for (size_t at = 0; at < text.size(); at += chunk, now += 1) judge.Feed(text.substr(at, chunk), now);
  judge.Tick(now + 100);
  std::pair<std::string, kb::Ran> ran;
  std::string why;
  kb::ParseReplayLine(std::string(text), data[0] & 1, &ran, &why);
  return 0;
}
