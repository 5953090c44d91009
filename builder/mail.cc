#include "builder/mail.h"

#include "lib/run.h"

namespace kb {
namespace {

std::string OneLine(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

bool SendMail(const BuilderConfig& c, const std::string& subject, const std::string& body, std::string* err) {
  if (c.mail_to.empty()) return true;
  std::string msg = "To: " + OneLine(c.mail_to) + "\nFrom: " + OneLine(c.mail_from) + "\nSubject: " +
                    OneLine(subject) + "\nContent-Type: text/plain; charset=utf-8\nX-Mailer: kbisect-builder\n\n" +
                    body;
  // -i: a line of a lone '.' (a build log can hold one) does not end the message.
  int rc = RunCommand({c.sendmail, "-t", "-i"}, "", {}, -1, msg, err);
  if (rc == 0) return true;
  if (rc >= 0) *err = c.sendmail + " -t -i exited with " + std::to_string(rc);
  return false;
}

}  // namespace kb
