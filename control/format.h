// How kbisect writes commits and numbers in its lines, its log and its step
// table: one place, so that every part of a run reads the same.
#ifndef KBISECT_CONTROL_FORMAT_H
#define KBISECT_CONTROL_FORMAT_H

#include <string>

namespace kb {

// A commit's first 12 hex digits (git's short form in the lines and tables).
std::string ShortId(const std::string& id);

// v with `decimals` digits after the point; a value that rounds to zero has no
// sign ("0.00", never "-0.00").
std::string Fixed(double v, int decimals = 2);

// A limit as the user gave it, in its shortest form ("120", "0.5").
std::string Shortest(double v);

// The first line of a text, at most 300 bytes, control bytes as '?': a server's
// or a BMC's reason fit for a message.
std::string ReasonLine(const std::string& text);

// One row of a table of forms for --help: FORM in a column of 23, what it is
// beside it (below it when FORM is longer).
std::string FormRow(const std::string& form, const std::string& what);

}  // namespace kb

#endif  // KBISECT_CONTROL_FORMAT_H
