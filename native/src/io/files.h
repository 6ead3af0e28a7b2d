// File helpers shared by checkpoints and shards: whole-file reads, durable writes (fsync),
// directory renames, CRC-32 checksums. No torch here.
#pragma once
#include <cstdint>
#include <string>

namespace egen {

// Reads a whole file; throws naming the path when it is missing or unreadable.
std::string ReadFile(const std::string& path);
// Writes `bytes` to `path` and fsyncs it before returning.
void WriteFileDurably(const std::string& path, const void* bytes, size_t size);
void WriteFileDurably(const std::string& path, const std::string& bytes);
// fsyncs a file written by other means (a stream, a library's own writer).
void SyncFile(const std::string& path);
// fsyncs a directory so that renames and new entries inside it are durable.
void SyncDirectory(const std::string& path);
bool PathExists(const std::string& path);
bool IsDirectory(const std::string& path);
int64_t FileSize(const std::string& path);
void MakeDirectories(const std::string& path);
void RemoveAll(const std::string& path);
// Atomic on POSIX when both are on one filesystem; replaces an existing empty target.
void RenamePath(const std::string& from, const std::string& to);
std::string JoinPath(const std::string& a, const std::string& b);
std::string ParentPath(const std::string& path);

// CRC-32 (IEEE, the zlib polynomial), incremental: pass the previous value to continue.
uint32_t Crc32(const void* data, size_t size, uint32_t previous = 0);
uint32_t FileCrc32(const std::string& path);

}  // namespace egen
