// Ballot-comparison audit arithmetic: the sample-size formula, Rivest's SHA-256 sampler and the
// hand-count reconciliation.
#include "esep/audit/rla.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "esep/audit/bundle.h"
#include "esep/audit/reconcile.h"
#include "esep/proto/election.h"

namespace esep::audit {
namespace {

TEST(SampleSizeTest, WithoutExpectedErrorsIsTwoGammaLogOneOverAlphaOverMargin) {
  for (const double margin : {0.01, 0.05, 0.2}) {
    absl::StatusOr<std::int64_t> n = BallotComparisonSampleSize({0.05, margin});
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(*n, static_cast<std::int64_t>(std::ceil(2 * kDefaultGamma * std::log(20) / margin)));
  }
}

TEST(SampleSizeTest, IsWithinTenPercentOfTheMissionBriefsFigures) {
  // The brief quotes about 136 ballots for a 5% margin and 678 for 1% at a 5% risk limit.
  absl::StatusOr<std::int64_t> five = BallotComparisonSampleSize({0.05, 0.05});
  absl::StatusOr<std::int64_t> one = BallotComparisonSampleSize({0.05, 0.01});
  ASSERT_TRUE(five.ok() && one.ok());
  EXPECT_NEAR(static_cast<double>(*five), 136, 13.6);
  EXPECT_NEAR(static_cast<double>(*one), 678, 67.8);
}

TEST(SampleSizeTest, ExpectedOverstatementsEnlargeTheSample) {
  SampleSizeOptions with_errors{0.05, 0.05};
  with_errors.one_vote_overstatement_rate = 0.001;
  with_errors.two_vote_overstatement_rate = 0.0001;
  absl::StatusOr<std::int64_t> clean = BallotComparisonSampleSize({0.05, 0.05});
  absl::StatusOr<std::int64_t> errors = BallotComparisonSampleSize(with_errors);
  ASSERT_TRUE(clean.ok() && errors.ok());
  EXPECT_GT(*errors, *clean);
}

TEST(SampleSizeTest, RefusesImpossibleInputs) {
  EXPECT_FALSE(BallotComparisonSampleSize({0.05, 0}).ok()) << "a tie";
  EXPECT_FALSE(BallotComparisonSampleSize({1.5, 0.05}).ok());
  SampleSizeOptions hopeless{0.05, 0.01};
  hopeless.one_vote_overstatement_rate = 0.05;
  EXPECT_FALSE(BallotComparisonSampleSize(hopeless).ok());
}

TEST(SampleSizeTest, RefusesAMarginTooSmallForAnySample) {
  absl::StatusOr<std::int64_t> n = BallotComparisonSampleSize({0.05, 1e-300});
  EXPECT_FALSE(n.ok()) << "sample size " << *n;
  SampleSizeOptions huge_gamma{0.05, 0.05};
  huge_gamma.gamma = 1e300;
  n = BallotComparisonSampleSize(huge_gamma);
  EXPECT_FALSE(n.ok()) << "sample size " << *n;
  EXPECT_FALSE(BallotComparisonSampleSize({std::nan(""), 0.05}).ok());
  EXPECT_FALSE(BallotComparisonSampleSize({0.05, std::numeric_limits<double>::infinity()}).ok());
}

TEST(SamplerTest, MatchesVectorsComputedWithPythonHashlib) {
  // int(hashlib.sha256(f"{seed},{i}".encode()).hexdigest(), 16) % N + 1, i = 1..5.
  EXPECT_EQ(SampleBallots("20261123", 1000, 5),
            (std::vector<std::int64_t>{186, 339, 364, 47, 196}));
  EXPECT_EQ(SampleBallots("3141592653", 37, 5), (std::vector<std::int64_t>{37, 9, 15, 11, 10}));
}

TEST(SamplerTest, IsReproducibleAndExtendsAPrefix) {
  const std::vector<std::int64_t> a = SampleBallots("public dice 4 1 6 6 2", 5000, 200);
  EXPECT_EQ(a, SampleBallots("public dice 4 1 6 6 2", 5000, 200));
  const std::vector<std::int64_t> longer = SampleBallots("public dice 4 1 6 6 2", 5000, 300);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), longer.begin()));
  for (const std::int64_t p : longer) {
    EXPECT_GE(p, 1);
    EXPECT_LE(p, 5000);
  }
  EXPECT_NE(a, SampleBallots("another seed", 5000, 200));
}

