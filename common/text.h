// Small text formatting for the init's console and paths (pure: no heap, no
// syscalls; built for musl and glibc).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace kb {

// Decimal digits of v into buf (at least 21 bytes); not NUL-terminated.
std::string_view FormatUnsigned(unsigned long long v, char* buf);

// Lowercase hex digits of v (no 0x, no leading zeros) into buf (at least 16 bytes).
std::string_view FormatHexNumber(unsigned long long v, char* buf);

// Lowercase hex of `bytes` into buf (at least 2 * bytes.size()); not NUL-terminated.
std::string_view FormatHex(std::span<const uint8_t> bytes, char* buf);

// "12.3 MiB" (tenths, rounded down) into buf (at least 24 bytes).
std::string_view FormatMiB(unsigned long long bytes, char* buf);

// "10.0.2.15" for a host-order address, NUL-terminated, into buf (at least 16 bytes).
const char* FormatIpv4(uint32_t a, char* buf);

// The UTC time t (seconds since the epoch) as strftime's fmt writes it into buf
// (NUL-terminated); empty when it does not fit. kUtcIso: 2026-11-27T13:01:15Z.
inline constexpr char kUtcIso[] = "%Y-%m-%dT%H:%M:%SZ";
std::string_view FormatUtc(int64_t t, const char* fmt, std::span<char> buf);

// The parts one after another, NUL-terminated; false (buf unusable) when they
// do not fit with the NUL.
bool JoinPath(std::span<char> buf, std::initializer_list<std::string_view> parts);

}  // namespace kb
