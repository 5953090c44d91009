#include "common/ini.h"

#include <errno.h>
#include <ini.h>
#include <string.h>

namespace kb {
namespace {

// inih reads through this, so the line under the handler is known exactly.
struct Context {
  FILE* file = nullptr;
  const IniEntryFn* on_entry = nullptr;
  int line = 0;
  bool at_line_start = true;
  int error_line = 0;
  std::string error;
};

char* Reader(char* str, int num, void* stream) {
  auto* c = static_cast<Context*>(stream);
  if (!fgets(str, num, c->file)) return nullptr;
  if (c->at_line_start) ++c->line;
  size_t len = strlen(str);
  bool whole_line = c->at_line_start;
  c->at_line_start = len > 0 && str[len - 1] == '\n';
  // A section header: tell the caller, with an empty key.
  std::string_view line(str, len);
  if (whole_line && !line.empty() && line.front() == '[') {
    size_t end = line.find(']');
    if (end != std::string_view::npos && c->error_line == 0) {
      std::string section(line.substr(1, end - 1));
      std::string reason = (*c->on_entry)(section, "", "");
      if (!reason.empty()) {
        c->error_line = c->line;
        c->error = "[" + section + "]: " + reason;
      }
    }
  }
  if (!c->at_line_start && !feof(c->file) && c->error_line == 0) {
    c->error_line = c->line;
    c->error = "line is longer than " + std::to_string(num - 2) + " characters";
  }
  return str;
}

int Handler(void* user, const char* section, const char* name, const char* value) {
  auto* c = static_cast<Context*>(user);
  std::string reason = (*c->on_entry)(section, name, value);
  if (reason.empty()) return 1;
  if (c->error_line == 0) {
    c->error_line = c->line;
    c->error = "[" + std::string(section) + "] " + name + ": " + reason;
  }
  return 0;
}

}  // namespace

namespace {

// Reads f (named `path` in messages) and closes it.
bool ReadIniStream(FILE* f, const std::string& path, const IniEntryFn& on_entry, std::string* err) {
  Context c;
  c.file = f;
  c.on_entry = &on_entry;
  int first_bad = ini_parse_stream(Reader, &c, Handler, &c);
  bool read_error = ferror(f);
  fclose(f);
  if (read_error) {
    *err = path + ": cannot read: I/O error";
    return false;
  }
  if (first_bad == 0 && c.error_line == 0) return true;
  // The earlier of inih's first syntax error and ours.
  if (c.error_line != 0 && (first_bad == 0 || c.error_line <= first_bad)) {
    *err = path + ":" + std::to_string(c.error_line) + ": " + c.error;
  } else {
    *err = path + ":" + std::to_string(first_bad) + ": not 'key = value' nor '[section]'";
  }
  return false;
}

}  // namespace

bool ReadIni(const std::string& path, const IniEntryFn& on_entry, std::string* err) {
  FILE* f = fopen(path.c_str(), "re");
  if (!f) {
    *err = path + ": cannot read: " + strerror(errno);
    return false;
  }
  return ReadIniStream(f, path, on_entry, err);
}

bool ReadIniText(const std::string& name, const std::string& text, const IniEntryFn& on_entry, std::string* err) {
  if (text.empty()) return true;
  FILE* f = fmemopen(const_cast<char*>(text.data()), text.size(), "r");
  if (!f) {
    *err = name + ": cannot read: " + strerror(errno);
    return false;
  }
  return ReadIniStream(f, name, on_entry, err);
}

}  // namespace kb
