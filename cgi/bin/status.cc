// The status CGI program: the handler in cgi/status.cc behind RunCgi.
#include "cgi/handlers.h"

int main() { return kb::RunCgi("status", kb::HandleStatus); }
