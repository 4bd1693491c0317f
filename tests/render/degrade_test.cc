#include "esep/render/degrade.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "esep/proto/election.h"
#include "esep/render/marks.h"
#include "esep/render/render.h"

namespace esep::render {
namespace {

class DegradeTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<Election> election = LoadElectionFile("fixtures/elections/referendum-2021.json");
    ASSERT_TRUE(election.ok()) << election.status();
    election_ = new Election(*election);
    BallotRenderRequest request;
    request.style_id = "referendum";
    request.precinct_id = "1001";
    absl::StatusOr<cv::Mat> page = RenderBallot(*election_, request);
    ASSERT_TRUE(page.ok()) << page.status();
    page_ = new cv::Mat(*page);
  }
  static void TearDownTestSuite() {
    delete election_;
    delete page_;
  }

  static DegradeSpec Everything() {
    DegradeSpec spec;
    spec.set_rotation_deg(-2.5);
    spec.set_scale(1.02);
    spec.set_shift_x_mm(1.5);
    spec.set_shift_y_mm(-2);
    spec.set_blur_sigma_px(0.8);
    spec.set_noise_sigma(6);
    spec.set_dust_specks(40);
    spec.set_fold(true);
    spec.set_streak(true);
    spec.set_contrast(0.7);
    spec.set_jpeg_quality(70);
    return spec;
  }

  static Election* election_;
  static cv::Mat* page_;
};

Election* DegradeTest::election_ = nullptr;
cv::Mat* DegradeTest::page_ = nullptr;

double Ink(const cv::Mat& page) {
  return static_cast<double>(page.total()) * 255 - cv::sum(page)[0];
}

TEST_F(DegradeTest, SameSeedSamePixelsOtherSeedOtherDamage) {
  cv::Mat a = page_->clone(), b = page_->clone(), c = page_->clone();
  ASSERT_TRUE(Degrade(a, Everything(), 200, 5).ok());
  ASSERT_TRUE(Degrade(b, Everything(), 200, 5).ok());
  ASSERT_TRUE(Degrade(c, Everything(), 200, 6).ok());
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(cv::norm(a, b, cv::NORM_L1), 0.0);
  ASSERT_EQ(a.size(), c.size());
  EXPECT_GT(cv::norm(a, c, cv::NORM_L1), 0.0);
  // The damage changed the page.
  EXPECT_NE(a.size(), page_->size());
}

TEST_F(DegradeTest, NoDamageLeavesThePageAlone) {
  cv::Mat page = page_->clone();
  ASSERT_TRUE(Degrade(page, DegradeSpec(), 200, 1).ok());
  EXPECT_EQ(cv::norm(page, *page_, cv::NORM_L1), 0.0);
}

TEST_F(DegradeTest, SkewKeepsTheWholeSheetOnTheScanArea) {
  for (double degrees : {kMaxRotationDeg, -kMaxRotationDeg}) {
    DegradeSpec spec;
    spec.set_rotation_deg(degrees);
    spec.set_scale(1.03);
    spec.set_shift_x_mm(3);
    spec.set_shift_y_mm(3);
    cv::Mat page = page_->clone();
    ASSERT_TRUE(Degrade(page, spec, 200, 1).ok());
    EXPECT_GT(page.cols, page_->cols);
    EXPECT_GT(page.rows, page_->rows);
    // Nothing printed fell off: the ink grows with the area (scale^2), within interpolation.
    EXPECT_NEAR(Ink(page) / Ink(*page_), 1.03 * 1.03, 0.02);
  }
}

TEST_F(DegradeTest, UpsideDownIsARotationByHalfATurn) {
  DegradeSpec spec;
  spec.set_upside_down(true);
  cv::Mat page = page_->clone(), expected;
  ASSERT_TRUE(Degrade(page, spec, 200, 1).ok());
  cv::rotate(*page_, expected, cv::ROTATE_180);
  EXPECT_EQ(cv::norm(page, expected, cv::NORM_L1), 0.0);
}

