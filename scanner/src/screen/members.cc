#include <sodium.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "esep/scanner/screen.h"

namespace esep::scanner {
namespace {

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == ':' || c == 0x7f) return false;
  }
  return true;
}

bool ValidPin(const std::string& pin) {
  if (pin.size() < 4 || pin.size() > 12) return false;
  for (const char c : pin) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<CommissionMembers> CommissionMembers::Load(const std::filesystem::path& file) {
  CommissionMembers members;
  std::ifstream in(file);
  if (!in) {
    if (!std::filesystem::exists(file)) return members;
    return absl::PermissionDeniedError(absl::StrCat("cannot read ", file.string()));
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos || !ValidName(line.substr(0, colon)) ||
        line.compare(colon + 1, 9, "$argon2id") != 0) {
      return absl::DataLossError(absl::StrCat(file.string(), " line ", number,
                                              " is not NAME:HASH; set the member again with "
                                              "esep members add"));
    }
    members.hashes_[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return members;
}

absl::Status CommissionMembers::Add(const std::filesystem::path& file, const std::string& name,
                                    const std::string& pin) {
  if (!ValidName(name)) {
    return absl::InvalidArgumentError(
        "a member's name is 1 to 64 characters, without ':' or control characters");
  }
  if (!ValidPin(pin)) return absl::InvalidArgumentError("a PIN is 4 to 12 digits");
  if (sodium_init() < 0) return absl::InternalError("libsodium cannot start");
  absl::StatusOr<CommissionMembers> members = Load(file);
  if (!members.ok()) return members.status();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return absl::ResourceExhaustedError("not enough memory to hash the PIN");
  }
  members->hashes_[name] = hash;
  std::ostringstream text;
  for (const auto& [member, member_hash] : members->hashes_) {
    text << member << ':' << member_hash << '\n';
  }
  const std::filesystem::path temporary = file.string() + ".new";
  const mode_t old_mask = ::umask(077);
  std::error_code made;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), made);
  std::ofstream out(temporary, std::ios::trunc);
  out << text.str();
  out.close();
  ::umask(old_mask);
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", temporary.string()));
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot replace ", file.string(), ": ", error.message()));
  }
  return absl::OkStatus();
}

bool CommissionMembers::Verify(const std::string& name, const std::string& pin) const {
  const auto found = hashes_.find(name);
  if (found == hashes_.end() || pin.size() > 64) return false;
  return crypto_pwhash_str_verify(found->second.c_str(), pin.data(), pin.size()) == 0;
}

}  // namespace esep::scanner
