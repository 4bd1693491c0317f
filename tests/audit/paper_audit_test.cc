// Audits with paper alone: BRAVO ballot polling over the counted stacks and batch comparison,
// box by box.
#include "esep/audit/paper_audit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "esep/audit/rla.h"

namespace esep::audit {
namespace {

ContestTally Box(std::string precinct, std::int64_t ballots,
                 std::map<std::string, std::int64_t> votes) {
  return {std::move(precinct), ballots, std::move(votes)};
}

const std::vector<std::string> kOptions = {"aibek", "bermet", "against-all"};

TEST(BravoPlanTest, ExpectedDrawsFollowTheBravoFormula) {
  // Lindeman, Stark & Yates (2012), table 1: a 55% share at a 10% risk limit needs 469 draws on
  // average; computed independently: (ln 10 + ln(1.1)/2) / (.55 ln 1.1 + .45 ln .9) = 469.26.
  absl::StatusOr<BravoPlan> plan = PlanBravo(Box("", 1000, {{"aibek", 550}, {"bermet", 450}}), 0.1);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->winner, "aibek");
  EXPECT_NEAR(plan->average_sample_number.at("bermet"), 469.26, 0.01);
  EXPECT_EQ(plan->initial_draws, 470);
}

TEST(BravoPlanTest, PlansForTheClosestLoser) {
  absl::StatusOr<BravoPlan> plan =
      PlanBravo(Box("", 1000, {{"aibek", 500}, {"bermet", 300}, {"against-all", 100}}), 0.05);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_NEAR(plan->average_sample_number.at("bermet"), 122.98, 0.01);
  EXPECT_NEAR(plan->average_sample_number.at("against-all"), 22.34, 0.01);
  EXPECT_EQ(plan->initial_draws, 123);
}

TEST(BravoPlanTest, RefusesATieAndAContestWithoutLosers) {
  EXPECT_FALSE(PlanBravo(Box("", 100, {{"aibek", 40}, {"bermet", 40}}), 0.05).ok());
  EXPECT_FALSE(PlanBravo(Box("", 100, {{"yes", 70}}), 0.05).ok());
  EXPECT_FALSE(PlanBravo(Box("", 100, {{"aibek", 60}, {"bermet", 40}}), 1.5).ok());
}

TEST(BravoTest, MultipliesTheStatisticBySharesOfEachSheet) {
  const ContestTally reported = Box("", 100, {{"aibek", 60}, {"bermet", 40}});
  absl::StatusOr<BravoOutcome> outcome =
      RunBravo(reported, 0.05, {"aibek", "aibek", "bermet", kNoVote}, kOptions);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_FALSE(outcome->confirmed);
  EXPECT_EQ(outcome->draws_used, 4);
  EXPECT_NEAR(outcome->test_statistic.at("bermet"), 1.2 * 1.2 * 0.8, 1e-12);
}

TEST(BravoTest, ConfirmsAtTheFirstDrawReachingOneOverAlpha) {
  // s = 0.8: each sheet for the winner multiplies by 1.6; 1.6^7 = 26.8 >= 20 > 1.6^6.
  const ContestTally reported = Box("", 100, {{"aibek", 80}, {"bermet", 20}});
  absl::StatusOr<BravoOutcome> outcome =
      RunBravo(reported, 0.05, std::vector<std::string>(10, "aibek"), kOptions);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(outcome->confirmed);
  EXPECT_EQ(outcome->draws_used, 7);
}

TEST(BravoTest, SheetsForTheLoserDoNotConfirm) {
  const ContestTally reported = Box("", 100, {{"aibek", 60}, {"bermet", 40}});
  std::vector<std::string> read(300, "bermet");
  absl::StatusOr<BravoOutcome> outcome = RunBravo(reported, 0.05, read, kOptions);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->confirmed);
  EXPECT_LT(outcome->test_statistic.at("bermet"), 1);
}

TEST(BravoTest, RefusesAVoteThatIsNoOptionNamingTheDraw) {
  const ContestTally reported = Box("", 100, {{"aibek", 60}, {"bermet", 40}});
  absl::StatusOr<BravoOutcome> outcome = RunBravo(reported, 0.05, {"aibek", "Aibek"}, kOptions);
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.status().message().find("draw 2"), std::string::npos);
}

TEST(BravoTest, ConfirmsAWrongOutcomeAtMostAsOftenAsTheRiskLimit) {
  // Reported 55% to 45%, but the paper is a tie: the audit must confirm in at most 10% of
  // audits at a 10% risk limit (BRAVO's guarantee), here over 2,000 simulated audits.
  const ContestTally reported = Box("", 10000, {{"aibek", 5500}, {"bermet", 4500}});
  std::mt19937_64 random(20261203);
  std::bernoulli_distribution coin(0.5);
  int confirmed = 0;
  constexpr int kAudits = 2000;
  for (int audit = 0; audit < kAudits; ++audit) {
    std::vector<std::string> read;
    for (int draw = 0; draw < 3000; ++draw) read.push_back(coin(random) ? "aibek" : "bermet");
    absl::StatusOr<BravoOutcome> outcome = RunBravo(reported, 0.1, read, kOptions);
    ASSERT_TRUE(outcome.ok());
    confirmed += outcome->confirmed;
  }
  EXPECT_LE(confirmed, kAudits / 10) << confirmed << " wrong outcomes confirmed";
  EXPECT_GT(confirmed, 0) << "the simulation should sometimes be unlucky";
}

