#include "esep/render/marks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "esep/proto/election.h"
#include "esep/render/render.h"

namespace esep::render {
namespace {

class MarksTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> election = LoadElectionFile("fixtures/elections/party-list-2021.json");
    ASSERT_TRUE(election.ok()) << election.status();
    election_ = *election;
    style_ = &election_.ballot_styles(0);
  }

  cv::Mat Blank(int dpi) {
    BallotRenderRequest request;
    request.style_id = "list";
    request.precinct_id = "1001";
    request.dpi = dpi;
    absl::StatusOr<cv::Mat> page = RenderBallot(election_, request);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? *page : cv::Mat();
  }

  static MarkSpec Mark(MarkStyle style, std::vector<std::string> options) {
    MarkSpec spec;
    spec.set_style(style);
    for (const std::string& o : options) spec.add_options(o);
    return spec;
  }

  double Darkness(const cv::Mat& page, int target, int dpi) const {
    return RegionDarkness(page, TargetInterior(style_->targets(target).area(), dpi, page.size()));
  }

  // Every pixel that differs between the two pages lies within `reach_mm` of one of `targets`.
  void ExpectChangesOnlyNear(const cv::Mat& before, const cv::Mat& after,
                             const std::vector<int>& targets, double reach_mm, int dpi) const {
    const double k = dpi / 25.4;
    cv::Mat allowed(before.size(), CV_8UC1, cv::Scalar(0));
    for (int t : targets) {
      const Rect& a = style_->targets(t).area();
      const int x0 = static_cast<int>(std::floor((a.x_mm() - reach_mm) * k)) - 1;
      const int y0 = static_cast<int>(std::floor((a.y_mm() - reach_mm) * k)) - 1;
      const int x1 = static_cast<int>(std::ceil((a.x_mm() + a.width_mm() + reach_mm) * k)) + 1;
      const int y1 = static_cast<int>(std::ceil((a.y_mm() + a.height_mm() + reach_mm) * k)) + 1;
      allowed(cv::Rect(x0, y0, x1 - x0, y1 - y0) & cv::Rect(cv::Point(0, 0), before.size()))
          .setTo(255);
    }
    int outside = 0;
    for (int y = 0; y < before.rows; ++y) {
      for (int x = 0; x < before.cols; ++x) {
        if (before.at<unsigned char>(y, x) != after.at<unsigned char>(y, x) &&
            allowed.at<unsigned char>(y, x) == 0) {
          ++outside;
        }
      }
    }
    EXPECT_EQ(outside, 0);
  }

  Election election_;
  const BallotStyle* style_ = nullptr;
};

struct Band {
  MarkStyle style;
  double min, max;
};

TEST_F(MarksTest, EachStyleScoresInItsBandAndStaysInItsTarget) {
  // Bands of the interior darkness: every style but LIGHT well above the definite threshold
  // (0.06), LIGHT between the marginal (0.03) and definite thresholds.
  const Band bands[] = {{FILLED, 0.6, 1.0}, {CHECK, 0.07, 0.3},    {CROSS, 0.1, 0.5},
                        {LINE, 0.07, 0.15}, {LIGHT, 0.035, 0.055}, {PARTIAL, 0.25, 0.6}};
  for (int dpi : {200, 300}) {
    const cv::Mat blank = Blank(dpi);
    for (const Band& band : bands) {
      for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
        cv::Mat page = blank.clone();
        // Three targets, one of them in ballot order far from the others.
        const std::vector<int> marked = {0, 5, 21};
        ASSERT_TRUE(ApplyMarks(page, election_, *style_,
                               {Mark(band.style, {"ata-jurt", "yiman-nuru", "against-all"})}, dpi,
                               seed)
                        .ok());
        for (int t = 0; t < style_->targets_size(); ++t) {
          const double d = Darkness(page, t, dpi);
          if (std::find(marked.begin(), marked.end(), t) != marked.end()) {
            EXPECT_GE(d, band.min) << MarkStyle_Name(band.style) << " seed " << seed << " dpi "
                                   << dpi << " target " << t;
            EXPECT_LE(d, band.max) << MarkStyle_Name(band.style) << " seed " << seed << " dpi "
                                   << dpi << " target " << t;
          } else {
            EXPECT_EQ(d, 0.0) << MarkStyle_Name(band.style) << " target " << t;
          }
        }
        ExpectChangesOnlyNear(blank, page, marked, kMarkOverreachMm, dpi);
      }
    }
  }
}

