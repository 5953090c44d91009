// The default CGI program: the handler in cgi/default.cc behind RunCgi.
#include "cgi/handlers.h"

int main() { return kb::RunCgi("default", kb::HandleDefault); }
