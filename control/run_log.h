// A run's log files (design: "Control side"): LOG has kbisect's own lines, from
// the range line that ties it to its bisection to one "ran <commit>
// pass|fail|hang|skip" line per counted run, which --resume replays; LOG.steps a
// line per boot; LOG.output the commands' output.
#ifndef KBISECT_CONTROL_RUN_LOG_H
#define KBISECT_CONTROL_RUN_LOG_H

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "control/engine.h"

namespace kb {

// "range <old>..<new>[ reverse]", the log's first line.
std::string RangeLine(const std::string& old_sha, const std::string& new_sha, bool reverse);

// The runs a log's text records, for --resume; false with why (naming `path` and
// the line) when the log is another bisection's, has no range line, or has a
// malformed run line.
bool ParseResume(const std::string& text, const std::string& path, const std::string& range, bool reverse,
                 std::vector<std::pair<std::string, Ran>>* out, std::string* why);
// The same from the file.
bool ReadResume(const std::string& path, const std::string& range, bool reverse,
                std::vector<std::pair<std::string, Ran>>* out, std::string* why);

// The run's three files, opened for appending; closed with the object.
struct RunLogs {
  FILE* log = nullptr;
  FILE* steps = nullptr;
  FILE* output = nullptr;
  bool Open(const std::string& path, std::string* why);
  // One line in LOG, flushed at once (a stop may come any time).
  void Note(const std::string& line);
  ~RunLogs();
};

}  // namespace kb

#endif
