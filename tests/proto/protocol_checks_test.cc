#include "esep/proto/protocol_checks.h"

#include <gtest/gtest.h>

#include <limits>

#include "absl/strings/str_format.h"
#include "esep/proto/election.h"
#include "esep/proto/protocol_text.h"

namespace esep {
namespace {

class ProtocolChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> e = LoadElectionFile("fixtures/elections/party-list-2021.json");
    ASSERT_TRUE(e.ok()) << e.status();
    election_ = *e;
    p_.set_election_id(election_.id());
    p_.set_election_hash(ElectionHash(election_));
    p_.set_precinct_id("1001");
    p_.set_voters_on_list(2150);
    p_.set_ballots_received(1500);
    p_.set_ballots_issued_in_room(1200);
    p_.set_ballots_issued_outside(20);
    p_.set_ballots_cancelled(280);
    p_.set_ballots_in_stationary_box(1180);
    p_.set_ballots_in_mobile_boxes(20);
    ContestResult* r = p_.add_contests();
    r->set_contest_id("parliament-list");
    r->set_vote_for(1);
    r->set_invalid_ballots(30);
    r->set_valid_ballots(1170);
    const Contest& contest = election_.contests(0);
    std::uint64_t left = 1170;
    for (int i = 0; i < contest.options_size(); ++i) {
      OptionVotes* o = r->add_options();
      o->set_option_id(contest.options(i).id());
      const std::uint64_t v =
          i + 1 == contest.options_size() ? left : std::min<std::uint64_t>(left, 100 - 4 * i);
      o->set_votes(v);
      left -= v;
    }
  }

  // The checks of p_ that failed, by relation name.
  std::vector<std::string> Broken(std::optional<std::uint64_t> machine = std::nullopt) {
    std::vector<std::string> broken;
    for (const ProtocolCheck& c : CheckProtocol(p_, election_, machine)) {
      if (!c.holds) broken.push_back(c.relation);
    }
    return broken;
  }

  Election election_;
  PrecinctProtocol p_;
};

TEST_F(ProtocolChecksTest, ConsistentProtocolMayBeFinal) {
  const auto checks = CheckProtocol(p_, election_, 1180);
  EXPECT_TRUE(ProtocolMayBeFinal(checks)) << DescribeBrokenRelations(checks);
  EXPECT_EQ(DescribeBrokenRelations(checks), "");
}

TEST_F(ProtocolChecksTest, MoreIssuedThanVotersOnTheList) {
  p_.set_voters_on_list(1000);
  // 1000 is also far below the 2150 registered voters: a warning beside the broken relation.
  EXPECT_EQ(Broken(), (std::vector<std::string>{"L1 >= L3 + L4", kVotersOnListNearRegistered}));
  EXPECT_FALSE(ProtocolMayBeFinal(CheckProtocol(p_, election_, std::nullopt)));
}

TEST_F(ProtocolChecksTest, BallotsReceivedDoNotBalance) {
  p_.set_ballots_cancelled(279);
  EXPECT_EQ(Broken(), std::vector<std::string>{"L2 = L3 + L4 + L5 + L10 - L11"});
  p_.set_ballots_not_counted_at_receipt(1);
  p_.set_ballots_cancelled(280);
  p_.set_ballots_lost(1);
  EXPECT_TRUE(Broken().empty());
}

TEST_F(ProtocolChecksTest, BallotsInBoxesMustSplitIntoValidAndInvalid) {
  p_.mutable_contests(0)->set_invalid_ballots(31);
  EXPECT_EQ(Broken(), std::vector<std::string>{"parliament-list: L6 + L7 = L8 + L9"});
}

// The display failure of a real count: shares adding to over 150%. Votes that add up to more
// than the valid ballots can never make a final protocol.
TEST_F(ProtocolChecksTest, VotesAddingToMoreThanValidBallotsAreRefused) {
  p_.mutable_contests(0)->mutable_options(0)->set_votes(p_.contests(0).options(0).votes() + 600);
  const auto checks = CheckProtocol(p_, election_, std::nullopt);
  EXPECT_FALSE(ProtocolMayBeFinal(checks));
  EXPECT_NE(DescribeBrokenRelations(checks).find("BROKEN  parliament-list: L9 = sum of votes"),
            std::string::npos)
      << DescribeBrokenRelations(checks);
}

