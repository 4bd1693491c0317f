#include "esep/vision/mark_scorer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <opencv2/imgproc.hpp>

namespace esep::vision {
namespace {

constexpr double kDpi = 200;
constexpr double kPxPerMm = kDpi / 25.4;
constexpr int kPaper = 240;

MarkThresholds FixtureThresholds() {
  MarkThresholds t;
  t.set_definite(0.06);
  t.set_marginal(0.03);
  return t;
}

int Px(double mm) { return static_cast<int>(std::lround(mm * kPxPerMm)); }

// A 120 x 100 mm sheet with a column of 12 x 7 mm targets at x = 60 mm, rows 10 mm apart.
class MarkScorerTest : public ::testing::Test {
 protected:
  MarkScorerTest() : page_(Px(100), Px(120), CV_8UC1, cv::Scalar(kPaper)) {
    for (int i = 0; i < 8; ++i) {
      Rect r;
      r.set_x_mm(60);
      r.set_y_mm(10 + 10 * i);
      r.set_width_mm(12);
      r.set_height_mm(7);
      areas_.push_back(r);
      cv::rectangle(page_, cv::Point(Px(60), Px(r.y_mm())), cv::Point(Px(72), Px(r.y_mm() + 7)),
                    cv::Scalar(0), Px(0.3));
    }
  }

  cv::Rect Box(int i, double inset_mm) const {
    const Rect& a = areas_[static_cast<std::size_t>(i)];
    return cv::Rect(
        cv::Point(Px(a.x_mm() + inset_mm), Px(a.y_mm() + inset_mm)),
        cv::Point(Px(a.x_mm() + a.width_mm() - inset_mm), Px(a.y_mm() + a.height_mm() - inset_mm)));
  }

  std::vector<int> Score() const {
    const PageTransform identity(kPxPerMm, 0, 0, 0, kPxPerMm, 0);
    return MarkScorer(page_, identity, /*ink_level=*/0).Score(areas_);
  }

  std::vector<TargetScore> Targets() const {
    const PageTransform identity(kPxPerMm, 0, 0, 0, kPxPerMm, 0);
    return MarkScorer(page_, identity, /*ink_level=*/0)
        .ScoreTargets(areas_, ThresholdUnits(FixtureThresholds().marginal()),
                      ThresholdUnits(FixtureThresholds().definite()));
  }

  // A tick through target `i` drawn with a pen of `gray`, `width_mm` wide.
  void Tick(int i, int gray, double width_mm) {
    const Rect& a = areas_[static_cast<std::size_t>(i)];
    const std::vector<cv::Point> points = {cv::Point(Px(a.x_mm() + 1.5), Px(a.y_mm() + 3.5)),
                                           cv::Point(Px(a.x_mm() + 4.5), Px(a.y_mm() + 6.0)),
                                           cv::Point(Px(a.x_mm() + 11), Px(a.y_mm() + 0.8))};
    cv::polylines(page_, points, false, cv::Scalar(gray), std::max(1, Px(width_mm)), cv::LINE_AA);
  }

  // A voter's tick in target `i`, 0.5 mm wide in `gray`, down from its left part and up to the
  // page point (`end_x_mm`, `end_y_mm`), which may lie beyond the box's edge.
  void TickTo(int i, double end_x_mm, double end_y_mm, int gray) {
    const Rect& a = areas_[static_cast<std::size_t>(i)];
    cv::line(page_, cv::Point(Px(a.x_mm() + 2), Px(a.y_mm() + 4)),
             cv::Point(Px(a.x_mm() + 4.5), Px(a.y_mm() + 6)), cv::Scalar(gray), Px(0.5));
    cv::line(page_, cv::Point(Px(a.x_mm() + 4.5), Px(a.y_mm() + 6)),
             cv::Point(Px(end_x_mm), Px(end_y_mm)), cv::Scalar(gray), Px(0.5));
  }

