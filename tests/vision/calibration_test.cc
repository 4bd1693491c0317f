#include "esep/vision/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "esep/proto/election.h"
#include "esep/render/degrade.h"
#include "esep/render/render.h"
#include "esep/vision/interpreter.h"
#include "esep/vision/mark_scorer.h"

namespace esep::vision {
namespace {

constexpr int kDpi = 200;
constexpr std::uint64_t kSeed = 11;

// Scans of the calibration sheet simulated with known damage, measured back.
class CalibrationTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    layout_ = new CalibrationLayout(StandardCalibrationLayout());
    absl::StatusOr<cv::Mat> page = render::RenderCalibrationSheet(*layout_, kDpi);
    ASSERT_TRUE(page.ok()) << page.status();
    sheet_ = new cv::Mat(*page);
  }
  static void TearDownTestSuite() {
    delete layout_;
    delete sheet_;
  }

  static cv::Mat Scan(const DegradeSpec& spec) {
    cv::Mat scan = sheet_->clone();
    const absl::Status s = render::Degrade(scan, spec, kDpi, kSeed);
    EXPECT_TRUE(s.ok()) << s;
    return scan;
  }

  static absl::StatusOr<CalibrationMeasurement> Measure(const cv::Mat& scan) {
    const GrayImage image{
        {scan.data, scan.total()}, scan.cols, scan.rows, static_cast<int>(scan.step)};
    absl::StatusOr<CalibrationMeasurement> m = MeasureCalibrationSheet(image, *layout_, {kDpi});
    if (m.ok()) EvaluateTolerances(CalibrationTolerances{}, &m->profile);
    return m;
  }

  static CalibrationProfile MeasureOk(const DegradeSpec& spec) {
    absl::StatusOr<CalibrationMeasurement> m = Measure(Scan(spec));
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? m->profile : CalibrationProfile{};
  }

  static CalibrationLayout* layout_;
  static cv::Mat* sheet_;
};

CalibrationLayout* CalibrationTest::layout_ = nullptr;
cv::Mat* CalibrationTest::sheet_ = nullptr;