TEST(BravoTest, ConfirmsACorrectOutcomeWithTheExpectedEffort) {
  const ContestTally reported = Box("", 10000, {{"aibek", 5500}, {"bermet", 4500}});
  std::mt19937_64 random(7);
  std::bernoulli_distribution coin(0.55);
  std::int64_t draws = 0;
  int confirmed = 0;
  for (int audit = 0; audit < 200; ++audit) {
    std::vector<std::string> read;
    for (int draw = 0; draw < 5000; ++draw) read.push_back(coin(random) ? "aibek" : "bermet");
    absl::StatusOr<BravoOutcome> outcome = RunBravo(reported, 0.1, read, kOptions);
    ASSERT_TRUE(outcome.ok());
    confirmed += outcome->confirmed;
    draws += outcome->draws_used;
  }
  EXPECT_GE(confirmed, 195);
  // The average sample number is 469: the mean over 200 audits stays near it.
  EXPECT_NEAR(static_cast<double>(draws) / 200, 469, 120);
}

TEST(StackPositionTest, DrawsSheetsInsideEachBoxsStackReproducibly) {
  const std::vector<ContestTally> boxes = {Box("1001", 30, {}), Box("1002", 0, {}),
                                           Box("1003", 70, {})};
  const std::vector<StackPosition> a = DrawStackPositions("dice 3 1 4", boxes, 200);
  ASSERT_EQ(a.size(), 200u);
  const std::vector<std::int64_t> global = SampleBallots("dice 3 1 4", 100, 200);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].draw, static_cast<std::int64_t>(i) + 1);
    if (global[i] <= 30) {
      EXPECT_EQ(a[i].precinct_id, "1001");
      EXPECT_EQ(a[i].position, global[i]);
    } else {
      EXPECT_EQ(a[i].precinct_id, "1003");
      EXPECT_EQ(a[i].position, global[i] - 30);
    }
  }
  EXPECT_EQ(DrawStackPositions("dice 3 1 4", boxes, 200).back().position, a.back().position);
}

TEST(PulledSheetsTest, ReadsTheFilledInFormAndNamesTheLineOfAnError) {
  absl::StatusOr<std::vector<PulledSheet>> sheets =
      ParsePulledSheets("draw,precinct,position,vote\n1,1001,17,aibek\n2,1003, 4 ,-\n");
  ASSERT_TRUE(sheets.ok()) << sheets.status();
  ASSERT_EQ(sheets->size(), 2u);
  EXPECT_EQ((*sheets)[1].where.precinct_id, "1003");
  EXPECT_EQ((*sheets)[1].where.position, 4);
  EXPECT_EQ((*sheets)[1].vote, kNoVote);
  for (const auto& [text, where] :
       {std::pair{"", "empty"}, std::pair{"draw,vote\n", "line 1"},
        std::pair{"draw,precinct,position,vote\n2,1001,1,aibek\n", "line 2"},
        std::pair{"draw,precinct,position,vote\n1,1001,0,aibek\n", "line 2"},
        std::pair{"draw,precinct,position,vote\n1,1001,3,\n", "no vote written"},
        std::pair{"draw,precinct,position,vote\n1,1001,3\n", "3 fields"}}) {
    absl::StatusOr<std::vector<PulledSheet>> bad = ParsePulledSheets(text);
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_NE(bad.status().message().find(where), std::string::npos) << bad.status();
  }
}

std::vector<ContestTally> TwoBoxes() {
  return {Box("1001", 100, {{"aibek", 60}, {"bermet", 40}}),
          Box("1002", 50, {{"aibek", 30}, {"bermet", 20}})};
}

CountTable HandCountOf(const std::vector<ContestTally>& boxes) {
  CountTable hand;
  for (const ContestTally& box : boxes) {
    for (const auto& [option, votes] : box.votes) hand[{box.precinct_id, "mayor", option}] = votes;
  }
  return hand;
}

