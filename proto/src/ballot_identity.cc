#include "esep/proto/ballot_identity.h"

#include <charconv>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "esep/proto/election.h"

namespace esep {
namespace {
constexpr char kMagic[] = "ESEP1";
}

std::string EncodeBallotIdentity(const BallotIdentity& identity) {
  return absl::StrCat(kMagic, "|", identity.election_hash_prefix(), "|", identity.style_id(), "|",
                      identity.precinct_id(), "|", identity.page(), "|",
                      identity.test() ? "T" : "L");
}

absl::StatusOr<BallotIdentity> DecodeBallotIdentity(std::string_view text) {
  const std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(text.data(), text.size()), '|');
  if (parts.size() != 6 || parts[0] != kMagic) {
    return absl::InvalidArgumentError(
        "barcode is not an Esep ballot code (expected ESEP1|hash|style|precinct|page|L/T)");
  }
  BallotIdentity identity;
  const std::string& prefix = parts[1];
  if (prefix.size() != kElectionHashPrefixLength ||
      prefix.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("barcode election hash \"", prefix, "\" is not 16 lower-case hex digits"));
  }
  identity.set_election_hash_prefix(prefix);
  if (!IsValidId(parts[2])) {
    return absl::InvalidArgumentError(absl::StrCat("barcode style \"", parts[2], "\" is invalid"));
  }
  identity.set_style_id(parts[2]);
  if (!IsValidId(parts[3])) {
    return absl::InvalidArgumentError(
        absl::StrCat("barcode precinct \"", parts[3], "\" is invalid"));
  }
  identity.set_precinct_id(parts[3]);
  unsigned page = 0;
  const auto [end, ec] = std::from_chars(parts[4].data(), parts[4].data() + parts[4].size(), page);
  if (ec != std::errc() || end != parts[4].data() + parts[4].size() || page < 1 || page > 99 ||
      parts[4][0] == '0') {
    return absl::InvalidArgumentError(absl::StrCat("barcode page \"", parts[4], "\" is invalid"));
  }
  identity.set_page(page);
  if (parts[5] != "L" && parts[5] != "T") {
    return absl::InvalidArgumentError(
        absl::StrCat("barcode mode \"", parts[5], "\" is neither L (live) nor T (test)"));
  }
  identity.set_test(parts[5] == "T");
  return identity;
}

}  // namespace esep