const CalibrationCheck* FindCheck(const CalibrationProfile& p, const std::string& name) {
  for (const CalibrationCheck& c : p.checks()) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

bool Passes(const CalibrationProfile& p, const std::string& name) {
  const CalibrationCheck* c = FindCheck(p, name);
  EXPECT_NE(c, nullptr) << name;
  return c != nullptr && c->pass();
}

// The recommended thresholds are within `units` of the nominal ones.
void ExpectThresholdsNear(const CalibrationProfile& p, int units) {
  EXPECT_NEAR(ThresholdUnits(p.recommended_thresholds().definite()),
              ThresholdUnits(p.nominal_thresholds().definite()), units);
  EXPECT_NEAR(ThresholdUnits(p.recommended_thresholds().marginal()),
              ThresholdUnits(p.nominal_thresholds().marginal()), units);
}

TEST_F(CalibrationTest, CleanSheetMeasuresNominalAndPasses) {
  const CalibrationProfile p = MeasureOk(DegradeSpec{});
  EXPECT_NEAR(p.dpi_x(), kDpi, 0.2);
  EXPECT_NEAR(p.dpi_y(), kDpi, 0.2);
  EXPECT_NEAR(p.feed_stretch(), 0, 0.001);
  EXPECT_NEAR(p.skew_deg(), 0, 0.02);
  EXPECT_NEAR(p.offset_x_mm(), 0, 0.1);
  EXPECT_NEAR(p.offset_y_mm(), 0, 0.1);
  EXPECT_GE(p.white_level(), 254);
  EXPECT_LE(p.black_level(), 1);
  EXPECT_LT(p.tone_error(), 0.01);
  EXPECT_NEAR(p.gamma(), 1.0, 0.02);
  EXPECT_LT(p.noise(), 0.5);
  EXPECT_LT(p.uniformity(), 0.01);
  EXPECT_EQ(p.streaks_size(), 0);
  EXPECT_GE(p.resolved_x_lp_per_mm(), 2.5);
  EXPECT_GE(p.resolved_y_lp_per_mm(), 2.5);
  EXPECT_EQ(p.wedge_size(), static_cast<int>(layout_->wedge.size()));
  EXPECT_EQ(p.targets_size(), static_cast<int>(layout_->targets.size()));
  EXPECT_NEAR(p.target_gain(), 1.0, 0.05);
  ExpectThresholdsNear(p, 20);
  for (const CalibrationTargetReading& t : p.targets()) {
    // Flat fills read at their printed darkness, to a tenth of the marginal threshold.
    if (!t.line()) {
      EXPECT_NEAR(t.score_units(), t.nominal_darkness() * kScoreUnitsPerOne, 30) << t.id();
    }
    EXPECT_EQ(t.read_as(), t.expected()) << t.id();
  }
  EXPECT_GT(p.checks_size(), 20);
  EXPECT_TRUE(p.pass()) << FormatCalibrationReport(p);
}

TEST_F(CalibrationTest, SheetAt300DpiWithStretchMeasuresAtItsResolution) {
  absl::StatusOr<cv::Mat> page = render::RenderCalibrationSheet(*layout_, 300);
  ASSERT_TRUE(page.ok()) << page.status();
  DegradeSpec spec;
  spec.set_feed_stretch(1.02);
  spec.set_rotation_deg(-1);
  ASSERT_TRUE(render::Degrade(*page, spec, 300, kSeed).ok());
  const GrayImage image{
      {page->data, page->total()}, page->cols, page->rows, static_cast<int>(page->step)};
  absl::StatusOr<CalibrationMeasurement> m = MeasureCalibrationSheet(image, *layout_, {300});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_NEAR(m->profile.dpi_x(), 300, 0.3);
  EXPECT_NEAR(m->profile.dpi_y(), 306, 0.3);
  EXPECT_NEAR(m->profile.skew_deg(), 1, 0.03);
  EXPECT_GE(m->profile.resolved_x_lp_per_mm(), 3);
  ExpectThresholdsNear(m->profile, 20);
}

TEST_F(CalibrationTest, GainAndOffsetAreMeasuredBack) {
  DegradeSpec spec;
  spec.set_gain(0.8);
  spec.set_offset(20);
  const CalibrationProfile p = MeasureOk(spec);
  EXPECT_NEAR(p.white_level(), 20 + 0.8 * 255, 2);
  EXPECT_NEAR(p.black_level(), 20, 2);
  EXPECT_NEAR(p.dynamic_range(), 0.8 * 255, 3);
  EXPECT_LT(p.tone_error(), 0.02);
  ExpectThresholdsNear(p, 30);
  EXPECT_TRUE(p.pass()) << FormatCalibrationReport(p);
}

TEST_F(CalibrationTest, LowGainFailsTheWhiteLevel) {
  DegradeSpec spec;
  spec.set_gain(0.6);
  spec.set_offset(30);
  const CalibrationProfile p = MeasureOk(spec);
  EXPECT_NEAR(p.white_level(), 30 + 0.6 * 255, 2);
  EXPECT_NEAR(p.black_level(), 30, 2);
  EXPECT_FALSE(Passes(p, "white_level"));
  EXPECT_TRUE(Passes(p, "black_level"));
  EXPECT_FALSE(p.pass());
}

TEST_F(CalibrationTest, BlurLowersTheResolvedLinePairs) {
  DegradeSpec spec;
  spec.set_blur_sigma_px(2.0);
  const CalibrationProfile p = MeasureOk(spec);
  // A Gaussian blur of 2 px at 200 dpi leaves 1 lp/mm and wipes out 2 lp/mm.
  EXPECT_EQ(p.resolved_x_lp_per_mm(), 1.0);
  EXPECT_EQ(p.resolved_y_lp_per_mm(), 1.0);
  for (const LinePairReading& r : p.line_pairs()) {
    if (r.line_pairs_per_mm() >= 2) {
      EXPECT_LT(r.modulation(), 0.1);
    }
  }
  EXPECT_FALSE(Passes(p, "resolution_x"));
  EXPECT_FALSE(Passes(p, "resolution_y"));
  // The geometry and the marks are unaffected.
  EXPECT_NEAR(p.dpi_x(), kDpi, 0.3);
  EXPECT_NEAR(p.dpi_y(), kDpi, 0.3);
  EXPECT_TRUE(Passes(p, "target_classes"));
  ExpectThresholdsNear(p, 40);
}

TEST_F(CalibrationTest, SlightBlurStillPasses) {
  DegradeSpec spec;
  spec.set_blur_sigma_px(0.8);
  const CalibrationProfile p = MeasureOk(spec);
  EXPECT_GE(p.resolved_x_lp_per_mm(), 1.5);
  EXPECT_TRUE(p.pass()) << FormatCalibrationReport(p);
}

TEST_F(CalibrationTest, StretchAlongTheFeedIsMeasured) {
  for (const double stretch : {1.03, 0.98}) {
    DegradeSpec spec;
    spec.set_feed_stretch(stretch);
    const CalibrationProfile p = MeasureOk(spec);
    EXPECT_NEAR(p.scale_x(), 1.0, 0.001) << stretch;
    EXPECT_NEAR(p.scale_y(), stretch, 0.001) << stretch;
    EXPECT_NEAR(p.feed_stretch(), stretch - 1, 0.001) << stretch;
    EXPECT_LT(p.ruler_linearity_y_mm(), 0.1) << stretch;
    EXPECT_FALSE(Passes(p, "feed_stretch")) << stretch;
    EXPECT_TRUE(Passes(p, "target_classes")) << stretch;
  }
}

TEST_F(CalibrationTest, SkewIsMeasured) {
  // Degrade turns the sheet counter-clockwise for a positive angle; the profile's skew is
  // clockwise positive.
  for (const double rotation : {3.0, -4.5, 1.0}) {
    DegradeSpec spec;
    spec.set_rotation_deg(rotation);
    const CalibrationProfile p = MeasureOk(spec);
    EXPECT_NEAR(p.skew_deg(), -rotation, 0.03) << rotation;
    EXPECT_NEAR(p.dpi_x(), kDpi, 0.3) << rotation;
    EXPECT_NEAR(p.dpi_y(), kDpi, 0.3) << rotation;
    EXPECT_EQ(Passes(p, "skew"), std::abs(rotation) <= 2) << rotation;
    EXPECT_TRUE(Passes(p, "target_classes")) << rotation;
    EXPECT_EQ(p.streaks_size(), 0) << rotation;
  }
}

TEST_F(CalibrationTest, StreakIsFoundWhereTheSensorIsDirty) {
  DegradeSpec spec;
  spec.set_streak(true);
  const cv::Mat scan = Scan(spec);
  // Where the streak is: the columns the damage darkened.
  cv::Mat difference;
  cv::absdiff(scan, *sheet_, difference);
  int first = -1, last = -1;
  for (int c = 0; c < scan.cols; ++c) {
    if (cv::countNonZero(difference.col(c)) > scan.rows / 2) {
      if (first < 0) first = c;
      last = c;
    }
  }
  ASSERT_GE(first, 0);
  const double truth_centre = (first + last + 1) / 2.0;
  const double truth_strength = 1.0 - scan.at<std::uint8_t>(65 * kDpi / 25.4, first) / 255.0;

  absl::StatusOr<CalibrationMeasurement> m = Measure(scan);
  ASSERT_TRUE(m.ok()) << m.status();
  const CalibrationProfile& p = m->profile;
  ASSERT_EQ(p.streaks_size(), 1) << FormatCalibrationReport(p);
  EXPECT_NEAR(p.streaks(0).sensor_x_px(), truth_centre, 0.5);
  EXPECT_EQ(p.streaks(0).width_px(), static_cast<std::uint32_t>(last - first + 1));
  EXPECT_NEAR(p.streaks(0).strength(), truth_strength, 0.02);
  EXPECT_NEAR(p.streaks(0).page_x_mm(), truth_centre / (kDpi / 25.4), 0.2);
  // The rulers and line pairs are read through the sensor's flat field: the streak does not bend
  // the ruler.
  EXPECT_LT(p.ruler_linearity_x_mm(), 0.05);
  EXPECT_FALSE(Passes(p, "streaks"));
  EXPECT_TRUE(Passes(p, "uniformity"));
  // Marks are still read right: the scorer takes each column's streak out.
  EXPECT_TRUE(Passes(p, "target_classes"));
  EXPECT_FALSE(p.pass());
}

TEST_F(CalibrationTest, LowContrastFailsTheToneChecks) {
  DegradeSpec spec;
  spec.set_contrast(0.5);
  const CalibrationProfile p = MeasureOk(spec);
  EXPECT_NEAR(p.white_level(), 128 + 0.5 * 127, 2);
  EXPECT_NEAR(p.black_level(), 128 - 0.5 * 128, 2);
  EXPECT_FALSE(Passes(p, "dynamic_range"));
  EXPECT_FALSE(Passes(p, "white_level"));
  EXPECT_FALSE(p.pass());
  // The scores are relative to the paper and ink levels: the thresholds barely move.
  ExpectThresholdsNear(p, 40);
}

TEST_F(CalibrationTest, NoiseIsMeasured) {
  DegradeSpec spec;
  spec.set_noise_sigma(7);
  const CalibrationProfile p = MeasureOk(spec);
  EXPECT_NEAR(p.noise(), 7, 0.7);
  EXPECT_FALSE(Passes(p, "noise"));
  EXPECT_TRUE(Passes(p, "target_classes"));
}

TEST_F(CalibrationTest, CombinedDistortionsAreEachMeasured) {
  DegradeSpec spec;
  spec.set_rotation_deg(1.5);
  spec.set_feed_stretch(0.99);
  spec.set_gain(0.9);
  spec.set_offset(10);
  spec.set_blur_sigma_px(0.7);
  spec.set_noise_sigma(3);
  spec.set_streak(true);
  const CalibrationProfile p = MeasureOk(spec);
  EXPECT_NEAR(p.skew_deg(), -1.5, 0.05);
  EXPECT_NEAR(p.feed_stretch(), -0.01, 0.0015);
  EXPECT_NEAR(p.white_level(), 10 + 0.9 * 255, 3);
  EXPECT_NEAR(p.black_level(), 10, 3);
  EXPECT_NEAR(p.noise(), 3, 0.5);
  EXPECT_EQ(p.streaks_size(), 1);
  EXPECT_LT(p.ruler_linearity_x_mm(), 0.05);
  EXPECT_LT(p.ruler_linearity_y_mm(), 0.05);
  EXPECT_TRUE(Passes(p, "target_classes"));
  ExpectThresholdsNear(p, 60);
}

TEST_F(CalibrationTest, MeasurementIsDeterministic) {
  DegradeSpec spec;
  spec.set_rotation_deg(2);
  spec.set_noise_sigma(4);
  const cv::Mat scan = Scan(spec);
  absl::StatusOr<CalibrationMeasurement> a = Measure(scan);
  absl::StatusOr<CalibrationMeasurement> b = Measure(scan);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->profile.SerializeAsString(), b->profile.SerializeAsString());
}

