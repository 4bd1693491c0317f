#include "esep/scanner/precinct.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "esep/proto/election.h"
#include "esep/scanner/control.h"
#include "esep/scanner/simulated_reader.h"
#include "esep/text/catalog.h"
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
  absl::StatusOr<std::string> test_report = testing::InEnglish(p->TestReport());
  ASSERT_TRUE(test_report.ok());
  EXPECT_TRUE(Contains(*test_report, "ballots cast: 2")) << *test_report;

  absl::StatusOr<std::string> zero = testing::InEnglish(p->OpenPolls());
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
  absl::StatusOr<std::string> reopened = testing::InEnglish(p->OpenPolls());
  ASSERT_FALSE(reopened.ok());
  EXPECT_TRUE(Contains(std::string(reopened.status().message()), "never be reopened"));
  EXPECT_FALSE(p->StartTest().ok());
  EXPECT_EQ(p->FeedSheet().status().code(), absl::StatusCode::kFailedPrecondition);

  absl::StatusOr<std::string> results = testing::InEnglish(p->ResultsReport());
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_TRUE(Contains(*results, "ballots cast: 3")) << *results;
  EXPECT_TRUE(Contains(*results, "       2  Президенттик республика / Президентская республика"))
      << *results;
  EXPECT_TRUE(Contains(*results, "       1  Экөөнө тең каршымын / Против обеих")) << *results;
}

