// The lease CGI program: the handler in cgi/lease.cc behind RunCgi.
#include "cgi/handlers.h"

int main(int argc, char** argv) { return kb::RunCgi(argc, argv, "lease", kb::HandleLease); }