TEST(SampleSizeTest, ASampleAsLargeAsTheBallotsAdvisesAFullHandCount) {
  const std::string advice = FullHandCountAdvice(32, 5);
  EXPECT_NE(advice.find("32 draws"), std::string::npos) << advice;
  EXPECT_NE(advice.find("count every ballot by hand"), std::string::npos) << advice;
  EXPECT_FALSE(FullHandCountAdvice(5, 5).empty());
  EXPECT_TRUE(FullHandCountAdvice(32, 5000).empty());
}

TEST(ReconcileTest, ListsEveryDifferenceOfTheContestsTheHandCountCovers) {
  const CountTable machine = {{{"1002", "gov", "presidential"}, 120},
                              {{"1002", "gov", "parliamentary"}, 80},
                              {{"1002", "gov", "against-both"}, 7},
                              {{"1003", "gov", "presidential"}, 50}};
  absl::StatusOr<CountTable> hand = ParseHandCount(
      "precinct,contest,option,count\n1002,gov,presidential,121\n1002,gov,parliamentary,80\n");
  ASSERT_TRUE(hand.ok()) << hand.status();
  const std::vector<CountDifference> d = Reconcile(machine, *hand);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].Line(),
            "precinct 1002 contest gov option against-both: machine 7, hand 0, "
            "difference -7");
  EXPECT_EQ(d[1].option_id, "presidential");
  EXPECT_EQ(d[1].hand - d[1].machine, 1);
}

TEST(ReconcileTest, AMisspelledNameIsRefusedNotCountedAsAnOption) {
  absl::StatusOr<Election> election = LoadElectionFile("fixtures/elections/referendum-2021.json");
  ASSERT_TRUE(election.ok()) << election.status();
  std::vector<Bundle> bundles(1);
  bundles[0].info.precinct_id = "1002";
  bundles[0].election = *election;
  absl::StatusOr<CountTable> good = ParseHandCount("1002,form-of-government,presidential,3\n");
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(CheckHandCountNames(*good, bundles).ok());

  absl::StatusOr<CountTable> typo = ParseHandCount("1002,form-of-government,presidental,3\n");
  ASSERT_TRUE(typo.ok());
  const absl::Status refused = CheckHandCountNames(*typo, bundles);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("no option \"presidental\""), std::string::npos) << refused;
  EXPECT_NE(refused.message().find("presidential, parliamentary"), std::string::npos) << refused;

  absl::StatusOr<CountTable> contest = ParseHandCount("1002,goverment,presidential,3\n");
  EXPECT_NE(CheckHandCountNames(*contest, bundles).message().find("not on the ballot"),
            std::string::npos);
  absl::StatusOr<CountTable> precinct = ParseHandCount("9999,form-of-government,presidential,3\n");
  EXPECT_NE(CheckHandCountNames(*precinct, bundles).message().find("none of the audit bundles"),
            std::string::npos);
}

TEST(ReconcileTest, ReadsJsonAndRefusesBadLines) {
  absl::StatusOr<CountTable> json = ParseHandCount(
      R"([{"precinct": "1002", "contest": "gov", "option": "presidential", "count": 3}])");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ((json->at({"1002", "gov", "presidential"})), 3);
  EXPECT_FALSE(ParseHandCount("1002,gov,presidential,many\n").ok());
  EXPECT_FALSE(ParseHandCount("1002,gov\n").ok());
  EXPECT_FALSE(ParseHandCount("1002,gov,a,1\n1002,gov,a,2\n").ok());
  EXPECT_FALSE(ParseHandCount(R"([{"precinct": "1002", "count": 1.5}])").ok());
}

TEST(ReconcileTest, RefusesAHandCountNestedTooDeeplyAtOnce) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<CountTable> deep =
      ParseHandCount(std::string(100'000, '[') + std::string(100'000, ']'));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(std::string(deep.status().message()).find("nested"), std::string::npos)
      << deep.status();
}

}  // namespace
}  // namespace esep::audit
