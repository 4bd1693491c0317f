#include "esep/transport/protocol_review.h"

#include <gtest/gtest.h>

#include "results_fixtures.h"

namespace esep::transport {
namespace {

using testing::LoadFixture;
using testing::MakeProtocol;

class ProtocolReviewTest : public ::testing::Test {
 protected:
  // 1001 has 2150 registered voters: at most 4300 of anything.
  Election election_ = LoadFixture("presidential-2021");
  PrecinctProtocol protocol_ = MakeProtocol(election_, "1001", {500, 100, 50, 30, 20}, 17);

  ProtocolReview Review(const PrecinctProtocol& p) const {
    return ProtocolBounds(election_).Review(p);
  }
};

TEST_F(ProtocolReviewTest, CeilingIsTwiceThePrecinctsRegisteredVoters) {
  const ProtocolBounds bounds(election_);
  EXPECT_EQ(bounds.CeilingOf("1001"), 4300u);
  EXPECT_EQ(bounds.CeilingOf("2001"), 4960u);
  EXPECT_EQ(bounds.CeilingOf("9999"), 0u);
  // A precinct without a count in the definition: twice the largest count of the others.
  Election unknown = election_;
  unknown.mutable_precincts(0)->set_registered_voters(0);
  EXPECT_EQ(ProtocolBounds(unknown).CeilingOf("1001"), 4960u);
  // No count anywhere: twice the largest count the definition can state.
  for (Precinct& p : *unknown.mutable_precincts()) p.set_registered_voters(0);
  EXPECT_EQ(ProtocolBounds(unknown).CeilingOf("1002"), 2 * std::uint64_t{0xffffffff});
}

TEST_F(ProtocolReviewTest, APossibleProtocolIsCounted) {
  const ProtocolReview review = Review(protocol_);
  EXPECT_EQ(review.verdict, ReviewVerdict::kCount);
  EXPECT_TRUE(review.reason.empty());
}

TEST_F(ProtocolReviewTest, VotersOnTheListFarBelowTheRegisteredVotersAreCountedAndFlagged) {
  EXPECT_EQ(Review(protocol_).flag, "") << "L1 is the 2150 registered voters";
  protocol_.set_voters_on_list(1200);
  protocol_.set_commission_explanation(
      "Тизменин 12 барагы табылган жок / 12 листов списка не найдены");
  const ProtocolReview review = Review(protocol_);
  EXPECT_EQ(review.verdict, ReviewVerdict::kCount);
  EXPECT_EQ(review.flag,
            "voters on the list L1 = 1200 are 44% below the 2150 registered voters of the "
            "precinct in the election definition; the commission explains: Тизменин 12 барагы "
            "табылган жок / 12 листов списка не найдены");
  protocol_.set_voters_on_list(1935);  // 90%
  EXPECT_EQ(Review(protocol_).flag, "");
}

TEST_F(ProtocolReviewTest, EveryLineAboveTheCeilingIsRefusedAndNamed) {
  protocol_.set_ballots_not_counted_at_receipt(4301);
  protocol_.set_ballots_lost(5000);
  protocol_.mutable_contests(0)->set_invalid_ballots(9000);
  const ProtocolReview review = Review(protocol_);
  EXPECT_EQ(review.verdict, ReviewVerdict::kRefuse);
  for (const char* words :
       {"numbers precinct 1001 cannot have (at most 4300 of anything: 2 x its 2150 registered "
        "voters in the election definition)",
        "L10 (lost ballots) 5000 is above 4300", "L11 (ballots not counted at receipt) 4301",
        "president: L8 (invalid ballots) 9000 is above 4300"}) {
    EXPECT_NE(review.reason.find(words), std::string::npos) << review.reason;
  }
  protocol_.set_ballots_not_counted_at_receipt(4300);
  protocol_.set_ballots_lost(0);
  protocol_.mutable_contests(0)->set_invalid_ballots(17);
  EXPECT_NE(Review(protocol_).verdict, ReviewVerdict::kRefuse);
}

TEST_F(ProtocolReviewTest, AnOptionWithMoreVotesThanValidBallotsIsRefused) {
  // Vote for 2: the sum may reach twice the valid ballots, one option never more than them.
  Election election = LoadFixture("single-mandate-2021");
  election.mutable_contests(0)->set_vote_for(2);
  PrecinctProtocol p = MakeProtocol(election, "1001", {520, 450, 30, 10, 5, 3, 2}, 4, 510);
  const ProtocolReview review = ProtocolBounds(election).Review(p);
  EXPECT_EQ(review.verdict, ReviewVerdict::kRefuse);
  EXPECT_NE(review.reason.find("district-1: 520 votes for asanov are more than the 510 valid "
                               "ballots (L9)"),
            std::string::npos)
      << review.reason;
}

TEST_F(ProtocolReviewTest, TurnoutAboveTheListIsHeld) {
  protocol_.set_voters_on_list(700);
  const ProtocolReview review = Review(protocol_);
  EXPECT_EQ(review.verdict, ReviewVerdict::kHold);
  EXPECT_EQ(review.reason,
            "ballots in the boxes L6 + L7 = 717 are more than the voters on the list L1 = 700 "
            "(turnout 102.42%)");
  protocol_.set_voters_on_list(0);
  EXPECT_NE(Review(protocol_).reason.find("(turnout undefined)"), std::string::npos);
}

TEST_F(ProtocolReviewTest, AListLongerThanThePrecinctsRegisteredVotersIsHeld) {
  protocol_.set_voters_on_list(2151);
  const ProtocolReview review = Review(protocol_);
  EXPECT_EQ(review.verdict, ReviewVerdict::kHold);
  EXPECT_EQ(review.reason,
            "voters on the list L1 = 2151 are more than the 2150 registered voters of the "
            "precinct in the election definition");
  // Without a count in the definition, the list cannot be compared.
  Election unknown = election_;
  unknown.mutable_precincts(0)->set_registered_voters(0);
  EXPECT_EQ(ProtocolBounds(unknown).Review(protocol_).verdict, ReviewVerdict::kCount);
}

TEST_F(ProtocolReviewTest, MoreBallotsInTheBoxesThanTheCommissionHadAreHeld) {
  protocol_.set_ballots_received(700);
  protocol_.set_ballots_not_counted_at_receipt(10);
  const ProtocolReview review = Review(protocol_);
  EXPECT_EQ(review.verdict, ReviewVerdict::kHold);
  EXPECT_EQ(review.reason,
            "ballots in the boxes L6 + L7 = 717 are more than the ballots the commission had "
            "L2 + L11 = 710");
}

TEST_F(ProtocolReviewTest, AnOutOfBoundsNumberIsRefusedEvenWhenARelationIsBrokenToo) {
  protocol_.set_voters_on_list(100);
  protocol_.set_ballots_received(100000);
  EXPECT_EQ(Review(protocol_).verdict, ReviewVerdict::kRefuse);
}

TEST_F(ProtocolReviewTest, APrecinctNotInTheDefinitionIsRefused) {
  protocol_.set_precinct_id("9999");
  const ProtocolReview review = Review(protocol_);
  EXPECT_EQ(review.verdict, ReviewVerdict::kRefuse);
  EXPECT_EQ(review.reason, "precinct 9999 is not in the election definition");
}

}  // namespace
}  // namespace esep::transport