TEST_F(DegradeTest, PaperDamageStaysBelowTheMarginalThresholdInEveryTarget) {
  // Dust, a fold and a sensor streak must never look like a mark (VVSG 1.1.6-I). The page is not
  // moved, so the target interiors are where the style says.
  const BallotStyle& style = election_->ballot_styles(0);
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    DegradeSpec spec;
    spec.set_dust_specks(kMaxDustSpecks);
    spec.set_fold(true);
    spec.set_streak(true);
    spec.set_blur_sigma_px(1.5);
    cv::Mat page = page_->clone();
    ASSERT_TRUE(Degrade(page, spec, 200, seed).ok());
    for (const Target& t : style.targets()) {
      EXPECT_LT(RegionDarkness(page, TargetInterior(t.area(), 200, page.size())),
                election_->mark_thresholds().marginal())
          << "seed " << seed << " " << t.option_id();
    }
  }
}

TEST_F(DegradeTest, EachDamageChangesThePage) {
  std::vector<DegradeSpec> specs(8);
  specs[0].set_blur_sigma_px(1.5);
  specs[1].set_noise_sigma(10);
  specs[2].set_dust_specks(60);
  specs[3].set_fold(true);
  specs[4].set_streak(true);
  specs[5].set_contrast(0.5);
  specs[6].set_jpeg_quality(40);
  specs[7].set_rotation_deg(0.5);
  for (const DegradeSpec& spec : specs) {
    cv::Mat page = page_->clone();
    ASSERT_TRUE(Degrade(page, spec, 200, 3).ok()) << spec.DebugString();
    EXPECT_TRUE(page.size() != page_->size() || cv::norm(page, *page_, cv::NORM_L1) > 0)
        << spec.DebugString();
  }
}

TEST_F(DegradeTest, FeedStretchLengthensOnlyAlongTheFeed) {
  DegradeSpec spec;
  spec.set_feed_stretch(1.05);
  cv::Mat page = page_->clone();
  ASSERT_TRUE(Degrade(page, spec, 200, 1).ok());
  EXPECT_EQ(page.cols, page_->cols);
  EXPECT_NEAR(page.rows, page_->rows * 1.05, 2);
}

TEST_F(DegradeTest, GainAndOffsetMapPaperAndInk) {
  DegradeSpec spec;
  spec.set_gain(0.8);
  spec.set_offset(20);
  cv::Mat page = page_->clone();
  ASSERT_TRUE(Degrade(page, spec, 200, 1).ok());
  double lo = 0, hi = 0;
  cv::minMaxLoc(page, &lo, &hi);
  EXPECT_EQ(hi, 20 + 0.8 * 255);
  EXPECT_EQ(lo, 20);
}

TEST_F(DegradeTest, RefusesDamageOutOfBounds) {
  std::vector<DegradeSpec> bad(8);
  bad[0].set_rotation_deg(6);
  bad[1].set_scale(0.5);
  bad[2].set_contrast(0.2);
  bad[3].set_jpeg_quality(101);
  bad[4].set_noise_sigma(-1);
  bad[5].set_feed_stretch(1.2);
  bad[6].set_gain(2);
  bad[7].set_offset(-100);
  for (const DegradeSpec& spec : bad) {
    cv::Mat page = page_->clone();
    EXPECT_FALSE(Degrade(page, spec, 200, 1).ok()) << spec.DebugString();
    EXPECT_EQ(cv::norm(page, *page_, cv::NORM_L1), 0.0);
  }
  cv::Mat page = page_->clone();
  EXPECT_FALSE(Degrade(page, Everything(), 0, 1).ok());
  cv::Mat empty;
  EXPECT_FALSE(Degrade(empty, Everything(), 200, 1).ok());
}

