// Files on the glibc side (builder, CGI, their tests): one copy of each helper
// that reads, writes atomically, copies or hashes a file. Errors come back as
// false with *err naming the call's object and errno's text; nothing is left
// half-written on any error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/fd.h"

namespace kb {

// The whole buffer, retried on EINTR and short writes.
bool WriteAll(int fd, std::string_view s);

// Reads a whole file of at most `max` bytes. A missing file is not an error when
// `missing` is given (*missing is then set and *out cleared).
bool ReadFile(const std::string& path, std::string* out, std::string* err, bool* missing = nullptr,
              size_t max = size_t(64) << 20);

// ReadFile for callers to whom any failure means "no such file".
bool ReadSmallFile(const std::string& path, std::string* out);

// Replaces `path` with `text`: a temporary file in the same directory, fsync,
// rename, then fsync of the directory so that the rename survives a crash.
bool WriteFileAtomic(const std::string& path, std::string_view text, std::string* err);

// fsync(2) of a directory, for renames and unlinks in it to be durable.
bool SyncDir(const std::string& dir, std::string* err);

// mkdir -p with mode 0755.
bool MakeDirs(const std::string& path, std::string* err);

// Copies a regular file with read and write (the errors are the real ones: a full
// tmpfs says ENOSPC), refusing a symbolic link as the source; fsyncs the copy.
// On error the partial copy is removed.
bool CopyFile(const std::string& from, const std::string& to, std::string* err);

// The SHA-256 of a file's contents.
bool Sha256File(const std::string& path, uint8_t out[32], std::string* err);

}  // namespace kb
