// Mail about broken and recovered builds, through `sendmail -t`.
#pragma once

#include <string>

#include "builder/config.h"

namespace kb {

// Sends one message when [mail] is configured; false (with *err) when sendmail
// cannot be run or fails. Header values are stripped of line breaks.
bool SendMail(const BuilderConfig& c, const std::string& subject, const std::string& body, std::string* err);

}  // namespace kb
