#include "esep/vision/return_policy.h"

#include "absl/strings/str_cat.h"

namespace esep::vision {

ReturnPolicy EffectiveReturnPolicy(const Election& election) {
  if (election.has_return_policy()) return election.return_policy();
  ReturnPolicy policy;
  policy.set_return_overvoted(true);
  policy.set_return_blank(true);
  policy.set_return_marginal(true);
  policy.set_allow_cast_as_is(true);
  return policy;
}

BallotDecision DecideBallot(const Interpretation& interpretation, const ReturnPolicy& policy) {
  BallotDecision decision;
  if (!interpretation.accepted()) {
    decision.return_reason =
        absl::StrCat("unreadable: ", RejectionReason_Name(interpretation.reason()));
    if (!interpretation.detail().empty()) {
      absl::StrAppend(&decision.return_reason, " (", interpretation.detail(), ")");
    }
    decision.cause = ReturnCause::kUnreadable;
    return decision;  // never cast as is
  }
  bool all_blank = interpretation.contests_size() > 0;
  for (const ContestReading& c : interpretation.contests()) {
    all_blank &= c.outcome() == BLANK;
  }
  std::string reason;
  for (const ContestReading& c : interpretation.contests()) {
    if (!reason.empty()) break;
    if (c.outcome() == OVERVOTE && policy.return_overvoted()) {
      reason = absl::StrCat("overvote in contest ", c.contest_id());
      decision.cause = ReturnCause::kOvervote;
    } else if (c.has_marginal() && policy.return_marginal()) {
      reason = absl::StrCat("a mark in contest ", c.contest_id(), " is too faint to be sure");
      decision.cause = ReturnCause::kMarginal;
    } else if (c.outcome() == UNDERVOTE && policy.return_undervoted()) {
      reason = absl::StrCat("undervote in contest ", c.contest_id());
      decision.cause = ReturnCause::kUndervote;
    }
    if (!reason.empty()) decision.contest_id = c.contest_id();
  }
  if (reason.empty() && all_blank && policy.return_blank()) {
    reason = "blank ballot";
    decision.cause = ReturnCause::kBlank;
  }
  if (reason.empty()) {
    decision.cast = true;
    return decision;
  }
  decision.return_reason = reason;
  decision.voter_may_cast_as_is = policy.allow_cast_as_is();
  return decision;
}

}  // namespace esep::vision
