// The default CGI program: the handler in cgi/default.cc behind RunCgi.
#include "cgi/handlers.h"

int main(int argc, char** argv) { return kb::RunCgi(argc, argv, "default", kb::HandleDefault); }
