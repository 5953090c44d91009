// The list CGI program: the handler in cgi/list.cc behind RunCgi.
#include "cgi/handlers.h"

int main(int argc, char** argv) { return kb::RunCgi(argc, argv, "list", kb::HandleList); }