TEST_F(ProtocolChecksTest, OverflowingNumbersBreakTheRelationInsteadOfWrapping) {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  // Chosen so that a wrapping sum would equal L9.
  p_.mutable_contests(0)->mutable_options(0)->set_votes(max);
  p_.mutable_contests(0)->mutable_options(1)->set_votes(p_.contests(0).options(1).votes() +
                                                        p_.contests(0).options(0).votes() + 1);
  EXPECT_FALSE(ProtocolMayBeFinal(CheckProtocol(p_, election_, std::nullopt)));
  p_.set_ballots_issued_in_room(max);
  EXPECT_NE(std::find(Broken().begin(), Broken().end(), "L1 >= L3 + L4"), Broken().end());
}

TEST_F(ProtocolChecksTest, MachineCountMustEqualStationaryBox) {
  EXPECT_EQ(Broken(1179), std::vector<std::string>{"L6 = the reader's count of cast ballots"});
}

TEST_F(ProtocolChecksTest, OptionsMustBeCompleteAndInBallotOrder) {
  std::swap(*p_.mutable_contests(0)->mutable_options(0),
            *p_.mutable_contests(0)->mutable_options(1));
  EXPECT_EQ(Broken(),
            std::vector<std::string>{"parliament-list: every option once, in ballot order"});
  p_.mutable_contests(0)->mutable_options()->RemoveLast();
  EXPECT_FALSE(ProtocolMayBeFinal(CheckProtocol(p_, election_, std::nullopt)));
}

TEST_F(ProtocolChecksTest, UnknownOrMissingContestIsRefused) {
  p_.mutable_contests(0)->set_contest_id("senate");
  EXPECT_FALSE(ProtocolMayBeFinal(CheckProtocol(p_, election_, std::nullopt)));
  p_.clear_contests();
  EXPECT_EQ(Broken(), std::vector<std::string>{"one result per contest on the precinct's ballot"});
}

TEST_F(ProtocolChecksTest, WrongElectionOrPrecinctIsRefused) {
  p_.set_election_hash(std::string(64, '0'));
  p_.set_precinct_id("9999");
  const std::vector<std::string> broken = Broken();
  EXPECT_NE(std::find(broken.begin(), broken.end(), "election hash matches the definition"),
            broken.end());
  EXPECT_NE(std::find(broken.begin(), broken.end(), "precinct is in the election"), broken.end());
}

TEST_F(ProtocolChecksTest, WarningsDoNotBlock) {
  // 40 invalid of 1200 ballots (3.3%) and more ballots in the boxes than issued.
  p_.mutable_contests(0)->set_invalid_ballots(40);
  p_.mutable_contests(0)->set_valid_ballots(1160);
  p_.mutable_contests(0)->mutable_options(0)->set_votes(p_.contests(0).options(0).votes() - 10);
  p_.set_ballots_issued_in_room(1170);
  p_.set_ballots_cancelled(310);
  const auto checks = CheckProtocol(p_, election_, std::nullopt);
  EXPECT_TRUE(ProtocolMayBeFinal(checks)) << DescribeBrokenRelations(checks);
  const std::string warnings = DescribeBrokenRelations(checks);
  EXPECT_NE(warnings.find("WARNING parliament-list: invalid ballots below 3%"), std::string::npos)
      << warnings;
  EXPECT_NE(warnings.find("WARNING L6 + L7 <= L3 + L4"), std::string::npos) << warnings;
}

TEST_F(ProtocolChecksTest, VotersOnTheListFarBelowTheRegisteredVotersIsAWarning) {
  // Precinct 1001 has 2150 registered voters in the definition: 1935 (90%) is near enough.
  p_.set_voters_on_list(1935);
  EXPECT_EQ(Broken(), std::vector<std::string>{});
  // The case: 1200 voters on the list.
  p_.set_voters_on_list(1220);
  EXPECT_EQ(Broken(), std::vector<std::string>{kVotersOnListNearRegistered});
  const auto checks = CheckProtocol(p_, election_, std::nullopt);
  EXPECT_TRUE(ProtocolMayBeFinal(checks)) << "a warning, not a broken relation";
  EXPECT_NE(DescribeBrokenRelations(checks).find(
                "WARNING L1 at most 10% below the registered voters in the election definition: "
                "1220 of 2150 registered voters (56%; at least 1935)"),
            std::string::npos)
      << DescribeBrokenRelations(checks);
  // A definition that names no registered voters for the precinct has nothing to compare with.
  election_.mutable_precincts(0)->set_registered_voters(0);
  p_.set_election_hash(ElectionHash(election_));
  EXPECT_EQ(Broken(), std::vector<std::string>{});
}

