// The booted CGI program: the handler in cgi/booted.cc behind RunCgi.
#include "cgi/handlers.h"

int main(int argc, char** argv) { return kb::RunCgi(argc, argv, "booted", kb::HandleBooted); }
