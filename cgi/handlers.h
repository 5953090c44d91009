// The server's six programs as handlers (doc/design.md "HTTP interface"): each
// takes the request and the configuration and returns the whole response, with
// no I/O of its own beyond the store and the per-machine state. The programs in
// cgi/bin/ are RunCgi over one of these; the unit tests call them directly.
#pragma once

#include "cgi/cgi.h"

namespace kb {

// GET list?machine=M[&arch=A][&format=text|json|tsv]
Response HandleList(const Request& req, const ServerConfig& cfg);
// GET|PUT|POST|DELETE default?machine=M[&once=1][&lease=TOKEN]
Response HandleDefault(const Request& req, const ServerConfig& cfg);
// GET|POST booted?machine=M[&limit=N]
Response HandleBooted(const Request& req, const ServerConfig& cfg);
// GET status
Response HandleStatus(const Request& req, const ServerConfig& cfg);
// GET|POST|PUT|DELETE lease?machine=M[&lease=TOKEN][&seconds=N]
Response HandleLease(const Request& req, const ServerConfig& cfg);
// GET|POST|DELETE request?commit=SHA[&arch=A]
Response HandleRequest(const Request& req, const ServerConfig& cfg);

}  // namespace kb
