#include "builder/mail.h"

#include "lib/mail.h"

namespace kb {

bool SendMail(const BuilderConfig& c, const std::string& subject, const std::string& body, std::string* err) {
  if (c.mail_to.empty()) return true;
  return SendMail(c.sendmail, Mail{c.mail_to, c.mail_from, subject, body, "kbisect-builder"}, err);
}

}  // namespace kb
