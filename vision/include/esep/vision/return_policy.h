#ifndef ESEP_VISION_RETURN_POLICY_H_
#define ESEP_VISION_RETURN_POLICY_H_

#include <string>

#include "esep/proto/election.pb.h"
#include "esep/proto/interpretation.pb.h"

namespace esep::vision {

// Why a sheet goes back, for what the voter is shown in their language (BallotDecision).
enum class ReturnCause {
  kNone,        // cast
  kUnreadable,  // rejected: not a ballot of this election and precinct, or not readable
  kOvervote,
  kMarginal,  // a mark too faint to be sure
  kUndervote,
  kBlank,
};

// What a precinct reader does with an interpreted sheet (VVSG 1.1.6-D).
struct BallotDecision {
  bool cast = false;
  std::string return_reason;          // empty when cast: "overvote in contest X", "blank ballot"
  bool voter_may_cast_as_is = false;  // the ballot is returned, and the voter may insist
  ReturnCause cause = ReturnCause::kNone;
  std::string contest_id;  // the contest the cause is in (overvote, marginal, undervote)
};

// The election's return policy, or the default one when the election has none: overvoted,
// blank and marginal ballots go back, undervoted ones are cast, the voter may cast as is.
ReturnPolicy EffectiveReturnPolicy(const Election& election);

// The one rule deciding whether a sheet is cast or handed back; the daemon, `esep interpret` and
// the deck tests all use it. Rejected sheets always go back and can never be cast as is.
BallotDecision DecideBallot(const Interpretation& interpretation, const ReturnPolicy& policy);

}  // namespace esep::vision

#endif  // ESEP_VISION_RETURN_POLICY_H_