  cv::Mat page_;
  std::vector<Rect> areas_;
};

// A blue ballpoint tick (gray 125, 0.3 mm) reads as a pen stroke like a black one: its stroke
// score reaches the definite threshold, within 20% of a black tick's, although its mean darkening
// stays below it.
TEST_F(MarkScorerTest, BlueBallpointTickScoresLikeABlackOne) {
  Tick(1, 125, 0.3);
  Tick(3, 50, 0.3);
  const std::vector<TargetScore> s = Targets();
  EXPECT_LT(s[1].linear, 600) << s[1].linear;
  EXPECT_GE(s[1].stroke, 600);
  EXPECT_GE(s[1].stroke * 10, s[3].stroke * 8) << s[1].stroke << " vs " << s[3].stroke;
  EXPECT_FALSE(s[1].foreign_ink);
  EXPECT_FALSE(s[3].foreign_ink);
}

// A red ballpoint tick (gray 150 on paper 240, 0.4 mm) scanned with a blur of 1.4 px (a reader
// that still passes calibration) keeps the score of a vote: its blurred edges count. A blurred
// show-through next to it adds nothing.
TEST_F(MarkScorerTest, BlurredRedTickStillScoresAsAVote) {
  Tick(1, 150, 0.4);
  Tick(3, 150, 0.4);
  cv::Mat blurred;
  cv::GaussianBlur(page_, blurred, cv::Size(0, 0), 1.4);
  page_ = blurred;
  const cv::Rect behind = Box(5, -1.0);
  cv::Mat region = page_(behind);
  region.convertTo(region, CV_8UC1, 0.86);
  const std::vector<TargetScore> s = Targets();
  EXPECT_GE(s[1].stroke, 700) << s[1].stroke;
  EXPECT_GE(s[3].stroke, 700) << s[3].stroke;
  EXPECT_FALSE(s[1].foreign_ink);
  EXPECT_EQ(s[5].stroke, 0);
  EXPECT_LT(s[0].stroke + s[2].stroke + s[4].stroke, 10);
}

// Show-through from the back: the box and around it darkened by 12%, blurred. Not a pen stroke.
TEST_F(MarkScorerTest, ShowThroughIsNoPenStroke) {
  const cv::Rect behind = Box(2, -1.0);
  cv::Mat region = page_(behind);
  region.convertTo(region, CV_8UC1, 0.88);
  const std::vector<TargetScore> s = Targets();
  EXPECT_EQ(s[2].stroke, 0);
  EXPECT_GE(s[2].linear, 600);  // the old mean-darkening score alone would have made a vote
}

// A stamp's ring crossing the top of a box and running on far to both sides is ink from outside.
TEST_F(MarkScorerTest, RingEnteringTheBoxIsForeignInk) {
  const Rect& a = areas_[4];
  const cv::Point centre(Px(a.x_mm() + 6), Px(a.y_mm() - 20 + 2.5));
  cv::circle(page_, centre, Px(20), cv::Scalar(70), Px(0.6), cv::LINE_AA);
  const std::vector<TargetScore> s = Targets();
  EXPECT_TRUE(s[4].foreign_ink);
  EXPECT_GT(s[4].stroke, 0);
}

// A voter's cross that runs 1.5 mm over every corner stays the voter's own mark.
TEST_F(MarkScorerTest, CrossSpillingOverTheEdgeIsNotForeignInk) {
  const Rect& a = areas_[5];
  const double o = 1.5;
  cv::line(page_, cv::Point(Px(a.x_mm() - o), Px(a.y_mm() - o)),
           cv::Point(Px(a.x_mm() + 12 + o), Px(a.y_mm() + 7 + o)), cv::Scalar(40), Px(0.5));
  cv::line(page_, cv::Point(Px(a.x_mm() + 12 + o), Px(a.y_mm() - o)),
           cv::Point(Px(a.x_mm() - o), Px(a.y_mm() + 7 + o)), cv::Scalar(40), Px(0.5));
  const std::vector<TargetScore> s = Targets();
  EXPECT_FALSE(s[5].foreign_ink);
  EXPECT_GE(s[5].stroke, 600);
}

// A light stamp's ring (gray 165 on paper 240) whose ink breaks up into dashes where the pad left
// little ink: 0.8 mm of ink, then 0.3 mm of paper. The gaps are closed before the pieces are
// measured, so it is still ink from outside.
TEST_F(MarkScorerTest, BrokenRingOfALightStampIsForeignInk) {
  const Rect& a = areas_[4];
  const double r = 12.5;
  const cv::Point2d centre(a.x_mm() + 6, a.y_mm() - r + 2.5);
  cv::Mat ring(page_.size(), CV_8UC1, cv::Scalar(0));
  cv::circle(ring, cv::Point(Px(centre.x), Px(centre.y)), Px(r), cv::Scalar(255), Px(0.6));
  for (int y = 0; y < ring.rows; ++y) {
    for (int x = 0; x < ring.cols; ++x) {
      if (ring.at<std::uint8_t>(y, x) == 0) continue;
      const double along =
          (std::atan2(y / kPxPerMm - centre.y, x / kPxPerMm - centre.x) + M_PI) * r;
      if (std::fmod(along, 1.1) < 0.8) page_.at<std::uint8_t>(y, x) = 165;
    }
  }
  const std::vector<TargetScore> s = Targets();
  EXPECT_GT(s[4].stroke, 0);
  EXPECT_TRUE(s[4].foreign_ink);
}

// A voter's tick in the next box that runs 1.9 mm over its top edge, to within 1 mm of a marked
// box, is that box's mark: the marked box keeps its vote.
TEST_F(MarkScorerTest, AMarkSpillingFromTheNextBoxIsNotForeignInk) {
  cv::rectangle(page_, Box(2, 0.6), cv::Scalar(40), cv::FILLED);
  const Rect& b = areas_[3];
  cv::line(page_, cv::Point(Px(b.x_mm() + 2), Px(b.y_mm() + 4)),
           cv::Point(Px(b.x_mm() + 5), Px(b.y_mm() + 6)), cv::Scalar(40), Px(0.5));
  cv::line(page_, cv::Point(Px(b.x_mm() + 5), Px(b.y_mm() + 6)),
           cv::Point(Px(b.x_mm() + 11), Px(b.y_mm() - 1.9)), cv::Scalar(40), Px(0.5));
  const std::vector<TargetScore> s = Targets();
  EXPECT_GE(s[2].stroke, 600);
  EXPECT_FALSE(s[2].foreign_ink);
  EXPECT_FALSE(s[3].foreign_ink);
}

// A voter's tick running 1.8 mm over the right edge, with a speck of dust 0.26 mm beyond its
// tail: a small dark piece is a speck, the closing leaves it alone, and the tick does not reach
// away from the box. A stroke of ink there (a stamp's ring, a stray line) does.
TEST_F(MarkScorerTest, ASpeckOfDustBeyondATickDoesNotMakeItForeignInk) {
  const Rect& a = areas_[5];
  const double right = a.x_mm() + a.width_mm();
  auto tick = [&] { TickTo(5, right + 1.8, a.y_mm() + 2, 60); };
  tick();
  constexpr int kShift = 4;  // sixteenths of a pixel
  cv::circle(page_,
             cv::Point(static_cast<int>((right + 2.5) * kPxPerMm * 16),
                       static_cast<int>((a.y_mm() + 2) * kPxPerMm * 16)),
             static_cast<int>(0.19 * kPxPerMm * 16), cv::Scalar(60), cv::FILLED, cv::LINE_AA,
             kShift);
  std::vector<TargetScore> s = Targets();
  EXPECT_GE(s[5].stroke, 600);
  EXPECT_FALSE(s[5].foreign_ink);

  // A light speck (blurred, or of pale dust) that never reaches full stroke darkness is a speck
  // too.
  page_.setTo(cv::Scalar(kPaper));
  tick();
  cv::circle(page_,
             cv::Point(static_cast<int>((right + 2.5) * kPxPerMm * 16),
                       static_cast<int>((a.y_mm() + 2) * kPxPerMm * 16)),
             static_cast<int>(0.19 * kPxPerMm * 16), cv::Scalar(150), cv::FILLED, cv::LINE_AA,
             kShift);
  s = Targets();
  EXPECT_GE(s[5].stroke, 600);
  EXPECT_FALSE(s[5].foreign_ink);

  page_.setTo(cv::Scalar(kPaper));
  tick();
  cv::line(page_, cv::Point(Px(right + 2.3), Px(a.y_mm() + 2)),
           cv::Point(Px(right + 3.1), Px(a.y_mm() + 1.2)), cv::Scalar(60), Px(0.5));
  s = Targets();
  EXPECT_TRUE(s[5].foreign_ink);
}

// A light stamp's ring (gray 190 on paper 240: over the edge level, under the stroke floor) that
// reaches the floor only in short places where its grain is heavy (0.6 mm of gray 150 every
// 3 mm): the faint ink joins those places into one shape, and it is ink from outside.
TEST_F(MarkScorerTest, ALightRingReachingTheFloorOnlyInPlacesIsForeignInk) {
  const Rect& a = areas_[4];
  const double r = 12.5;
  const cv::Point2d centre(a.x_mm() + 6, a.y_mm() - r + 2.5);
  cv::Mat ring(page_.size(), CV_8UC1, cv::Scalar(0));
  cv::circle(ring, cv::Point(Px(centre.x), Px(centre.y)), Px(r), cv::Scalar(255), Px(0.6));
  for (int y = 0; y < ring.rows; ++y) {
    for (int x = 0; x < ring.cols; ++x) {
      if (ring.at<std::uint8_t>(y, x) == 0) continue;
      const double along =
          (std::atan2(y / kPxPerMm - centre.y, x / kPxPerMm - centre.x) + M_PI) * r;
      page_.at<std::uint8_t>(y, x) = std::fmod(along, 3.0) < 0.6 ? 150 : 190;
    }
  }
  const std::vector<TargetScore> s = Targets();
  EXPECT_GT(s[4].stroke, 0);
  EXPECT_TRUE(s[4].foreign_ink);
}

// A felt-pen stroke in a marked box that runs 1.4 mm out past its lower corner, and a tick in
// the box below whose tail runs 1.4 mm over its top to meet it: each box's mark spills towards
// the other, neither is ink from outside, and both keep their votes.
TEST_F(MarkScorerTest, TwoMarksSpillingTowardsEachOtherAreNotForeignInk) {
  const Rect& upper = areas_[2];
  const Rect& lower = areas_[3];
  cv::line(page_, cv::Point(Px(upper.x_mm() + 2), Px(upper.y_mm() + 1)),
           cv::Point(Px(upper.x_mm() + 13.4), Px(upper.y_mm() + 7.6)), cv::Scalar(40), Px(1.0));
  TickTo(3, lower.x_mm() + 13.2, lower.y_mm() - 1.4, 60);
  const std::vector<TargetScore> s = Targets();
  EXPECT_GE(s[2].stroke, 600);
  EXPECT_GE(s[3].stroke, 600);
  EXPECT_FALSE(s[2].foreign_ink);
  EXPECT_FALSE(s[3].foreign_ink);
}

// A fold's crease across the whole sheet, tilted 4 degrees (so no row or column correction takes
// it out), light (gray 192 on paper 240: over the edge level, under the stroke floor), through the
// tail of a tick that runs 1.5 mm over the right edge: faint ink joins pieces of ink but does not
// itself make the tick reach away from the box.
TEST_F(MarkScorerTest, AFoldThroughTheTailOfATickDoesNotMakeItForeignInk) {
  const Rect& a = areas_[5];
  const double right = a.x_mm() + a.width_mm();
  TickTo(5, right + 1.5, a.y_mm() + 2, 60);
  const double slope = std::tan(4 * M_PI / 180);
  const double y_at_tail = a.y_mm() + 2;
  cv::Mat crease(page_.size(), CV_8UC1, cv::Scalar(0));
  cv::line(crease, cv::Point(0, Px(y_at_tail - (right + 1.5) * slope)),
           cv::Point(page_.cols - 1, Px(y_at_tail + (page_.cols / kPxPerMm - right - 1.5) * slope)),
           cv::Scalar(255), Px(0.4));
  for (int y = 0; y < page_.rows; ++y) {
    for (int x = 0; x < page_.cols; ++x) {
      std::uint8_t& v = page_.at<std::uint8_t>(y, x);
      if (crease.at<std::uint8_t>(y, x) != 0) v = std::min<std::uint8_t>(v, 192);
    }
  }
  const std::vector<TargetScore> s = Targets();
  EXPECT_GE(s[5].stroke, 600);
  EXPECT_FALSE(s[5].foreign_ink);
}

// A light stamp's ring (gray 190 on paper 240: under the stroke floor) from below, its top arc
// across the middle of a box, and a fold across the whole sheet, slanted 2 degrees, along that
// arc: the renderer's fold (the crease 0.4 mm wide at four fifths of the light, its shadow
// beside it) darkens the ring to a pen's level there. No row level takes out a slanted crease;
// it is found and lifted along its own line, so the ring stays unmarked, while a voter's tick in
// another box keeps its vote.
TEST_F(MarkScorerTest, ASlantedFoldAlongALightStampRingDoesNotMakeAStroke) {
  const Rect& ringed = areas_[3];
  const double x_at = ringed.x_mm() + 6, y_at = ringed.y_mm() + 3.5;
  cv::circle(page_, cv::Point(Px(x_at), Px(y_at + 12.5)), Px(12.5), cv::Scalar(190), Px(0.6),
             cv::LINE_AA);
  Tick(5, 60, 0.5);
  const double slope = std::tan(2 * M_PI / 180);
  for (int y = 0; y < page_.rows; ++y) {
    for (int x = 0; x < page_.cols; ++x) {
      const double d =
          (y / kPxPerMm - (y_at + slope * (x / kPxPerMm - x_at))) / std::hypot(1, slope);
      const double factor = std::abs(d) <= 0.2 ? 0.8 : d > 0 && d <= 0.8 ? 0.96 : 1.0;
      std::uint8_t& v = page_.at<std::uint8_t>(y, x);
      v = static_cast<std::uint8_t>(std::lround(v * factor));
    }
  }
  const std::vector<TargetScore> s = Targets();
  EXPECT_LT(s[3].stroke, ThresholdUnits(FixtureThresholds().marginal()));
  EXPECT_GE(s[5].stroke, ThresholdUnits(FixtureThresholds().definite()));
}

// A ruled line through a box and far beyond it on both sides is ink from outside.
TEST_F(MarkScorerTest, RuledLineThroughTheBoxIsForeignInk) {
  const Rect& a = areas_[6];
  const int y = Px(a.y_mm() + 3.5);
  cv::line(page_, cv::Point(Px(a.x_mm() - 20), y), cv::Point(Px(a.x_mm() + 30), y + 3),
           cv::Scalar(30), Px(0.5));
  const std::vector<TargetScore> s = Targets();
  EXPECT_TRUE(s[6].foreign_ink);
}

TEST_F(MarkScorerTest, EmptyTargetsScoreNearZero) {
  for (int s : Score()) EXPECT_LT(s, 50);
}

TEST_F(MarkScorerTest, FilledTargetIsMarked) {
  page_(Box(2, 0.4)).setTo(cv::Scalar(25));
  const std::vector<int> s = Score();
  EXPECT_GT(s[2], 8000);
  EXPECT_EQ(ClassifyScore(s[2], FixtureThresholds()), MARKED);
  EXPECT_EQ(ClassifyScore(s[1], FixtureThresholds()), EMPTY);
  EXPECT_EQ(ClassifyScore(s[3], FixtureThresholds()), EMPTY);
}

// VVSG 1.1.6-H: a 1 mm #2 pencil line across the whole target is a vote.
TEST_F(MarkScorerTest, OneMillimetrePencilLineIsMarked) {
  const Rect& a = areas_[4];
  const int y = Px(a.y_mm() + 3.5);
  cv::line(page_, cv::Point(Px(a.x_mm() - 0.4), y), cv::Point(Px(a.x_mm() + 12.4), y + 4),
           cv::Scalar(120), Px(1.0));
  const std::vector<int> s = Score();
  EXPECT_GE(s[4], 800);
  EXPECT_LE(s[4], 1300);
  EXPECT_EQ(ClassifyScore(s[4], FixtureThresholds()), MARKED);
}

TEST_F(MarkScorerTest, FaintFillIsMarginal) {
  page_(Box(5, 0.3)) -= cv::Scalar(11);  // 11 / 240 = 0.046
  const std::vector<int> s = Score();
  EXPECT_EQ(ClassifyScore(s[5], FixtureThresholds()), MARGINAL) << s[5];
}

// VVSG 1.1.6-I: a fold across the sheet (a crease line with a shadow band) is no vote, nor
// marginal.
TEST_F(MarkScorerTest, FoldAcrossTargetDoesNotCount) {
  const int y = Px(areas_[3].y_mm() + 3.0);
  page_(cv::Rect(0, y - Px(1.5), page_.cols, Px(3.0))) -= cv::Scalar(10);
  cv::line(page_, cv::Point(0, y), cv::Point(page_.cols - 1, y), cv::Scalar(150), 3);
  const std::vector<int> s = Score();
  EXPECT_EQ(ClassifyScore(s[3], FixtureThresholds()), EMPTY) << s[3];
}

TEST_F(MarkScorerTest, VerticalStreakThroughTargetsDoesNotCount) {
  cv::Mat band = page_(cv::Rect(Px(65), 0, 6, page_.rows));
  band.setTo(cv::Scalar(90));
  const std::vector<int> s = Score();
  for (int v : s) EXPECT_EQ(ClassifyScore(v, FixtureThresholds()), EMPTY) << v;
}

TEST_F(MarkScorerTest, StreakDoesNotHideAFilledTarget) {
  page_(cv::Rect(Px(65), 0, 6, page_.rows)).setTo(cv::Scalar(120));
  page_(Box(2, 0.4)).setTo(cv::Scalar(25));
  const std::vector<int> s = Score();
  EXPECT_EQ(ClassifyScore(s[2], FixtureThresholds()), MARKED);
  EXPECT_EQ(ClassifyScore(s[1], FixtureThresholds()), EMPTY);
}

TEST_F(MarkScorerTest, DustSpecksDoNotCount) {
  for (int i = 0; i < 8; ++i) {
    const cv::Rect box = Box(i, 1.0);
    cv::circle(page_, cv::Point(box.x + box.width / 3, box.y + box.height / 2), 2, cv::Scalar(30),
               cv::FILLED);
    cv::circle(page_, cv::Point(box.x + 2 * box.width / 3, box.y + box.height / 3), 1,
               cv::Scalar(60), cv::FILLED);
  }
  for (int v : Score()) EXPECT_EQ(ClassifyScore(v, FixtureThresholds()), EMPTY) << v;
}

TEST_F(MarkScorerTest, NoiseOnBlankTargetsStaysEmpty) {
  cv::Mat noise(page_.size(), CV_16SC1);
  cv::theRNG().state = 12345;
  cv::randn(noise, 0, 12);
  cv::Mat noisy;
  page_.convertTo(noisy, CV_16SC1);
  noisy += noise;
  noisy.convertTo(page_, CV_8UC1);
  for (int v : Score()) EXPECT_EQ(ClassifyScore(v, FixtureThresholds()), EMPTY) << v;
}

TEST_F(MarkScorerTest, MarksInNeighbouringTargetsDoNotShiftThePaperLevel) {
  page_(Box(3, -0.5)).setTo(cv::Scalar(25));  // overreaching fill
  page_(Box(5, -0.5)).setTo(cv::Scalar(25));
  const std::vector<int> s = Score();
  EXPECT_EQ(ClassifyScore(s[4], FixtureThresholds()), EMPTY) << s[4];
  EXPECT_EQ(ClassifyScore(s[3], FixtureThresholds()), MARKED);
}

TEST_F(MarkScorerTest, LowContrastScanScalesWithInkLevel) {
  page_(Box(2, 0.4)).setTo(cv::Scalar(25));
  cv::Mat low;
  page_.convertTo(low, CV_8UC1, 0.4, 130);  // paper 226, ink 130
  page_ = low;
  const PageTransform identity(kPxPerMm, 0, 0, 0, kPxPerMm, 0);
  const std::vector<int> s = MarkScorer(page_, identity, /*ink_level=*/130).Score(areas_);
  EXPECT_GT(s[2], 8000);
  EXPECT_EQ(ClassifyScore(s[1], FixtureThresholds()), EMPTY);
}

TEST_F(MarkScorerTest, TargetOutsideTheImageHasNoScore) {
  Rect far;
  far.set_x_mm(500);
  far.set_y_mm(500);
  far.set_width_mm(12);
  far.set_height_mm(7);
  areas_.push_back(far);
  EXPECT_EQ(Score().back(), -1);
}

TEST(ClassifyScoreTest, ThresholdsAreInclusiveAtTheUnit) {
  MarkThresholds t = FixtureThresholds();
  EXPECT_EQ(ClassifyScore(600, t), MARKED);
  EXPECT_EQ(ClassifyScore(599, t), MARGINAL);
  EXPECT_EQ(ClassifyScore(300, t), MARGINAL);
  EXPECT_EQ(ClassifyScore(299, t), EMPTY);
  EXPECT_EQ(ThresholdUnits(0.06), 600);
}

TEST(FormatThresholdsTest, PrintsBothThresholdsAndTheSource) {
  const std::string text = FormatThresholds(FixtureThresholds(), "election x");
  EXPECT_NE(text.find("6.00%"), std::string::npos) << text;
  EXPECT_NE(text.find("3.00%"), std::string::npos) << text;
  EXPECT_NE(text.find("election x"), std::string::npos) << text;
}

}  // namespace
}  // namespace esep::vision
