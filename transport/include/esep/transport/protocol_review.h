#ifndef ESEP_TRANSPORT_PROTOCOL_REVIEW_H_
#define ESEP_TRANSPORT_PROTOCOL_REVIEW_H_

// What the tabulation centre does with a protocol whose blocking control relations hold: count
// it, hold it for review, or refuse it (see docs/tabulation.md). The same review runs at ingest
// and again before every aggregation, so a number no precinct can have never reaches a total.

#include <cstdint>
#include <string>
#include <unordered_map>

#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"

namespace esep::transport {

// No line of a precinct's protocol may exceed this many times the precinct's registered voters
// in the election definition: ballots received carry a reserve and a list may grow on election
// day, but never to twice the voters the definition names.
inline constexpr std::uint64_t kCeilingPerRegisteredVoter = 2;

enum class ReviewVerdict {
  kCount,   // every bound and relation holds
  kHold,    // stored and listed, never counted: a relation no legitimate protocol breaks
  kRefuse,  // a number above what the precinct can physically have: not stored at all
};

struct ProtocolReview {
  ReviewVerdict verdict = ReviewVerdict::kCount;
  // Each broken bound (when refused) or relation (when held), "; "-separated, with its numbers;
  // empty when counted.
  std::string reason;
  // A counted protocol that a person at the centre should look at, with the commission's
  // explanation: voters on the list far below the registered voters (CheckProtocol's warning
  // kVotersOnListNearRegistered). Empty when there is nothing to look at.
  std::string flag = {};
};

// The bounds of every precinct of one election definition, computed once: the centre reviews
// thousands of protocols against the same definition.
//
// Refused (bounds): any of L1-L7, L10, L11, L8 or L9 above the precinct's ceiling
// (kCeilingPerRegisteredVoter x its registered voters; for a precinct without a count in the
// definition, the same multiple of the largest count there; with no count at all, of the largest
// count the definition can state); an option with more votes than the contest's valid ballots.
// Held (relations): ballots in the boxes above the voters on the list (L6 + L7 > L1, turnout
// above 100%); voters on the list above the precinct's registered voters (L1 > registered);
// ballots in the boxes above the ballots the commission had (L6 + L7 > L2 + L11).
// Flagged (counted, with a kFlaggedForReviewAlarm alarm): voters on the list more than
// kVotersOnListShortfallPercent below the registered voters.
//
// Every number a counted protocol carries is then at most 2^33, so the totals of any real
// country fit in 64 bits.
class ProtocolBounds {
 public:
  explicit ProtocolBounds(const Election& election);

  // The most of anything precinct `precinct_id` can have; 0 for a precinct not in the election.
  std::uint64_t CeilingOf(const std::string& precinct_id) const;

  // Expects a protocol whose blocking control relations hold (esep::CheckProtocol); a protocol
  // of a precinct not in the election is refused.
  ProtocolReview Review(const PrecinctProtocol& protocol) const;

 private:
  std::unordered_map<std::string, std::uint32_t> registered_voters_;
  std::uint64_t unknown_count_ceiling_ = 0;
};

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_PROTOCOL_REVIEW_H_
