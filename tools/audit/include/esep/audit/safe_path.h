#ifndef ESEP_AUDIT_SAFE_PATH_H_
#define ESEP_AUDIT_SAFE_PATH_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace esep::audit {

// A bundle comes from someone else: every name in it (a file of its manifest, a record id, an
// image) and every file the audit tools read or write under a directory goes through this file,
// so that nothing is read or written outside the directory the auditor chose.

// The longest name a bundle may hold, and its most parts ("images/<sha256>.png").
inline constexpr std::size_t kMaxBundleNameBytes = 200;
inline constexpr std::size_t kMaxBundleNameParts = 2;
// No file of a bundle comes near this; a larger one is refused rather than read into memory.
inline constexpr std::uint64_t kMaxFileBytes = std::uint64_t{1} << 30;

// The one rule for a name that comes from a bundle: one or two parts separated by '/', each of
// ASCII letters, digits, '.', '_' and '-' and starting with a letter or digit, at most 200
// bytes in all. So no absolute path, no "." or "..", no hidden file, no backslash or other
// separator, no space or control character. The error quotes the name printably.
absl::Status CheckBundleName(std::string_view name);
// The same rule for a name of one part (no '/'): record ids, which also name overlay files.
absl::Status CheckBundleFileName(std::string_view name);

// True for 64 lowercase hexadecimal digits (how a bundle writes a SHA-256).
bool IsSha256Hex(std::string_view text);

// A name as it can be printed on one line: bytes outside printable ASCII (and '\') as \xNN,
// cut after 120 bytes.
std::string PrintableName(std::string_view name);

// A file named inside a directory: read and written only through the functions below.
struct FileInDirectory {
  std::filesystem::path directory;
  std::string name;  // relative, '/'-separated
  std::filesystem::path Path() const { return directory / name; }
};

// Reading and writing inside a directory without leaving it. `name` is relative: '/'-separated
// parts, none empty, "." or "..", without control characters, at most 255 bytes a part and 1024
// in all. It is opened part by part from the directory with openat(O_NOFOLLOW), so a symbolic
// link below `directory` is never followed; `directory` itself is the caller's choice and is.

// The bytes of a regular file (never a FIFO or a device), at most `max_bytes` of them.
absl::StatusOr<std::string> ReadFileInside(const std::filesystem::path& directory,
                                           std::string_view name,
                                           std::uint64_t max_bytes = kMaxFileBytes);
inline absl::StatusOr<std::string> ReadFileInside(const FileInDirectory& file,
                                                  std::uint64_t max_bytes = kMaxFileBytes) {
  return ReadFileInside(file.directory, file.name, max_bytes);
}

// Writes the bytes under a temporary name beside `name` and renames it over `name`: a link, a
// hard link or a file planted under that name is replaced, never written through. The
// directories above `name` must exist (MakeDirectoryInside).
absl::Status WriteFileInside(const std::filesystem::path& directory, std::string_view name,
                             std::string_view bytes);

// Creates `name` and the directories above it inside `directory`; a part that exists must be a
// directory, not a link to one.
absl::Status MakeDirectoryInside(const std::filesystem::path& directory, std::string_view name);

enum class EntryKind { kFile, kDirectory, kSymlink, kOther };

struct DirectoryEntry {
  std::string name;  // relative to the listed directory, '/'-separated
  EntryKind kind = EntryKind::kOther;
};

// What `name` is inside `directory`, without following a link; NotFound when nothing is there.
absl::StatusOr<EntryKind> KindInside(const std::filesystem::path& directory, std::string_view name);

// Every entry below `directory`, sorted by name, links listed as links and never followed.
// Directories are listed and, down to `max_depth` levels below `directory` (0: only its own
// entries), descended into.
absl::StatusOr<std::vector<DirectoryEntry>> ListInside(const std::filesystem::path& directory,
                                                       int max_depth = 8);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_SAFE_PATH_H_
