// The lease CGI program: the handler in cgi/lease.cc behind RunCgi.
#include "cgi/handlers.h"

int main() { return kb::RunCgi("lease", kb::HandleLease); }
