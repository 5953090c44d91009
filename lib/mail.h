// A plain-text mail through a sendmail-compatible program (`sendmail -t -i`):
// the builder's broken-build mails and the control program's bisection reports.
#pragma once

#include <string>

namespace kb {

struct Mail {
  std::string to, from, subject, body;
  std::string mailer;  // the X-Mailer header
};

// Sends it with `sendmail -t -i` (-i: a line of a lone '.', which a log can hold,
// does not end the message). Header values are stripped of line breaks. False
// (with *err) when sendmail cannot be run or fails.
bool SendMail(const std::string& sendmail, const Mail& m, std::string* err);

}  // namespace kb
