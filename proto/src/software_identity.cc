#include "esep/proto/software_identity.h"

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "esep/proto/sha256.h"

namespace esep {

extern const char kSourceCommit[];  // generated: cmake/SourceCommit.cmake

std::string_view SoftwareVersion() { return ESEP_VERSION; }

std::string_view SourceCommit() { return kSourceCommit; }

absl::StatusOr<std::string> FileSha256Hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("SHA-256 is not available");
  }
  std::array<char, 1 << 16> block;
  while (in) {
    in.read(block.data(), block.size());
    const std::streamsize n = in.gcount();
    if (n > 0 && EVP_DigestUpdate(context.get(), block.data(), static_cast<std::size_t>(n)) != 1) {
      return absl::InternalError("SHA-256 failed");
    }
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("read error in ", path));
  Sha256Digest digest;
  if (EVP_DigestFinal_ex(context.get(), digest.data(), nullptr) != 1) {
    return absl::InternalError("SHA-256 failed");
  }
  return ToHex(digest);
}

SoftwareIdentity ThisSoftware(std::string_view program) {
  // The executable does not change while it runs: hash it once.
  static const std::string* const executable_sha256 = [] {
    absl::StatusOr<std::string> hash = FileSha256Hex("/proc/self/exe");
    return new std::string(hash.ok() ? *hash
                                     : absl::StrCat("unknown (", hash.status().message(), ")"));
  }();
  SoftwareIdentity software;
  software.set_program(std::string(program));
  software.set_version(std::string(SoftwareVersion()));
  software.set_source_commit(std::string(SourceCommit()));
  software.set_executable_sha256(*executable_sha256);
  return software;
}

std::string VersionText(const SoftwareIdentity& software) {
  return absl::StrCat(software.program(), " (Esep) ", software.version(), "\nsource commit ",
                      software.source_commit(), "\nexecutable SHA-256 ",
                      software.executable_sha256(), "\n");
}

std::string SoftwareLine(const SoftwareIdentity& software) {
  const std::string& commit = software.source_commit();
  const std::string modified = commit.ends_with("+modified") ? "+modified" : "";
  return absl::StrCat(software.program(), " ", software.version(), ", commit ",
                      commit.substr(0, 12), modified, ", executable ",
                      software.executable_sha256().substr(0, 12));
}

}  // namespace esep