// Noise on a flat gray page: unbiased, with the asked standard deviation, bounded at about
// 3.5 sigma, close to Gaussian (Irwin-Hall of four draws: 66.9% within one sigma, 95.7% within
// two) and independent from one pixel to its neighbours. Half-integer sigmas make "within k
// sigma" of the whole gray levels exact.
TEST(DegradeNoiseTest, NoiseHasTheAskedSpreadAndNoPattern) {
  for (const double sigma : {2.5, 6.5, 9.5}) {
    cv::Mat page(1000, 1000, CV_8UC1, cv::Scalar(128));
    DegradeSpec spec;
    spec.set_noise_sigma(sigma);
    ASSERT_TRUE(Degrade(page, spec, 200, 7).ok());
    cv::Mat d;
    page.convertTo(d, CV_64F, 1, -128);
    cv::Scalar mean, stddev;
    cv::meanStdDev(d, mean, stddev);
    EXPECT_NEAR(mean[0], 0, 0.01) << sigma;
    // Rounding to whole gray levels adds 1/12 to the variance.
    EXPECT_NEAR(stddev[0], std::sqrt(sigma * sigma + 1.0 / 12), 0.01 * sigma) << sigma;
    double lo = 0, hi = 0;
    cv::minMaxLoc(d, &lo, &hi);
    EXPECT_LE(std::max(-lo, hi), std::ceil(sigma * std::sqrt(12.0)) + 1) << sigma;
    const double n = static_cast<double>(d.total());
    const double within1 = cv::countNonZero(cv::abs(d) < sigma) / n;
    const double within2 = cv::countNonZero(cv::abs(d) < 2 * sigma + 0.5) / n;
    EXPECT_NEAR(within1, 0.669, 0.01) << sigma;
    EXPECT_GT(within2, 0.957 - 0.01) << sigma;
    // Correlation with the next pixel in the row and in the column.
    const cv::Mat a = d(cv::Rect(0, 0, 999, 999));
    const double var = stddev[0] * stddev[0] * 999 * 999;
    EXPECT_LT(std::abs(a.dot(d(cv::Rect(1, 0, 999, 999)))) / var, 0.01) << sigma;
    EXPECT_LT(std::abs(a.dot(d(cv::Rect(0, 1, 999, 999)))) / var, 0.01) << sigma;
  }
}

TEST_F(DegradeTest, ASensorsDamageIsSkewBlurAndNoiseOnly) {
  const DegradeSpec spec = SensorDegradeSpec(3);
  ASSERT_TRUE(ValidateDegradeSpec(spec).ok());
  DegradeSpec expected;
  expected.set_rotation_deg(0.7);
  expected.set_blur_sigma_px(0.6);
  expected.set_noise_sigma(3);
  EXPECT_EQ(spec.SerializeAsString(), expected.SerializeAsString());
  cv::Mat one = page_->clone();
  cv::Mat other = page_->clone();
  ASSERT_TRUE(Degrade(one, spec, 200, 1).ok());
  ASSERT_TRUE(Degrade(other, spec, 200, 2).ok());
  ASSERT_EQ(one.size(), other.size());
  EXPECT_GT(cv::countNonZero(one != other), 0) << "each seed has its own noise";
}

TEST(RandomDegradeSpecTest, IsReproducibleWithinBoundsAndCoversEveryDamage) {
  EXPECT_EQ(RandomDegradeSpec(17).SerializeAsString(), RandomDegradeSpec(17).SerializeAsString());
  std::set<std::string> distinct;
  int rotation = 0, upside_down = 0, scale = 0, shift = 0, blur = 0, noise = 0, dust = 0, fold = 0,
      streak = 0, contrast = 0, jpeg = 0;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const DegradeSpec spec = RandomDegradeSpec(seed);
    ASSERT_TRUE(ValidateDegradeSpec(spec).ok()) << spec.DebugString();
    EXPECT_LE(std::abs(spec.rotation_deg()), 5.0);
    if (spec.scale() != 0) {
      EXPECT_GE(spec.scale(), 0.97);
      EXPECT_LE(spec.scale(), 1.03);
    }
    EXPECT_LE(std::abs(spec.shift_x_mm()), 3.0);
    EXPECT_LE(std::abs(spec.shift_y_mm()), 3.0);
    distinct.insert(spec.SerializeAsString());
    rotation += spec.rotation_deg() != 0;
    upside_down += spec.upside_down();
    scale += spec.scale() != 0;
    shift += spec.shift_x_mm() != 0 || spec.shift_y_mm() != 0;
    blur += spec.blur_sigma_px() != 0;
    noise += spec.noise_sigma() != 0;
    dust += spec.dust_specks() != 0;
    fold += spec.fold();
    streak += spec.streak();
    contrast += spec.contrast() != 0;
    jpeg += spec.jpeg_quality() != 0;
  }
  EXPECT_GT(distinct.size(), 290u);
  for (int count :
       {rotation, upside_down, scale, shift, blur, noise, dust, fold, streak, contrast, jpeg}) {
    EXPECT_GT(count, 20);
    EXPECT_LT(count, 290);
  }
}

}  // namespace
}  // namespace esep::render