TEST_F(ProtocolChecksTest, VoteForNAllowsUpToNVotesPerValidBallot) {
  Election e = election_;
  e.mutable_contests(0)->set_vote_for(3);
  p_.set_election_hash(ElectionHash(e));
  p_.mutable_contests(0)->set_vote_for(3);
  p_.mutable_contests(0)->mutable_options(0)->set_votes(p_.contests(0).options(0).votes() + 2000);
  auto checks = CheckProtocol(p_, e, std::nullopt);
  EXPECT_TRUE(ProtocolMayBeFinal(checks)) << DescribeBrokenRelations(checks);
  p_.mutable_contests(0)->mutable_options(0)->set_votes(3 * 1170 + 1);
  checks = CheckProtocol(p_, e, std::nullopt);
  EXPECT_FALSE(ProtocolMayBeFinal(checks));
}

// The one text form of the protocol (console, printer, esep verify): every number on its line,
// each relation with its verdict and numbers, and the commission's explanation.
TEST_F(ProtocolChecksTest, TextShowsEveryLineRelationAndTheExplanation) {
  p_.set_ballots_received(1501);  // breaks L2 = L3 + L4 + L5 + L10 - L11
  p_.set_commission_explanation("one ballot torn at receipt");
  p_.set_records_root_hash("ab12");
  const std::string text = FormatProtocolText(election_, p_, CheckProtocol(p_, election_, 1180));
  EXPECT_NE(text.find("L1         2150  "), std::string::npos) << text;
  EXPECT_NE(text.find("L2         1501  "), std::string::npos) << text;
  EXPECT_NE(text.find("L6         1180  "), std::string::npos) << text;
  EXPECT_NE(text.find("L9         1170  "), std::string::npos) << text;
  const ContestResult& r = p_.contests(0);
  for (int i = 0; i < r.options_size(); ++i) {
    EXPECT_NE(text.find(absl::StrFormat(
                  "L%-3d %10d  %s", 12 + i, r.options(i).votes(),
                  PrintedOptionName(&election_.contests(0), r.options(i).option_id()))),
              std::string::npos)
        << "option " << i << "\n"
        << text;
  }
  EXPECT_NE(text.find("  BROKEN   L2 = L3 + L4 + L5 + L10 - L11"), std::string::npos) << text;
  EXPECT_NE(text.find("  holds    L1 >= L3 + L4"), std::string::npos) << text;
  EXPECT_NE(text.find("explanation: one ballot torn at receipt"), std::string::npos) << text;
  EXPECT_NE(text.find("records root hash    ab12"), std::string::npos) << text;
  EXPECT_EQ(FormatProtocolText(election_, p_, {}).find("control relations"), std::string::npos);
}

TEST_F(ProtocolChecksTest, ACorrectionListsEveryNumberItChanges) {
  PrecinctProtocol replaced = p_;
  replaced.set_revision(1);
  p_.set_revision(2);
  p_.set_ballots_cancelled(p_.ballots_cancelled() - 1);
  p_.set_ballots_not_counted_at_receipt(p_.ballots_not_counted_at_receipt() + 1);
  ContestResult& r = *p_.mutable_contests(0);
  r.mutable_options(1)->set_votes(r.options(1).votes() + 2);
  r.mutable_options(0)->set_votes(r.options(0).votes() - 2);
  const std::vector<ProtocolChange> changes = ProtocolChanges(election_, replaced, p_);
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].code, "L5");
  EXPECT_EQ(changes[0].after + 1, changes[0].before);
  EXPECT_EQ(changes[1].code, "L11");
  EXPECT_EQ(changes[2].code, "L12");
  EXPECT_EQ(changes[2].before, changes[2].after + 2);
  EXPECT_EQ(changes[3].code, "L13");
  EXPECT_NE(changes[3].name.find(absl::StrCat("[", r.contest_id(), "]")), std::string::npos);
  const std::string text = FormatProtocolText(election_, p_, {}, &replaced);
  EXPECT_NE(text.find("changes from revision 1"), std::string::npos) << text;
  EXPECT_NE(text.find(absl::StrFormat("  L13  %10d -> %-10d", changes[3].before, changes[3].after)),
            std::string::npos)
      << text;
  EXPECT_TRUE(ProtocolChanges(election_, p_, p_).empty());
  EXPECT_NE(FormatProtocolText(election_, p_, {}, &p_).find("no number changed"),
            std::string::npos);
}

TEST_F(ProtocolChecksTest, TimesAreInBishkekLocalTimeWithUtc) {
  EXPECT_EQ(ProtocolTimeText(1'610'265'600),
            "2021-01-10 14:00:00 Бишкек/Bishkek (UTC+6) = 08:00:00 UTC");
  EXPECT_EQ(ProtocolTimeText(1'610'308'800),
            "2021-01-11 02:00:00 Бишкек/Bishkek (UTC+6) = 20:00:00 UTC");
  EXPECT_EQ(ProtocolTimeText(0), "-");
}

}  // namespace
}  // namespace esep
