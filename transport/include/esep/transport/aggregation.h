#ifndef ESEP_TRANSPORT_AGGREGATION_H_
#define ESEP_TRANSPORT_AGGREGATION_H_

// The tabulation centre's arithmetic: national and per-precinct totals from the accepted precinct
// protocols, shares, the party-list threshold and seats, districts where "against all" leads.
// Pure functions over the election definition and the protocols, and ResultsAggregator, which
// keeps the same results up to date one protocol at a time (see docs/tabulation.md).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"

namespace esep::transport {

// Shares and turnout are fixed-point numbers in hundredths of a percent: 10000 is 100.00%.
inline constexpr std::uint64_t kFullShare = 10000;

// What the party-list threshold is a percentage of.
enum class ThresholdBase {
  kBallotsInBoxes,  // L6 + L7 (= L8 + L9): voters who took part; Kyrgyz law's base
  kValidBallots,    // L9
};

// The rules of the count that are law rather than arithmetic.
struct AggregationRules {
  std::uint32_t list_seats = 54;        // seats of the nationwide party-list constituency
  std::uint32_t threshold_percent = 5;  // a list needs at least this share of the base
  ThresholdBase threshold_base = ThresholdBase::kBallotsInBoxes;
};

struct OptionTotal {
  std::string option_id;
  std::string name;  // English name if the definition has one, else Russian
  bool exclusive = false;
  std::uint64_t votes = 0;
  // votes / the contest's votes for options, rounded down: never more than the true share, and
  // the shares of one contest never add up to more than kFullShare.
  std::uint64_t share = 0;
  bool over_threshold = false;  // party list: at least threshold_percent of the base
  std::uint32_t seats = 0;      // party list, national results only
};

struct ContestTotal {
  std::string contest_id;
  std::string title;
  ContestKind kind = CONTEST_KIND_UNSPECIFIED;
  std::uint32_t vote_for = 1;
  std::uint64_t invalid_ballots = 0;    // L8
  std::uint64_t valid_ballots = 0;      // L9
  std::uint64_t votes_for_options = 0;  // sum of L12..., the denominator of the shares
  std::uint32_t precincts_counted = 0;
  std::uint32_t precincts_expected = 0;  // precincts whose ballot style carries the contest
  std::vector<OptionTotal> options;      // in ballot order
  // The options with the most votes (several on a tie; empty while nobody has a vote).
  std::vector<std::string> leaders;
  // Candidate contests: an exclusive "against all" option has at least as many votes as every
  // candidate, so nobody is elected and the district votes again.
  bool against_all_leads = false;
  // The single leader has more than half of the ballots in the boxes (L8 + L9).
  bool leader_has_majority = false;
  // Party list, national results only: the threshold's base and the votes a list needs.
  std::uint64_t threshold_base_ballots = 0;
  std::uint64_t threshold_votes = 0;
  bool seats_allocated = false;  // false while no list has passed the threshold
};

// One precinct, or the whole country.
struct UnitTotals {
  std::string id;                      // precinct id, or the election id for the country
  std::string name;                    // Russian name of the precinct; empty for the country
  std::uint64_t voters_on_list = 0;    // L1
  std::uint64_t ballots_in_boxes = 0;  // L6 + L7
  std::uint64_t turnout = 0;           // ballots_in_boxes / voters_on_list, rounded down
  std::uint32_t revision = 0;          // the protocol's revision (precincts only)
  std::vector<ContestTotal> contests;  // in the election's order
};

// Why a protocol given to Aggregate is not counted.
enum class Exclusion {
  kHeldForReview,  // breaks a relation no legitimate protocol breaks (see ProtocolBounds)
  kRefused,        // not a countable protocol of this election, or a number out of bounds
  kDoesNotAdd,     // its numbers cannot be added to the totals without overflowing
};

// "held for review", "refused", "does not add up".
std::string ExclusionText(Exclusion exclusion);

// A protocol left out of the results, with the reason a person can act on.
struct ExcludedProtocol {
  std::string precinct_id;
  std::uint32_t revision = 0;
  Exclusion exclusion = Exclusion::kRefused;
  std::string reason;
};

struct Results {
  std::string election_id;
  std::string election_hash;
  std::string election_title;
  std::uint32_t precincts_counted = 0;
  std::uint32_t precincts_expected = 0;
  bool complete = false;  // every precinct of the election is counted
  AggregationRules rules;
  UnitTotals national;
  std::vector<UnitTotals> precincts;  // the counted ones, in the election's order
  // The protocols not counted, in the election's precinct order (unknown precincts last).
  std::vector<ExcludedProtocol> excluded;
};

// "16.40" for 1640: a fixed-point share printed with two decimals, no rounding involved.
std::string FormatShare(std::uint64_t share);

// floor(part / whole * 100%) in hundredths of a percent; 0 when whole is 0. Exact integer
// arithmetic (128-bit intermediate).
std::uint64_t ShareOf(std::uint64_t part, std::uint64_t whole);

// Largest-remainder (Hare quota) allocation of `seats` among lists with `votes`, in ballot
// order. Each list gets floor(votes x seats / total); the seats left go one each to the largest
// remainders; equal remainders go to the list with more votes, then to the one earlier on the
// ballot. All zeros when the total is zero.
std::vector<std::uint32_t> AllocateSeatsHare(const std::vector<std::uint64_t>& votes,
                                             std::uint32_t seats);

// Adds one precinct's totals to the country's, all or nothing: OutOfRange, with nothing added,
// when any sum would not fit in 64 bits. The precinct's contests must be among the country's.
absl::Status AddPrecinctTotals(const UnitTotals& precinct, UnitTotals& country);

// Takes out of `country` the totals AddPrecinctTotals added for `precinct` (its protocol is
// replaced by a correction or a held one). An internal error, with nothing changed, when they
// were not added.
absl::Status SubtractPrecinctTotals(const UnitTotals& precinct, UnitTotals& country);

// The precincts whose ballot style carries each contest, by contest id.
std::map<std::string, std::set<std::string>> PrecinctsByContest(const Election& election);

// Checks every figure of `results` before it is published: turnout of every unit at most 100%
// (ballots in the boxes at most the voters on the list), the shares of every contest at most
// 100% in sum, the precincts counted at most the precincts expected (per contest and in all),
// the seats at most the rules' seats. An internal error names the first figure that is not.
absl::Status CheckPublishable(const Results& results);

// The figures of one unit (the country, a region, a district, a precinct) that CheckPublishable
// checks: turnout at most 100%, each contest's shares at most 100% in sum, precincts counted at
// most precincts expected, seats at most `max_seats`. `who` names the unit in the error.
absl::Status CheckUnitPublishable(const UnitTotals& unit, const std::string& who,
                                  std::uint32_t max_seats);

// The totals of the counted precincts of `results` for which `member` is true (a region, a
// district), added as the country's are (AddPrecinctTotals) and finished the same way (shares,
// leaders, majority; seats are national and stay 0). Only the contests on the ballots of the
// group's precincts are kept; precincts_expected counts the group's precincts that carry each.
// Checked with CheckUnitPublishable: an internal error when a figure cannot be published.
// `precincts_by_contest` is PrecinctsByContest(election), when the caller has it (several groups
// of one election): it is computed otherwise.
absl::StatusOr<UnitTotals> GroupTotals(
    const Election& election, const Results& results, std::string id,
    const std::function<bool(std::string_view)>& member,
    const std::map<std::string, std::set<std::string>>* precincts_by_contest = nullptr);

// Aggregates the latest accepted protocol of each counted precinct. A protocol that cannot be
// counted is left out and listed in Results::excluded, never the whole result: one of another
// election or of another version of its definition, a preliminary protocol, one whose blocking
// control relations are broken (unknown contests or options included), one with a number out of
// its precinct's bounds (refused) or an impossible relation (held for review, see
// ProtocolBounds), one whose numbers would overflow the totals. Refuses the whole set only when
// the caller passes one precinct twice (AlreadyExists). Returns an internal error, publishing
// nothing, if CheckPublishable ever fails.
absl::StatusOr<Results> Aggregate(const Election& election,
                                  const std::vector<PrecinctProtocol>& protocols,
                                  const AggregationRules& rules = {});

// The results kept up to date one protocol at a time, as the tabulation centre receives them:
// each precinct's totals and the country's sums are held, and a protocol replaces what its
// precinct added before (a correction replaces the earlier revision of its ballot kind, a held
// one takes the precinct out until a possible correction comes), so one more protocol costs the
// work of one precinct, not of the country. Snapshot() gives exactly what Aggregate gives for
// the latest protocol of each precinct and ballot kind (with the protocols left out before
// aggregation, as ResultsOfStore lists them), checked with CheckPublishable.
//
// The one difference from Aggregate is the order in which precincts are added: a precinct whose
// numbers would overflow the 64-bit totals (impossible within ProtocolBounds for fewer than 2^31
// precincts) is the one that arrives last rather than the one last in the election's order.
class ResultsAggregator {
 public:
  // `election` must outlive the aggregator.
  explicit ResultsAggregator(const Election& election, const AggregationRules& rules = {});
  ~ResultsAggregator();
  ResultsAggregator(const ResultsAggregator&) = delete;
  ResultsAggregator& operator=(const ResultsAggregator&) = delete;

