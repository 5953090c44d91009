// The booted CGI program: the handler in cgi/booted.cc behind RunCgi.
#include "cgi/handlers.h"

int main() { return kb::RunCgi("booted", kb::HandleBooted); }
