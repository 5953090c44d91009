// The request CGI program: the handler in cgi/request.cc behind RunCgi.
#include "cgi/handlers.h"

int main(int argc, char** argv) { return kb::RunCgi(argc, argv, "request", kb::HandleRequest); }
