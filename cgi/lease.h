// Machine leases (issue 16, design.md "HTTP interface"): what the lease program
// and the default program share. The record and its file are in cgi/state.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cgi/cgi.h"
#include "cgi/state.h"

namespace kb {

// "OWNER (PURPOSE) until 2026-11-27T13:01:15Z": the holder as the 409s name it.
std::string DescribeLease(const Lease& lease);

// A lease=TOKEN parameter: absent, or kLeaseTokenHex lowercase hex digits. False
// with a 400 *error otherwise.
bool CheckLeaseParam(const QueryParam& token, Response* error);

// Whether a write of the machine's once or default may go ahead at `now`: there
// is no live lease, or `token` (a checked lease= parameter) is its token. False
// with a 409 *error naming the holder otherwise, or a 500 when the lease file is
// damaged (nobody can say who holds the machine then). The caller holds the
// machine's lock, so that no lease is taken between this check and its write.
bool LeaseAllows(const MachineState& st, std::string_view machine, const QueryParam& token, int64_t now,
                 Response* error);

}  // namespace kb