// Expected counts the commission types are checked before anything is kept: an option not on the
// precinct's ballot, one named twice, a count no test deck reaches, or counts given once the
// polls are open are refused, and the counts kept before stay as they were.
TEST_F(PrecinctTest, RefusesExpectedCountsThatCannotBeTheTestDecks) {
  SimulatedReader reader({Sheet("presidential", true)}, {});
  auto p = Open(reader);
  ASSERT_TRUE(p);
  const auto with = [](std::vector<std::tuple<std::string, std::string, std::uint64_t>> counts) {
    TestExpectation expectation;
    expectation.set_others_zero(true);
    for (const auto& [contest, option, votes] : counts) {
      TestExpectedCount* count = expectation.add_counts();
      count->set_contest_id(contest);
      count->set_option_id(option);
      count->set_votes(votes);
    }
    return expectation;
  };
  ASSERT_TRUE(p->SetTestExpectation(with({{"form-of-government", "presidential", 1}})).ok());
  const auto refused = [&](const TestExpectation& e) {
    absl::Status s = p->SetTestExpectation(e);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    return std::string(s.message());
  };
  EXPECT_NE(refused(with({{"form-of-government", "monarchy", 1}}))
                .find("form-of-government/monarchy: no such option"),
            std::string::npos);
  EXPECT_NE(refused(with({{"form-of-government", "presidential", 1},
                          {"form-of-government", "presidential", 2}}))
                .find("given twice"),
            std::string::npos);
  EXPECT_NE(refused(with({{"form-of-government", "presidential", 1'000'000'000}}))
                .find("a test deck is never that large"),
            std::string::npos);
  ASSERT_TRUE(p->StartTest().ok());
  ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  ASSERT_TRUE(p->FinishTest().ok());
  // The counts kept before the refusals still judge the test.
  absl::StatusOr<LogicAndAccuracyReport> judged = p->LogicAndAccuracy();
  ASSERT_TRUE(judged.ok()) << judged.status();
  EXPECT_EQ(judged->verdict(), LogicAndAccuracyReport::PASS);
  ASSERT_TRUE(p->OpenPolls().ok());
  EXPECT_EQ(p->SetTestExpectation(with({{"form-of-government", "presidential", 1}})).code(),
            absl::StatusCode::kFailedPrecondition);
}

// esepd judges the logic-and-accuracy test in one place: every option's expected count against
// the test ballots' votes. The screen, the console and the printed report show this verdict.
TEST_F(PrecinctTest, JudgesTheLogicAndAccuracyTestAgainstTheExpectedCounts) {
  SimulatedReader reader({Sheet("presidential", true), Sheet("parliamentary", true)}, {});
  auto p = Open(reader);
  ASSERT_TRUE(p);
  const auto verdict = [&] {
    absl::StatusOr<LogicAndAccuracyReport> judged = p->LogicAndAccuracy();
    EXPECT_TRUE(judged.ok()) << judged.status();
    return judged.ok() ? judged->verdict() : LogicAndAccuracyReport::VERDICT_UNSPECIFIED;
  };
  const auto expect = [&](std::uint64_t presidential, std::uint64_t parliamentary, bool others_zero,
                          bool against_both) {
    TestExpectation expectation;
    expectation.set_others_zero(others_zero);
    for (const auto& [option, votes] :
         {std::pair{"presidential", presidential}, std::pair{"parliamentary", parliamentary}}) {
      TestExpectedCount* count = expectation.add_counts();
      count->set_contest_id("form-of-government");
      count->set_option_id(option);
      count->set_votes(votes);
    }
    if (against_both) {
      TestExpectedCount* count = expectation.add_counts();
      count->set_contest_id("form-of-government");
      count->set_option_id("against-both");
      count->set_votes(0);
    }
    return p->SetTestExpectation(expectation);
  };
  EXPECT_EQ(verdict(), LogicAndAccuracyReport::INCOMPLETE) << "nothing read, nothing expected";
  ASSERT_TRUE(p->StartTest().ok());
  ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);

  // The screen gives the counts field by field: one option still without a count.
  ASSERT_TRUE(expect(1, 1, false, false).ok());
  EXPECT_EQ(verdict(), LogicAndAccuracyReport::INCOMPLETE);
  ASSERT_TRUE(expect(1, 1, false, true).ok());
  EXPECT_EQ(verdict(), LogicAndAccuracyReport::PASS);
  absl::StatusOr<LogicAndAccuracyReport> judged = p->LogicAndAccuracy();
  ASSERT_TRUE(judged.ok());
  ASSERT_EQ(judged->options_size(), 3);
  EXPECT_EQ(judged->options(0).option_id(), "presidential");
  EXPECT_TRUE(judged->options(0).has_expected());
  EXPECT_EQ(judged->options(0).expected(), 1u);
  EXPECT_EQ(judged->options(0).found(), 1u);
  EXPECT_EQ(judged->test_ballots_cast(), 2);
  EXPECT_EQ(judged->precinct_id(), "1002");

  // The console names the deck's marks: the options it does not name expect 0.
  ASSERT_TRUE(expect(2, 1, true, false).ok());
  EXPECT_EQ(verdict(), LogicAndAccuracyReport::FAIL);
  absl::StatusOr<std::string> text = testing::InEnglish(p->TestReport());
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_TRUE(Contains(*text, "VERDICT: FAIL")) << *text;
  EXPECT_TRUE(Contains(*text, "       2         1  ")) << *text;
  ASSERT_TRUE(expect(1, 1, true, false).ok());
  EXPECT_EQ(verdict(), LogicAndAccuracyReport::PASS);
  text = testing::InEnglish(p->TestReport());
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_TRUE(Contains(*text, "VERDICT: PASS")) << *text;

  // The expectation survives the step to ready and a restart of esepd.
  ASSERT_TRUE(p->FinishTest().ok());
  p.reset();
  p = Open(reader);
  ASSERT_TRUE(p);
  EXPECT_EQ(verdict(), LogicAndAccuracyReport::PASS);

  // Bad counts are refused, naming the option, and change nothing.
  TestExpectation bad;
  TestExpectedCount* count = bad.add_counts();
  count->set_contest_id("form-of-government");
  count->set_option_id("monarchy");
  const absl::Status refused = p->SetTestExpectation(bad);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(std::string(refused.message()), "form-of-government/monarchy")) << refused;
  EXPECT_EQ(verdict(), LogicAndAccuracyReport::PASS);

  // A failed test keeps the polls closed until the commission finds out why.
  ASSERT_TRUE(expect(2, 1, true, false).ok());
  const absl::StatusOr<std::string> refused_open = testing::InEnglish(p->OpenPolls());
  EXPECT_EQ(refused_open.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(
      Contains(std::string(refused_open.status().message()), "the logic-and-accuracy test failed"))
      << refused_open.status();
  EXPECT_EQ(p->state(), PollState::kReady);
  ASSERT_TRUE(expect(1, 1, true, false).ok());

  // Once the polls are open the test is over and its counts are not shown (VVSG 1.1.9-K).
  ASSERT_TRUE(p->OpenPolls().ok());
  EXPECT_EQ(p->LogicAndAccuracy().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(expect(1, 1, true, false).code(), absl::StatusCode::kFailedPrecondition);
}

// esepd's refusals are sentences of the catalogs: English in `error` for technicians, and each
// client says them in its reader's language, values (a poll state) included.
TEST_F(PrecinctTest, RefusalsReachTheCommissionInItsLanguage) {
  SimulatedReader reader({}, {});
  auto p = Open(reader);
  ASSERT_TRUE(p);
  absl::StatusOr<text::Catalog> catalog = text::Catalog::Load("esep");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ControlRequest request;
  request.set_command(ControlRequest::OPEN_POLLS);
  ControlResponse response = HandleControlRequest(*p, request, "");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error(), "the logic-and-accuracy test must be finished before the polls open");
  EXPECT_EQ(SayToPeople(response.error_sentences(), response.error(), &*catalog,
                        text::Language::kRussian),
            "проверка логики и точности должна быть завершена до открытия голосования");
  EXPECT_EQ(
      SayToPeople(response.error_sentences(), response.error(), &*catalog, text::Language::kKyrgyz),
      "добуш берүү ачылганга чейин логика жана тактык текшерүүсү аякташы керек");

  request.set_command(ControlRequest::RESULTS_REPORT);
  response = HandleControlRequest(*p, request, "");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error(),
            "results are printed only after the polls close; the reader is setup");
  EXPECT_EQ(SayToPeople(response.error_sentences(), response.error(), &*catalog,
                        text::Language::kRussian),
            "итоги печатаются только после закрытия голосования; сканер сейчас в состоянии "
            "«настроено, не проверено»");
  EXPECT_EQ(SayToPeople(response.error_sentences(), response.error(), &*catalog,
                        text::Language::kEnglish),
            response.error());

  // The ballot flow's own refusals too: a voter's choice with no ballot held.
  request.set_command(ControlRequest::CAST_AS_IS);
  response = HandleControlRequest(*p, request, "");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error(), "no ballot is waiting for the voter");
  EXPECT_EQ(
      SayToPeople(response.error_sentences(), response.error(), &*catalog, text::Language::kKyrgyz),
      "шайлоочуну күтүп турган бюллетень жок");
}

// The zero, test and results reports are lines of the catalogs: the console and the screen print
// each whole report in the commission's language; English stays in `report` for technicians.
TEST_F(PrecinctTest, ReportsReachTheCommissionInItsLanguage) {
  SimulatedReader reader({Sheet("presidential", true), Sheet("parliamentary", true),
                          Sheet("against-both", true), Sheet("presidential", false)},
                         {});
  auto p = Open(reader);
  ASSERT_TRUE(p);
  absl::StatusOr<text::Catalog> catalog = text::Catalog::Load("esep");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  // Every line a report prints is a translated sentence or data only (counts and names).
  const auto expect_every_line_translated = [&](const ControlResponse& response) {
    ASSERT_TRUE(response.ok()) << response.error();
    ASSERT_FALSE(response.report_sentences().empty());
    EXPECT_EQ(ReportToPeople(response, &*catalog, text::Language::kEnglish), response.report());
    for (const Sentence& line : response.report_sentences()) {
      std::string words = line.msgid();
      for (const Sentence::Arg& arg : line.args()) {
        absl::StrReplaceAll({{absl::StrCat("{", arg.name(), "}"), ""}}, &words);
      }
      if (std::all_of(words.begin(), words.end(), [](char c) { return !std::isalpha(c); })) {
        continue;
      }
      for (text::Language language : text::kPeoplesLanguages) {
        EXPECT_NE(catalog->Get(language, line.msgid()), line.msgid())
            << "untranslated line: " << line.msgid();
      }
    }
  };
  const auto command = [&](ControlRequest::Command c) {
    ControlRequest request;
    request.set_command(c);
    return HandleControlRequest(*p, request, "");
  };

  ASSERT_TRUE(p->StartTest().ok());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  ASSERT_TRUE(p->FinishTest().ok());
  ControlResponse test = command(ControlRequest::TEST_REPORT);
  expect_every_line_translated(test);
  EXPECT_TRUE(Contains(test.report(), "VERDICT: NOT COMPLETE")) << test.report();
  const std::string test_ky = ReportToPeople(test, &*catalog, text::Language::kKyrgyz);
  EXPECT_TRUE(Contains(test_ky, "ЛОГИКА ЖАНА ТАКТЫК ТЕКШЕРҮҮСҮ")) << test_ky;
  EXPECT_TRUE(Contains(test_ky, "салынган бюллетендер: 3")) << test_ky;
  EXPECT_FALSE(Contains(test_ky, "VERDICT")) << test_ky;

  EXPECT_FALSE(command(ControlRequest::ZERO_REPORT).ok()) << "a zero report before the opening";
  ControlResponse zero = command(ControlRequest::OPEN_POLLS);
  expect_every_line_translated(zero);
  PrecinctProtocol counters;
  ASSERT_TRUE(counters.ParseFromString(zero.zero_counters()));
  EXPECT_EQ(counters.polls_opened_unix_seconds(), clock_.NowUnixSeconds());
  ASSERT_EQ(counters.contests_size(), 1);
  EXPECT_EQ(counters.contests(0).options_size(), 3);
  EXPECT_EQ(zero.zero_report_copy_unix_seconds(), 0);
  const std::string zero_ru = ReportToPeople(zero, &*catalog, text::Language::kRussian);
  EXPECT_TRUE(Contains(zero_ru, "НУЛЕВОЙ ОТЧЁТ: голосование открыто")) << zero_ru;
  EXPECT_TRUE(Contains(zero_ru, "ВСЕ СЧЁТЧИКИ РАВНЫ НУЛЮ")) << zero_ru;
  EXPECT_TRUE(Contains(zero_ru, "  Председатель\n")) << zero_ru;
  EXPECT_TRUE(Contains(zero_ru, "       0  бюллетеней без отметок\n")) << zero_ru;

  ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  ASSERT_TRUE(command(ControlRequest::CLOSE_POLLS).ok());
  ControlResponse results = command(ControlRequest::RESULTS_REPORT);
  expect_every_line_translated(results);
  const std::string results_ky = ReportToPeople(results, &*catalog, text::Language::kKyrgyz);
  EXPECT_TRUE(Contains(results_ky, "ЖЫЙЫНТЫКТАР: добуш берүү жабылды")) << results_ky;
  EXPECT_TRUE(Contains(results_ky, "       1  жарактуу бюллетендер\n")) << results_ky;
  EXPECT_TRUE(Contains(results_ky, "       1  Президенттик республика / Президентская республика"))
      << results_ky;

  // A copy of the zero report after the day: the opening's zero counters, marked as a copy.
  ControlResponse copy = command(ControlRequest::ZERO_REPORT);
  expect_every_line_translated(copy);
  EXPECT_EQ(copy.zero_counters(), zero.zero_counters());
  EXPECT_EQ(copy.zero_report_copy_unix_seconds(), clock_.NowUnixSeconds());
  const std::string copy_ru = ReportToPeople(copy, &*catalog, text::Language::kRussian);
  EXPECT_TRUE(Contains(copy_ru, "\nКОПИЯ нулевого отчёта")) << copy_ru;
  EXPECT_TRUE(Contains(copy_ru, "опущено бюллетеней: 0\n")) << copy_ru;
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
  EXPECT_TRUE(Contains(*testing::InEnglish(p->ResultsReport()), "ballots cast: 1"));
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
