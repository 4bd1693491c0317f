#ifndef ESEP_PROTO_SOFTWARE_IDENTITY_H_
#define ESEP_PROTO_SOFTWARE_IDENTITY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "software.pb.h"

namespace esep {

// The release version of this build ("0.1.0").
std::string_view SoftwareVersion();
// The git commit this build was made from (see cmake/SourceCommit.cmake).
std::string_view SourceCommit();

// The SHA-256 of a file, read in blocks (for executables of any size).
absl::StatusOr<std::string> FileSha256Hex(const std::string& path);

// This running program, named `program`: version, commit and the SHA-256 of its own executable
// (/proc/self/exe, hashed once per process). When the executable cannot be read,
// executable_sha256 says why instead of a hash.
SoftwareIdentity ThisSoftware(std::string_view program);

// The text of `PROGRAM --version`: "PROGRAM (Esep) VERSION", the commit and the executable's
// SHA-256, one per line.
std::string VersionText(const SoftwareIdentity& software);

// One line for printed documents: "esepd 0.1.0, commit 1a2b3c4d5e6f, executable 9f8e7d6c5b4a".
std::string SoftwareLine(const SoftwareIdentity& software);

}  // namespace esep

#endif  // ESEP_PROTO_SOFTWARE_IDENTITY_H_
