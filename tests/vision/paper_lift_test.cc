// The creases of folds that run at a slant: found across the sheet, also where they run along a
// line of print, and lifted along their own line.
#include "paper_lift.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

namespace esep::vision {
namespace {

constexpr double kPxPerMm = 200 / 25.4;
constexpr int kPaper = 240;

class PaperLiftTest : public ::testing::Test {
 protected:
  // A sheet 203 mm wide and 76 mm high with the sensor's grain (deterministic).
  PaperLiftTest() : page_(600, 1600, CV_8UC1) {
    cv::RNG rng(7);
    for (int y = 0; y < page_.rows; ++y) {
      for (int x = 0; x < page_.cols; ++x) {
        page_.at<std::uint8_t>(y, x) =
            static_cast<std::uint8_t>(std::clamp(kPaper + rng.uniform(-3, 4), 0, 255));
      }
    }
  }

  // Row of the fold's line in column x.
  double FoldRow(double x) const { return kRow0 + kSlope * x; }

  // A fold: a crease darkened by a fifth within 0.2 mm of its line, the paper on one side of it
  // by 4% for 0.8 mm.
  void Fold() {
    for (int y = 0; y < page_.rows; ++y) {
      for (int x = 0; x < page_.cols; ++x) {
        const double d = (y - FoldRow(x)) / kPxPerMm / std::hypot(1, kSlope);
        const double factor = std::abs(d) <= 0.2 ? 0.8 : d > 0 && d <= 0.8 ? 0.96 : 1.0;
        std::uint8_t& v = page_.at<std::uint8_t>(y, x);
        v = static_cast<std::uint8_t>(std::lround(v * factor));
      }
    }
  }

  // A line of print 2.5 mm high whose baseline runs 0.5 mm above the fold's line, from column x0
  // to x1: letters' stems 2 px wide every 6 px, in black.
  void PrintAlongTheFold(int x0, int x1) {
    for (int x = x0; x < x1; x += 6) {
      const int top = static_cast<int>(std::lround(FoldRow(x) - 3.0 * kPxPerMm));
      page_(cv::Rect(x, top, 2, static_cast<int>(std::lround(2.5 * kPxPerMm)))).setTo(30);
    }
  }

  static constexpr double kRow0 = 300;
  static constexpr double kSlope = -0.047;  // 2.7 degrees
  cv::Mat page_;
};

TEST_F(PaperLiftTest, ASlantedFoldIsFoundAndLiftedAlongItsLine) {
  Fold();
  const std::vector<Crease> creases = FindCreases(page_, kPxPerMm, kPaper);
  ASSERT_EQ(creases.size(), 1u);
  EXPECT_NEAR(creases[0].slope, kSlope, 0.002);
  EXPECT_NEAR(creases[0].row0, kRow0, 1.0);
  // On the line, the crease's darkening: a fifth of the paper, less the dead zone.
  EXPECT_NEAR(creases[0].lift[static_cast<std::size_t>(creases[0].reach)], kPaper / 5, 6);
  // The lifted page is paper again along the line, wherever the line falls within a pixel.
  const PaperLift lift(std::vector<int>(static_cast<std::size_t>(page_.cols), 0), 0,
                       std::vector<int>(static_cast<std::size_t>(page_.rows), 0), creases);
  for (int x = 100; x < page_.cols - 100; x += 37) {
    const int y = static_cast<int>(std::lround(FoldRow(x)));
    const int level = lift.InRow(y).Level(x, page_.at<std::uint8_t>(y, x));
    EXPECT_GE(level, kPaper - 12) << "column " << x;
  }
}

// A third of the strips lie over the print: the paper beside the line is print there, and they
// can tell nothing. The crease is found by the strips that can.
TEST_F(PaperLiftTest, AFoldAlongALineOfPrintIsFound) {
  Fold();
  PrintAlongTheFold(100, 620);
  const std::vector<Crease> creases = FindCreases(page_, kPxPerMm, kPaper);
  ASSERT_EQ(creases.size(), 1u);
  EXPECT_NEAR(creases[0].slope, kSlope, 0.002);
  EXPECT_NEAR(creases[0].row0, kRow0, 1.0);
}

// Print alone is no crease: it is far darker than a fold, or covers too few strips.
TEST_F(PaperLiftTest, PrintAloneIsNoCrease) {
  PrintAlongTheFold(100, 620);
  EXPECT_TRUE(FindCreases(page_, kPxPerMm, kPaper).empty());
}

TEST_F(PaperLiftTest, CleanPaperHasNoCrease) {
  EXPECT_TRUE(FindCreases(page_, kPxPerMm, kPaper).empty());
}

}  // namespace
}  // namespace esep::vision
