// The list CGI program: the handler in cgi/list.cc behind RunCgi.
#include "cgi/handlers.h"

int main() { return kb::RunCgi("list", kb::HandleList); }