TEST_F(CalibrationTest, MissingFiducialIsAClearError) {
  cv::Mat scan = sheet_->clone();
  // Torn corner: the top-right registration mark is gone.
  cv::rectangle(scan, cv::Rect(scan.cols - 30 * kDpi / 25.4, 0, 30 * kDpi / 25.4, 25 * kDpi / 25.4),
                cv::Scalar(255), cv::FILLED);
  absl::StatusOr<CalibrationMeasurement> m = Measure(scan);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(m.status().message().find("cannot be located"), std::string::npos) << m.status();
  EXPECT_NE(m.status().message().find("registration marks"), std::string::npos) << m.status();
  EXPECT_NE(m.status().message().find("undamaged calibration sheet"), std::string::npos);
}

TEST_F(CalibrationTest, ScribbledWedgeIsAClearError) {
  cv::Mat scan = sheet_->clone();
  const double k = kDpi / 25.4;
  cv::line(scan, cv::Point(55 * k, 36 * k), cv::Point(100 * k, 36 * k), cv::Scalar(0), 10 * k);
  absl::StatusOr<CalibrationMeasurement> m = Measure(scan);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(m.status().message().find("gray wedge cannot be read"), std::string::npos)
      << m.status();
}

TEST_F(CalibrationTest, BlankPageIsAClearError) {
  const cv::Mat blank(sheet_->size(), CV_8UC1, cv::Scalar(250));
  absl::StatusOr<CalibrationMeasurement> m = Measure(blank);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("cannot be located"), std::string::npos) << m.status();
}

