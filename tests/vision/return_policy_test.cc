#include "esep/vision/return_policy.h"

#include <gtest/gtest.h>

#include <string>

namespace esep::vision {
namespace {

Interpretation Reading(std::initializer_list<std::pair<ContestOutcome, bool>> contests) {
  Interpretation i;
  i.set_accepted(true);
  int n = 0;
  for (const auto& [outcome, marginal] : contests) {
    ContestReading* c = i.add_contests();
    c->set_contest_id("c" + std::to_string(n++));
    c->set_outcome(outcome);
    c->set_has_marginal(marginal);
  }
  return i;
}

TEST(DecideBallotTest, DefaultPolicyReturnsOvervotedBlankAndMarginalBallots) {
  Election election;
  const ReturnPolicy policy = EffectiveReturnPolicy(election);
  EXPECT_TRUE(DecideBallot(Reading({{VALID, false}}), policy).cast);
  EXPECT_TRUE(DecideBallot(Reading({{UNDERVOTE, false}}), policy).cast);
  EXPECT_TRUE(DecideBallot(Reading({{BLANK, false}, {VALID, false}}), policy).cast);
  const BallotDecision over = DecideBallot(Reading({{VALID, false}, {OVERVOTE, false}}), policy);
  EXPECT_FALSE(over.cast);
  EXPECT_EQ(over.return_reason, "overvote in contest c1");
  EXPECT_TRUE(over.voter_may_cast_as_is);
  EXPECT_EQ(DecideBallot(Reading({{BLANK, false}, {BLANK, false}}), policy).return_reason,
            "blank ballot");
  EXPECT_FALSE(DecideBallot(Reading({{VALID, true}}), policy).cast);
}

TEST(DecideBallotTest, UnreadableBallotsAreReturnedAndNeverCastAsIs) {
  Interpretation rejected;
  rejected.set_reason(WRONG_PRECINCT);
  rejected.set_detail("ballot of precinct 2001");
  const BallotDecision d = DecideBallot(rejected, EffectiveReturnPolicy(Election()));
  EXPECT_FALSE(d.cast);
  EXPECT_FALSE(d.voter_may_cast_as_is);
  EXPECT_EQ(d.return_reason, "unreadable: WRONG_PRECINCT (ballot of precinct 2001)");
}

TEST(DecideBallotTest, ElectionPolicyDecides) {
  ReturnPolicy policy;  // returns nothing
  EXPECT_TRUE(DecideBallot(Reading({{OVERVOTE, false}}), policy).cast);
  policy.set_return_undervoted(true);
  const BallotDecision d = DecideBallot(Reading({{UNDERVOTE, false}}), policy);
  EXPECT_FALSE(d.cast);
  EXPECT_FALSE(d.voter_may_cast_as_is);
}

}  // namespace
}  // namespace esep::vision
