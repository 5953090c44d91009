#include "control/run_log.h"

#include <errno.h>
#include <string.h>

#include "common/fileio.h"

namespace kb {

std::string RangeLine(const std::string& old_sha, const std::string& new_sha, bool reverse) {
  return "range " + old_sha + ".." + new_sha + (reverse ? " reverse" : "");
}

bool ParseResume(const std::string& text, const std::string& path, const std::string& range, bool reverse,
                 std::vector<std::pair<std::string, Ran>>* out, std::string* why) {
  bool range_seen = false;
  int lineno = 0;
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    std::string l = text.substr(at, nl - at);
    at = nl + 1;
    ++lineno;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.rfind("range ", 0) == 0) {
      if (l != range)
        return *why = "--resume: " + path + " is the log of another bisection (" + l + ", not " + range + ")", false;
      range_seen = true;
    } else if (l.rfind("ran ", 0) == 0 || l.rfind("decided ", 0) == 0) {
      std::pair<std::string, Ran> d;
      if (!ParseReplayLine(l.substr(l.find(' ') + 1), reverse, &d, why))
        return *why = "--resume: " + path + ":" + std::to_string(lineno) + ": " + *why, false;
      out->push_back(d);
    }
  }
  if (!range_seen) return *why = "--resume: " + path + " is not a kbisect run log (no range line)", false;
  return true;
}

bool ReadResume(const std::string& path, const std::string& range, bool reverse,
                std::vector<std::pair<std::string, Ran>>* out, std::string* why) {
  std::string text, err;
  if (!ReadFile(path, &text, &err)) return *why = "--resume: " + err, false;
  return ParseResume(text, path, range, reverse, out, why);
}

bool RunLogs::Open(const std::string& path, std::string* why) {
  if ((log = fopen(path.c_str(), "ae")) && (steps = fopen((path + ".steps").c_str(), "ae")) &&
      (output = fopen((path + ".output").c_str(), "ae")))
    return true;
  return *why = "cannot open the log " + path + " (and its .steps, .output): " + strerror(errno), false;
}

void RunLogs::Note(const std::string& line) {
  fprintf(log, "%s\n", line.c_str());
  fflush(log);
}

RunLogs::~RunLogs() {
  for (FILE* f : {log, steps, output})
    if (f) fclose(f);
}

}  // namespace kb
