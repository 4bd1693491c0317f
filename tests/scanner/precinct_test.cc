#include "esep/scanner/precinct.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "esep/proto/election.h"
#include "esep/scanner/simulated_reader.h"
#include "test_sheets.h"

namespace esep::scanner {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class PrecinctTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> e = LoadElectionFile("fixtures/elections/referendum-2021.json");
    ASSERT_TRUE(e.ok()) << e.status();
    election_ = *e;
    dir_ = testing::ScratchDirectory("esep-precinct");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  SheetImage Sheet(const std::string& option, bool test) {
    return testing::PrintedSheet(election_, "referendum", "1002", {option}, CROSS, test, 11);
  }

  std::unique_ptr<Precinct> Open(Reader& reader) {
    absl::StatusOr<std::unique_ptr<Precinct>> p =
        Precinct::Open({election_, "1002", dir_, std::nullopt}, reader, clock_);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }

  Election election_;
  std::filesystem::path dir_;
  FixedClock clock_{1'610'265'600};  // 2021-01-10 08:00:00 UTC
};

TEST_F(PrecinctTest, ElectionDayFromTestToResults) {
  SimulatedReader reader(
      {Sheet("presidential", true), Sheet("parliamentary", true), Sheet("presidential", false),
       Sheet("presidential", false), Sheet("against-both", false)},
      {});
  auto p = Open(reader);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state(), PollState::kSetup);
  EXPECT_EQ(p->FeedSheet().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(p->OpenPolls().ok()) << "opened without the logic-and-accuracy test";

  ASSERT_TRUE(p->StartTest().ok());
  ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  ASSERT_TRUE(p->FinishTest().ok());
  absl::StatusOr<std::string> test_report = p->TestReport();
  ASSERT_TRUE(test_report.ok());
  EXPECT_TRUE(Contains(*test_report, "ballots cast: 2")) << *test_report;

  absl::StatusOr<std::string> zero = p->OpenPolls();
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_TRUE(Contains(*zero, "ZERO REPORT")) << *zero;
  EXPECT_TRUE(Contains(*zero, "ballots cast: 0")) << *zero;
  EXPECT_TRUE(
      Contains(*zero, "printed    2021-01-10 14:00:00 Бишкек/Bishkek (UTC+6) = 08:00:00 UTC"))
      << *zero;
  // docs/observer-qr.md: the zero report says every counter is zero and is signed on paper.
  EXPECT_TRUE(Contains(*zero, "ALL COUNTERS ARE ZERO")) << *zero;
  EXPECT_TRUE(Contains(*zero, "Signatures of the commission")) << *zero;

  for (int i = 0; i < 3; ++i) ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  EXPECT_EQ(*p->BallotsCast(), 3);
  EXPECT_EQ(p->ResultsReport().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(p->TestReport().status().code(), absl::StatusCode::kFailedPrecondition);

  ASSERT_TRUE(p->ClosePolls().ok());
  absl::StatusOr<std::string> reopened = p->OpenPolls();
  ASSERT_FALSE(reopened.ok());
  EXPECT_TRUE(Contains(std::string(reopened.status().message()), "never be reopened"));
  EXPECT_FALSE(p->StartTest().ok());
  EXPECT_EQ(p->FeedSheet().status().code(), absl::StatusCode::kFailedPrecondition);

  absl::StatusOr<std::string> results = p->ResultsReport();
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_TRUE(Contains(*results, "ballots cast: 3")) << *results;
  EXPECT_TRUE(Contains(*results, "       2  Президенттик республика / Президентская республика"))
      << *results;
  EXPECT_TRUE(Contains(*results, "       1  Экөөнө тең каршымын / Против обеих")) << *results;
}

TEST_F(PrecinctTest, StateAndCountsSurviveARestart) {
  {
    SimulatedReader reader({Sheet("presidential", true), Sheet("parliamentary", false)}, {});
    auto p = Open(reader);
    ASSERT_TRUE(p->StartTest().ok());
    ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
    ASSERT_TRUE(p->FinishTest().ok());
    ASSERT_TRUE(p->OpenPolls().ok());
    ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  }
  SimulatedReader reader({}, {});
  auto p = Open(reader);
  EXPECT_EQ(p->state(), PollState::kOpen);
  EXPECT_EQ(*p->BallotsCast(), 1);
  ASSERT_TRUE(p->ClosePolls().ok());
  EXPECT_TRUE(Contains(*p->ResultsReport(), "ballots cast: 1"));
  absl::StatusOr<std::vector<LogEvent>> events = p->store().Events();
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(VerifyEventChain(*events).ok());
}

TEST_F(PrecinctTest, RefusesAPrecinctOutsideTheElection) {
  SimulatedReader reader({}, {});
  absl::StatusOr<std::unique_ptr<Precinct>> p =
      Precinct::Open({election_, "9999", dir_, std::nullopt}, reader, clock_);
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(Contains(std::string(p.status().message()), "precinct \"9999\""));
}

}  // namespace
}  // namespace esep::scanner
