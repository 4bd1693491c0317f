#ifndef ESEP_PROTO_ELECTION_H_
#define ESEP_PROTO_ELECTION_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"

namespace esep {

// Number of hex digits of the election hash printed in every ballot barcode (64 bits).
inline constexpr std::size_t kElectionHashPrefixLength = 16;

// Parses an election definition from JSON (protobuf JSON mapping; unknown fields are errors)
// and validates it. The error message names the offending element by its path.
absl::StatusOr<Election> ParseElectionJson(std::string_view json);

// Reads and parses an election definition file.
absl::StatusOr<Election> LoadElectionFile(const std::string& path);

// Checks every rule a printable, countable election must satisfy: unique and well-formed ids,
// references that resolve, vote-for N within the options, sane thresholds, targets on the page,
// not overlapping each other, the fiducials or the barcode, every option of a contest printed
// exactly once on each style that carries the contest. Reports every problem found, one per line.
absl::Status ValidateElection(const Election& election);

// SHA-256 of the deterministic binary serialization, as 64 lower-case hex digits.
std::string ElectionHash(const Election& election);

// The first kElectionHashPrefixLength hex digits of ElectionHash().
std::string ElectionHashPrefix(const Election& election);

// Look-ups by id; nullptr when absent.
const Contest* FindContest(const Election& election, std::string_view contest_id);
const Option* FindOption(const Contest& contest, std::string_view option_id);
const BallotStyle* FindBallotStyle(const Election& election, std::string_view style_id);
const Precinct* FindPrecinct(const Election& election, std::string_view precinct_id);

const BallotKind* FindBallotKind(const Election& election, std::string_view kind_id);

// The ids of the ballot kinds of the day in definition order; {""} for an election that declares
// none (one ballot per voter, of the single unnamed kind).
std::vector<std::string> BallotKindIds(const Election& election);

// The styles issued at a precinct, one per ballot kind, in definition order.
std::vector<const BallotStyle*> StylesOfPrecinct(const Election& election,
                                                 std::string_view precinct_id);

// The contests on the ballots of a precinct, in ballot order (style by style, each in the order
// of its targets); empty when no ballot style serves the precinct.
std::vector<const Contest*> ContestsOnBallot(const Election& election,
                                             std::string_view precinct_id);

// The contests on the precinct's ballot of one kind ("" in an election without kinds), in the
// order of its style's targets; empty when no style of that kind serves the precinct.
std::vector<const Contest*> ContestsOnBallot(const Election& election, std::string_view precinct_id,
                                             std::string_view kind_id);

// The look-ups above in constant time, for code that makes many of them over one definition
// (the tabulation centre checks and adds thousands of protocols): built once, in time linear in
// the definition, and valid while `election` lives and is not changed.
class ElectionIndex {
 public:
  explicit ElectionIndex(const Election& election);
  ElectionIndex(const Election& election, std::string hash);

  const Election& election() const { return election_; }
  // ElectionHash(election), computed once.
  const std::string& hash() const { return hash_; }
  const Precinct* FindPrecinct(std::string_view precinct_id) const;
  const Contest* FindContest(std::string_view contest_id) const;
  // As ContestsOnBallot(); empty when no ballot style serves the precinct.
  const std::vector<const Contest*>& ContestsOnBallot(std::string_view precinct_id) const;
  const std::vector<const Contest*>& ContestsOnBallot(std::string_view precinct_id,
                                                      std::string_view kind_id) const;

 private:
  const Election& election_;
  std::string hash_;
  std::unordered_map<std::string_view, const Precinct*> precincts_;
  std::unordered_map<std::string_view, const Contest*> contests_;
  std::unordered_map<std::string_view, std::vector<const Contest*>> ballots_;
  // Keyed by precinct id, a NUL and the kind id.
  std::unordered_map<std::string, std::vector<const Contest*>> ballots_by_kind_;
};

// True when `id` is usable as an identifier: 1 to 32 of [A-Za-z0-9._-]. Ids travel inside
// barcodes and file names, so they are kept to that alphabet.
bool IsValidId(std::string_view id);

}  // namespace esep

#endif  // ESEP_PROTO_ELECTION_H_
