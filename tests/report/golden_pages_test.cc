// The signed documents as people see them: each rendered page is compared with a reviewed golden
// image in tests/report/golden/ (50 dpi grayscale), within a tolerance for anti-aliasing, and a
// page that differs is named with the region where it differs. ESEP_UPDATE_GOLDEN=1 rewrites the
// goldens; look at every rewritten page before committing it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>
#include <vector>

#include "../transport/sample_protocols.h"
#include "esep/proto/election.h"
#include "esep/render/degrade.h"
#include "esep/render/render.h"
#include "esep/report/calibration_report.h"
#include "esep/report/protocol_sheet.h"
#include "esep/transport/signing.h"
#include "esep/vision/image_codec.h"

namespace esep::report {
namespace {

namespace fs = std::filesystem;

constexpr int kRenderDpi = 100;  // the renderer's least resolution; halved for the goldens
constexpr double kMostDifferingShare = 0.002;  // of a page's pixels, each off by more than 64

const fs::path kGoldenDir = fs::path(ESEP_SOURCE_DIR) / "tests/report/golden";

cv::Mat Small(const cv::Mat& page) {
  cv::Mat small;
  cv::resize(page, small, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
  return small;
}

// Compares `pages` with the goldens `name`-1.png, `name`-2.png, ...
void ExpectGolden(const std::string& name, const std::vector<cv::Mat>& pages) {
  const bool update = std::getenv("ESEP_UPDATE_GOLDEN") != nullptr;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const cv::Mat page = Small(pages[i]);
    const fs::path golden = kGoldenDir / (name + "-" + std::to_string(i + 1) + ".png");
    if (update) {
      fs::create_directories(kGoldenDir);
      ASSERT_TRUE(cv::imwrite(golden.string(), page, {cv::IMWRITE_PNG_COMPRESSION, 9}));
      continue;
    }
    const cv::Mat expected = cv::imread(golden.string(), cv::IMREAD_GRAYSCALE);
    ASSERT_FALSE(expected.empty()) << golden << " is missing";
    ASSERT_EQ(expected.size(), page.size()) << golden;
    cv::Mat diff;
    cv::absdiff(expected, page, diff);
    cv::threshold(diff, diff, 64, 255, cv::THRESH_BINARY);
    const int differing = cv::countNonZero(diff);
    if (differing > kMostDifferingShare * static_cast<double>(page.total())) {
      const cv::Rect where = cv::boundingRect(diff);
      const fs::path actual =
          fs::temp_directory_path() / (name + "-" + std::to_string(i + 1) + "-actual.png");
      cv::imwrite(actual.string(), page);
      ADD_FAILURE() << name << " page " << i + 1 << " differs from " << golden << " in "
                    << differing << " pixels, within x " << where.x << ".." << where.x + where.width
                    << ", y " << where.y << ".." << where.y + where.height << " (of " << page.cols
                    << " x " << page.rows << " at 50 dpi); the page is in " << actual;
    }
  }
  if (!update) {
    EXPECT_FALSE(fs::exists(kGoldenDir / (name + "-" + std::to_string(pages.size() + 1) + ".png")))
        << name << " has fewer pages than its goldens";
  }
}

class GoldenPagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> e = LoadElectionFile("fixtures/elections/referendum-2021.json");
    ASSERT_TRUE(e.ok()) << e.status();
    election_ = *e;
    protocol_ = testing::ConsistentProtocol(election_, "1002", 11);
    protocol_.set_polls_opened_unix_seconds(1'610'265'600);  // 14:00 in Bishkek
    protocol_.set_polls_closed_unix_seconds(1'610'308'800);
    protocol_.set_created_unix_seconds(1'610'310'000);
    std::array<std::uint8_t, 32> seed{};
    for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(i * 7 + 1);
    absl::StatusOr<transport::SigningKey> key = transport::SigningKey::FromSeed(seed);
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *std::move(key);
  }

  Election election_;
  PrecinctProtocol protocol_;
  std::optional<transport::SigningKey> key_;
};

TEST_F(GoldenPagesTest, DraftProtocol) {
  absl::StatusOr<std::vector<cv::Mat>> pages =
      RenderProtocolPages(election_, protocol_, nullptr, kRenderDpi);
  ASSERT_TRUE(pages.ok()) << pages.status();
  ExpectGolden("protocol-draft", *pages);
}

TEST_F(GoldenPagesTest, FinalProtocol) {
  const SignedProtocol signed_protocol = transport::SignProtocol(protocol_, *key_);
  absl::StatusOr<std::vector<cv::Mat>> pages =
      RenderProtocolPages(election_, protocol_, &signed_protocol, kRenderDpi);
  ASSERT_TRUE(pages.ok()) << pages.status();
  ExpectGolden("protocol-final", *pages);
}

TEST_F(GoldenPagesTest, CorrectionWithTheCommissionsExplanationAndWhatItChanged) {
  PrecinctProtocol replaced = protocol_;
  replaced.set_revision(1);
  replaced.set_status(FINAL);
  // One ballot issued in the room had been written down as cancelled.
  protocol_.set_ballots_cancelled(protocol_.ballots_cancelled() - 1);
  protocol_.set_ballots_issued_in_room(protocol_.ballots_issued_in_room() + 1);
  protocol_.set_revision(2);
  protocol_.set_status(CORRECTION);
  protocol_.set_commission_explanation(
      "Бир берилген бюллетень жокко чыгарылган деп жазылган / Один выданный бюллетень был записан "
      "как погашенный / One issued ballot had been written down as cancelled");
  const SignedProtocol signed_protocol = transport::SignProtocol(protocol_, *key_);
  absl::StatusOr<std::vector<cv::Mat>> pages =
      RenderProtocolPages(election_, protocol_, &signed_protocol, kRenderDpi, &replaced);
  ASSERT_TRUE(pages.ok()) << pages.status();
  ExpectGolden("protocol-correction", *pages);
}

TEST_F(GoldenPagesTest, ZeroReport) {
  PrecinctProtocol zero = protocol_;
  zero.set_ballots_in_stationary_box(0);
  for (ContestResult& r : *zero.mutable_contests()) {
    for (OptionVotes& o : *r.mutable_options()) o.set_votes(0);
  }
  const fs::path dir = fs::temp_directory_path() / ("esep-golden-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  absl::StatusOr<WrittenSheet> written = RenderZeroReportSheet(
      election_, zero, SheetFormat::kPng, kRenderDpi, (dir / "zero.png").string());
  ASSERT_TRUE(written.ok()) << written.status();
  std::vector<cv::Mat> pages;
  for (const std::string& file : written->files) {
    pages.push_back(cv::imread(file, cv::IMREAD_GRAYSCALE));
  }
  fs::remove_all(dir);
  ExpectGolden("zero-report", pages);
}

// The logic-and-accuracy test report as esepd judged it: three test ballots, one per answer.
void ExpectTestReportGolden(const std::string& name, const Election& election,
                            std::uint64_t expected_first) {
  LogicAndAccuracyReport report;
  report.set_election_id(election.id());
  report.set_election_hash(ElectionHash(election));
  report.set_precinct_id("1002");
  report.set_reader_serial("R1-0042");
  report.set_printed_unix_seconds(1'610'254'800);  // 11:00 in Bishkek, before the polls open
  report.set_test_ballots_cast(3);
  report.set_software("esepd 0.9.0 (sha256 1f0c…)");
  report.set_signing_key("pkcs11:token=esep-box-1002");
  for (const Contest* contest : ContestsOnBallot(election, "1002")) {
    for (const Option& option : contest->options()) {
      LogicAndAccuracyReport::OptionCount* row = report.add_options();
      row->set_contest_id(contest->id());
      row->set_option_id(option.id());
      row->set_has_expected(true);
      row->set_expected(report.options_size() == 1 ? expected_first : 1);
      row->set_found(1);
    }
  }
  report.set_verdict(expected_first == 1 ? LogicAndAccuracyReport::PASS
                                         : LogicAndAccuracyReport::FAIL);
  const fs::path dir = fs::temp_directory_path() / ("esep-golden-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  absl::StatusOr<WrittenSheet> written = RenderLogicAndAccuracySheet(
      election, report, SheetFormat::kPng, kRenderDpi, (dir / "test.png").string());
  ASSERT_TRUE(written.ok()) << written.status();
  std::vector<cv::Mat> pages;
  for (const std::string& file : written->files) {
    pages.push_back(cv::imread(file, cv::IMREAD_GRAYSCALE));
  }
  fs::remove_all(dir);
  ExpectGolden(name, pages);
}

TEST_F(GoldenPagesTest, LogicAndAccuracyTestPasses) {
  ExpectTestReportGolden("test-report-pass", election_, 1);
}

TEST_F(GoldenPagesTest, LogicAndAccuracyTestFailsOnACountOtherThanExpected) {
  ExpectTestReportGolden("test-report-fail", election_, 2);
}

// The technician's calibration report: a clean scan passes; a scan with a dark streak fails, with
// the streak drawn and the failed check in red.
void ExpectCalibrationReportGolden(const std::string& name, bool streak) {
  const vision::CalibrationLayout layout = vision::StandardCalibrationLayout();
  constexpr int kDpi = 150;
  absl::StatusOr<cv::Mat> scan = render::RenderCalibrationSheet(layout, kDpi);
  ASSERT_TRUE(scan.ok()) << scan.status();
  if (streak) {
    DegradeSpec spec;
    spec.set_streak(true);
    spec.set_streak_x_mm(60);
    spec.set_streak_width_px(4);
    spec.set_streak_transmission(0.45);
    ASSERT_TRUE(render::Degrade(*scan, spec, kDpi, 7).ok());
  }
  const vision::GrayImage image = vision::ViewOf(*scan);
  absl::StatusOr<vision::CalibrationMeasurement> m =
      vision::MeasureCalibrationSheet(image, layout, {kDpi});
  ASSERT_TRUE(m.ok()) << m.status();
  m->profile.set_reader_serial("R1-0042");
  vision::EvaluateTolerances(vision::CalibrationTolerances{}, &m->profile);
  EXPECT_EQ(m->profile.pass(), !streak);
  cv::Mat gray;
  cv::cvtColor(RenderCalibrationReport(*scan, layout, *m), gray, cv::COLOR_BGR2GRAY);
  // At the protocol pages' scale: Small() halves a 100 dpi page; the report is drawn at 150 dpi.
  cv::Mat page;
  cv::resize(gray, page, cv::Size(), 2.0 / 3, 2.0 / 3, cv::INTER_AREA);
  ExpectGolden(name, {page});
}

TEST(GoldenCalibrationReportTest, PassingCalibration) {
  ExpectCalibrationReportGolden("calibration-report-pass", false);
}

TEST(GoldenCalibrationReportTest, StreakOnTheSensorFails) {
  ExpectCalibrationReportGolden("calibration-report-streak", true);
}

}  // namespace
}  // namespace esep::report