  // The latest revision of a precinct's protocol of its ballot kind: counted when it passes the
  // checks Aggregate makes, left out with its reason otherwise. It replaces the protocol of that
  // precinct and kind given before; a lower revision than that one changes nothing.
  void Put(PrecinctProtocol protocol);
  // The latest revision of a precinct's protocol of `ballot_kind` is not counted for a reason
  // found before aggregation (held for review, unreadable, signature not valid): it replaces the
  // protocol of that precinct and kind given before, as Put does, and is listed with its reason.
  void PutNotCounted(const std::string& ballot_kind, ExcludedProtocol not_counted);

  // The country's totals now, finished (turnout, shares, leaders, seats) and checked
  // (CheckUnitPublishable). Costs the contests and options, not the precincts.
  absl::StatusOr<UnitTotals> National() const;
  // A counted precinct's totals; nullptr when it is not counted.
  const UnitTotals* CountedPrecinct(std::string_view precinct_id) const;
  std::uint32_t precincts_counted() const;
  // Many protocols at once (a whole store read back): between PauseCounting and ResumeCounting,
  // Put and PutNotCounted only keep the latest protocol of each precinct and kind, and
  // ResumeCounting counts each precinct they touched once, however many of its kinds came. The
  // results are those of the same calls made one at a time (but for which precinct arrives last
  // when totals would overflow, see above: here, the one first touched last).
  void PauseCounting();
  void ResumeCounting();

  // The whole results, as Aggregate gives them, checked with CheckPublishable before they are
  // returned. Costs the precincts (every table is copied).
  absl::StatusOr<Results> Snapshot() const&;
  // The same results from an aggregator that is not used again: the precincts' tables are moved
  // out rather than copied.
  absl::StatusOr<Results> Snapshot() &&;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_AGGREGATION_H_
