#include "lib/mail.h"

#include "lib/run.h"

namespace kb {
namespace {

std::string OneLine(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

bool SendMail(const std::string& sendmail, const Mail& m, std::string* err) {
  std::string msg = "To: " + OneLine(m.to) + "\n" + (m.from.empty() ? "" : "From: " + OneLine(m.from) + "\n") +
                    "Subject: " + OneLine(m.subject) + "\nContent-Type: text/plain; charset=utf-8\nX-Mailer: " +
                    OneLine(m.mailer) + "\n\n" + m.body;
  int rc = RunCommand({sendmail, "-t", "-i"}, "", {}, -1, msg, err, 60);
  if (rc == 0) return true;
  if (rc >= 0) *err = sendmail + " -t -i exited with " + std::to_string(rc);
  return false;
}

}  // namespace kb