TEST_F(CalibrationTest, ProfileRoundTripsAndItsThresholdsDriveTheInterpreter) {
  CalibrationProfile p = MeasureOk(DegradeSpec{});
  p.set_reader_serial("R1-0042");
  p.set_created_unix(1'800'000'000);
  p.set_software_version("esep 0.1.0");
  std::string bytes;
  ASSERT_TRUE(p.SerializeToString(&bytes));
  CalibrationProfile back;
  ASSERT_TRUE(back.ParseFromString(bytes));
  EXPECT_EQ(back.SerializeAsString(), bytes);
  EXPECT_EQ(back.format_version(), kCalibrationProfileFormat);
  EXPECT_EQ(back.reader_serial(), "R1-0042");
  EXPECT_EQ(back.checks_size(), p.checks_size());
  EXPECT_TRUE(CheckProfileForPolls(back, "R1-0042", 1'800'000'000 + 3600).ok());

  absl::StatusOr<Election> election = LoadElectionFile("fixtures/elections/referendum-2021.json");
  ASSERT_TRUE(election.ok()) << election.status();
  InterpreterOptions options;
  options.thresholds = back.recommended_thresholds();
  absl::StatusOr<Interpreter> interpreter = Interpreter::Create(*election, options);
  ASSERT_TRUE(interpreter.ok()) << interpreter.status();
  EXPECT_NE(interpreter->ThresholdReport().find("calibration profile"), std::string::npos);
}

TEST_F(CalibrationTest, ReportSaysPassOrFailPerCheck) {
  DegradeSpec spec;
  spec.set_streak(true);
  const CalibrationProfile p = MeasureOk(spec);
  const std::string report = FormatCalibrationReport(p);
  EXPECT_NE(report.find("PASS  white_level"), std::string::npos) << report;
  EXPECT_NE(report.find("FAIL  streaks"), std::string::npos) << report;
  EXPECT_NE(report.find("clean the sensor glass"), std::string::npos) << report;
  EXPECT_NE(report.find("streak at sensor pixel"), std::string::npos) << report;
  EXPECT_NE(report.find("RESULT: FAIL"), std::string::npos) << report;
}

// A profile that passed, of reader R1 made at t0.
CalibrationProfile PassedProfile(std::int64_t t0) {
  CalibrationProfile p;
  p.set_format_version(kCalibrationProfileFormat);
  p.set_reader_serial("R1");
  p.set_created_unix(t0);
  p.mutable_recommended_thresholds()->set_definite(0.06);
  p.mutable_recommended_thresholds()->set_marginal(0.03);
  CalibrationCheck* c = p.add_checks();
  c->set_name("white_level");
  c->set_pass(true);
  p.set_pass(true);
  return p;
}

void ExpectRefused(const absl::Status& s, const std::string& words) {
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find(words), std::string::npos) << s;
}

TEST(CheckProfileForPollsTest, AcceptsAFreshPassedProfileOfThisReader) {
  constexpr std::int64_t t0 = 1'800'000'000;
  EXPECT_TRUE(CheckProfileForPolls(PassedProfile(t0), "R1", t0 + 86400).ok());
}

TEST(CheckProfileForPollsTest, RefusesMissingForeignFailedExpiredAndFutureProfiles) {
  constexpr std::int64_t t0 = 1'800'000'000;
  ExpectRefused(CheckProfileForPolls(CalibrationProfile{}, "R1", t0), "no calibration profile");
  ExpectRefused(CheckProfileForPolls(PassedProfile(t0), "R2", t0), "not of reader \"R2\"");

  CalibrationProfile failed = PassedProfile(t0);
  CalibrationCheck* streaks = failed.add_checks();
  streaks->set_name("streaks");
  streaks->set_pass(false);
  ExpectRefused(CheckProfileForPolls(failed, "R1", t0), "failed its calibration");
  ExpectRefused(CheckProfileForPolls(failed, "R1", t0), "streaks");

  ExpectRefused(
      CheckProfileForPolls(PassedProfile(t0), "R1", t0 + kDefaultProfileMaxAgeSeconds + 1),
      "days old");
  EXPECT_TRUE(CheckProfileForPolls(PassedProfile(t0), "R1", t0 + 10 * 86400, 11 * 86400).ok());
  CalibrationProfile anonymous = PassedProfile(t0);
  anonymous.clear_reader_serial();
  ExpectRefused(CheckProfileForPolls(anonymous, "", t0), "names no reader");
  ExpectRefused(CheckProfileForPolls(PassedProfile(t0), "R1", t0 + 10 * 86400, 9 * 86400),
                "calibrate the reader again");
  ExpectRefused(CheckProfileForPolls(PassedProfile(t0 + 3600), "R1", t0), "in the future");

  CalibrationProfile newer = PassedProfile(t0);
  newer.set_format_version(kCalibrationProfileFormat + 1);
  ExpectRefused(CheckProfileForPolls(newer, "R1", t0), "format");

  CalibrationProfile bad_thresholds = PassedProfile(t0);
  bad_thresholds.mutable_recommended_thresholds()->set_marginal(0.2);
  ExpectRefused(CheckProfileForPolls(bad_thresholds, "R1", t0), "thresholds are unusable");
}

TEST(CalibrationLayoutTest, SheetPrintsEveryFeatureOnThePage) {
  const CalibrationLayout l = StandardCalibrationLayout();
  ASSERT_EQ(l.fiducials.size(), 4u);
  EXPECT_GE(l.wedge.size(), 10u);
  EXPECT_EQ(l.wedge.front().ink_255, 0);
  EXPECT_EQ(l.wedge.back().ink_255, 255);
  int lines = 0, near_marginal = 0, near_definite = 0;
  for (const PreMarkedTarget& t : l.targets) {
    const double d = l.NominalDarkness(t, MarkScorerOptions{}.interior_inset_mm);
    lines += t.line;
    near_marginal += std::abs(d - l.nominal_thresholds.marginal()) < 0.01;
    near_definite += std::abs(d - l.nominal_thresholds.definite()) < 0.015;
  }
  EXPECT_GE(lines, 1);
  EXPECT_GE(near_marginal, 2);
  EXPECT_GE(near_definite, 2);
  // Nothing printed reaches into a blank band.
  std::vector<Rect> printed;
  for (const WedgePatch& w : l.wedge) printed.push_back(w.area);
  for (const LinePairGroup& g : l.line_pairs) printed.push_back(g.area);
  for (const PreMarkedTarget& t : l.targets) printed.push_back(t.area);
  for (const Rect& band : l.blank_bands) {
    for (const Rect& r : printed) {
      const bool apart =
          r.y_mm() + r.height_mm() <= band.y_mm() || r.y_mm() >= band.y_mm() + band.height_mm();
      EXPECT_TRUE(apart);
    }
    for (const Ruler* ruler : {&l.ruler_x, &l.ruler_y}) {
      for (int i = 0; i < ruler->tick_count(); ++i) {
        const double y0 = ruler->along_x ? ruler->cross_mm : ruler->tick_mm(i);
        const double y1 = ruler->along_x ? y0 + ruler->tick_length_mm : y0;
        EXPECT_TRUE(y1 + ruler->tick_width_mm < band.y_mm() ||
                    y0 - ruler->tick_width_mm > band.y_mm() + band.height_mm());
      }
    }
  }
}

}  // namespace
}  // namespace esep::vision