TEST(BatchComparisonTest, BoundsEachBoxsOverstatementAndSizesTheSample) {
  // V = 90 - 60 = 30; u = (60 - 40 + 100)/30 = 4 and (30 - 20 + 50)/30 = 2; U = 6;
  // draws = ceil(ln 0.05 / ln(5/6)) = 17.
  absl::StatusOr<BatchPlan> plan = PlanBatchComparison(TwoBoxes(), 0.05, "seed");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->winner, "aibek");
  EXPECT_DOUBLE_EQ(plan->error_bound[0], 4);
  EXPECT_DOUBLE_EQ(plan->error_bound[1], 2);
  EXPECT_DOUBLE_EQ(plan->total_error_bound, 6);
  EXPECT_EQ(plan->draws, 17);
  ASSERT_EQ(plan->drawn_boxes.size(), 17u);
  int first = 0;
  for (const std::int64_t p : plan->drawn_boxes) first += p == 0;
  EXPECT_GT(first, 17 / 3) << "box 1001 carries two thirds of the error bound";
}

TEST(BatchComparisonTest, ConfirmsWhenTheHandCountsMatch) {
  const std::vector<ContestTally> boxes = TwoBoxes();
  absl::StatusOr<BatchPlan> plan = PlanBatchComparison(boxes, 0.05, "seed");
  ASSERT_TRUE(plan.ok());
  absl::StatusOr<BatchOutcome> outcome =
      CompareBatches(boxes, *plan, "mayor", HandCountOf(boxes), 0.05);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(outcome->confirmed);
  EXPECT_NEAR(outcome->risk, std::pow(5.0 / 6, 17), 1e-12);
  for (const std::int64_t over : outcome->overstatement_votes) EXPECT_EQ(over, 0);
}

TEST(BatchComparisonTest, ABoxWhoseMarginWasOverstatedIsNotConfirmed) {
  const std::vector<ContestTally> boxes = TwoBoxes();
  absl::StatusOr<BatchPlan> plan = PlanBatchComparison(boxes, 0.05, "seed");
  ASSERT_TRUE(plan.ok());
  CountTable hand = HandCountOf(boxes);
  // The paper of box 1001 holds 40 for aibek and 60 for bermet: the machine flipped it.
  hand[{"1001", "mayor", "aibek"}] = 40;
  hand[{"1001", "mayor", "bermet"}] = 60;
  absl::StatusOr<BatchOutcome> outcome = CompareBatches(boxes, *plan, "mayor", hand, 0.05);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_FALSE(outcome->confirmed);
  bool saw = false;
  for (std::size_t j = 0; j < plan->drawn_boxes.size(); ++j) {
    if (plan->drawn_boxes[j] == 0) {
      EXPECT_EQ(outcome->overstatement_votes[j], 40);
      saw = true;
    }
  }
  EXPECT_TRUE(saw);
}

TEST(BatchComparisonTest, RefusesAHandCountMissingADrawnBox) {
  const std::vector<ContestTally> boxes = TwoBoxes();
  absl::StatusOr<BatchPlan> plan = PlanBatchComparison(boxes, 0.05, "seed");
  ASSERT_TRUE(plan.ok());
  CountTable hand = HandCountOf(boxes);
  hand.erase({"1001", "mayor", "bermet"});
  absl::StatusOr<BatchOutcome> outcome = CompareBatches(boxes, *plan, "mayor", hand, 0.05);
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.status().message().find("box 1001"), std::string::npos);
}

TEST(ContestTalliesTest, CountsEachBoxsStackOfTheContestsBallotKind) {
  Bundle bundle;
  bundle.info.precinct_id = "1001";
  Contest* contest = bundle.election.add_contests();
  contest->set_id("mayor");
  contest->set_vote_for(1);
  for (const char* id : {"aibek", "bermet"}) contest->add_options()->set_id(id);
  bundle.election.add_contests()->set_id("referendum");
  const auto add = [&](std::vector<std::string> selections, bool test, const char* id) {
    CastVoteRecord* r = &bundle.records.emplace_back();
    r->set_test(test);
    ContestReading* reading = r->mutable_interpretation()->add_contests();
    reading->set_contest_id(id);
    for (const std::string& s : selections) reading->add_selections(s);
  };
  add({"aibek"}, false, "mayor");
  add({"aibek"}, false, "mayor");
  add({"bermet", "aibek"}, false, "mayor");  // overvoted, cast as it is: no vote
  add({}, false, "mayor");
  add({"bermet"}, true, "mayor");  // a test ballot: never in the stack
  add({"yes"}, false, "referendum");
  absl::StatusOr<std::vector<ContestTally>> boxes = ContestTallies({bundle}, "mayor");
  ASSERT_TRUE(boxes.ok()) << boxes.status();
  ASSERT_EQ(boxes->size(), 1u);
  EXPECT_EQ((*boxes)[0].ballots, 4);
  EXPECT_EQ((*boxes)[0].votes.at("aibek"), 2);
  EXPECT_EQ((*boxes)[0].votes.at("bermet"), 0);
  absl::StatusOr<std::vector<ContestTally>> unknown = ContestTallies({bundle}, "mayr");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("mayor, referendum"), std::string::npos);
}

}  // namespace
}  // namespace esep::audit