TEST_F(MarksTest, SameSeedSamePixelsOtherSeedOtherMarks) {
  const cv::Mat blank = Blank(200);
  const std::vector<MarkSpec> marks = {Mark(CHECK, {"ishenim"}), Mark(CROSS, {"reforma"}),
                                       Mark(LIGHT, {"ordo"})};
  cv::Mat a = blank.clone(), b = blank.clone(), c = blank.clone();
  ASSERT_TRUE(ApplyMarks(a, election_, *style_, marks, 200, 42).ok());
  ASSERT_TRUE(ApplyMarks(b, election_, *style_, marks, 200, 42).ok());
  ASSERT_TRUE(ApplyMarks(c, election_, *style_, marks, 200, 43).ok());
  EXPECT_EQ(cv::norm(a, b, cv::NORM_L1), 0.0);
  EXPECT_GT(cv::norm(a, c, cv::NORM_L1), 0.0);
  // The three targets all differ between seeds, not just one.
  for (int t : {1, 11, 16}) {
    const cv::Rect r = TargetInterior(style_->targets(t).area(), 200, a.size());
    EXPECT_GT(cv::norm(a(r), c(r), cv::NORM_L1), 0.0) << t;
  }
}

TEST_F(MarksTest, NamesOptionsByIdOrByContestAndId) {
  EXPECT_EQ(*ResolveMarkTarget(*style_, "ishenim"), 1);
  EXPECT_EQ(*ResolveMarkTarget(*style_, "parliament-list:ishenim"), 1);
  absl::StatusOr<int> unknown = ResolveMarkTarget(*style_, "no-such-party");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("no-such-party"), std::string::npos);
  EXPECT_FALSE(ResolveMarkTarget(*style_, "other-contest:ishenim").ok());
}

TEST_F(MarksTest, RefusesUnknownOptionsAndLeavesThePageUntouched) {
  const cv::Mat blank = Blank(200);
  cv::Mat page = blank.clone();
  const absl::Status s =
      ApplyMarks(page, election_, *style_, {Mark(FILLED, {"ishenim", "ata-zhurt"})}, 200, 1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("\"ata-zhurt\""), std::string::npos) << s;
  EXPECT_EQ(cv::norm(page, blank, cv::NORM_L1), 0.0);
  EXPECT_FALSE(ApplyMarks(page, election_, *style_, {Mark(FILLED, {"ishenim"})}, 0, 1).ok());
  EXPECT_FALSE(
      ApplyMarks(page, election_, *style_, {Mark(MARK_STYLE_UNSPECIFIED, {"ishenim"})}, 200, 1)
          .ok());
  // A target whose option the election does not define.
  Election other = election_;
  other.mutable_contests(0)->mutable_options()->RemoveLast();
  const absl::Status undefined =
      ApplyMarks(page, other, *style_, {Mark(FILLED, {"against-all"})}, 200, 1);
  ASSERT_FALSE(undefined.ok());
  EXPECT_NE(std::string(undefined.message()).find("does not define"), std::string::npos)
      << undefined;
  // A page of another size than the style at that dpi.
  EXPECT_FALSE(ApplyMarks(page, election_, *style_, {Mark(FILLED, {"ishenim"})}, 300, 1).ok());
}

TEST_F(MarksTest, StrayMarksKeepClearOfEveryTarget) {
  const cv::Mat blank = Blank(200);
  for (std::uint64_t seed : {7u, 8u, 9u}) {
    cv::Mat page = blank.clone();
    ASSERT_TRUE(ApplyStrayMarks(page, *style_, 6, 200, seed).ok());
    EXPECT_GT(cv::norm(page, blank, cv::NORM_L1), 0.0);
    const double k = 200 / 25.4;
    // No changed pixel within the clearance of a target box (less one pixel of antialiasing).
    const double clearance = kStrayClearanceMm * k - 1;
    for (const Target& t : style_->targets()) {
      const Rect& a = t.area();
      const cv::Rect near(static_cast<int>(a.x_mm() * k - clearance),
                          static_cast<int>(a.y_mm() * k - clearance),
                          static_cast<int>(a.width_mm() * k + 2 * clearance),
                          static_cast<int>(a.height_mm() * k + 2 * clearance));
      EXPECT_EQ(cv::norm(page(near), blank(near), cv::NORM_L1), 0.0) << t.option_id();
    }
  }
}

}  // namespace
}  // namespace esep::render
