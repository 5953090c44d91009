// DNS (RFC 1035) A-record lookups for the stage-1 init: the query out, the
// answer in. Pure; the caller owns the socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"

namespace kb {

inline constexpr size_t kDnsMaxPacket = 512;

// Writes a recursive query for the A records of `name` with id `id`. *len is its
// size. Fails for a name that is not a valid host name.
Error BuildDnsQuery(std::string_view name, uint16_t id, std::span<uint8_t, kDnsMaxPacket> out, size_t* len);

// The error of an answer whose id is not our query's (a late answer to an earlier
// try): the caller keeps listening. Compare the pointer, not the text.
extern const Error kDnsOtherQuery;

// Reads the answer to our query: same id, a response, no error, the question
// echoed. Returns the first A record for `name` or for a name a CNAME in the
// answer leads to from it. Fails with the reason otherwise (NXDOMAIN, no A
// record, truncated or malformed packet, compression loops), or kDnsOtherQuery.
Error ParseDnsAnswer(std::span<const uint8_t> packet, std::string_view name, uint16_t id, uint32_t* address);

}  // namespace kb
