// The status CGI program: the handler in cgi/status.cc behind RunCgi.
#include "cgi/handlers.h"

int main(int argc, char** argv) { return kb::RunCgi(argc, argv, "status", kb::HandleStatus); }
