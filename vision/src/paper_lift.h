#ifndef ESEP_VISION_SRC_PAPER_LIFT_H_
#define ESEP_VISION_SRC_PAPER_LIFT_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <opencv2/core.hpp>
#include <utility>
#include <vector>

namespace esep::vision {

// Darkening of a whole column, row or crease below this many gray levels is left alone (noise).
inline constexpr int kLiftDeadZone = 2;

// A fold's crease: a straight line darker than the paper on both sides of it, across the whole
// sheet, at image row `row0 + slope * c` in column c. `lift[o + reach]` is how many gray levels
// the paper at row offset o (-reach .. reach) from the line is darker than the page's paper.
struct Crease {
  double row0 = 0;
  double slope = 0;
  int reach = 0;
  std::vector<int> lift;
};

// Finds the creases of folds that run across the sheet at a slant (a level one is a dark image
// row, which the row levels already take out), and measures each one's darkening against
// `typical_paper`. A crease must darken the paper in at least 85% of narrow strips spread across
// the image width, each by at least a sixteenth of the paper level (and less than two fifths: a
// printed rule is far darker than a fold). Deterministic; reads only the strips and the lines.
std::vector<Crease> FindCreases(const cv::Mat& image, double pixels_per_mm, int typical_paper);

// How many gray levels each pixel is lifted by before it is scored: what darkens whole image
// columns (a streak), whole image rows (a level fold or a scanner line) or a slanted crease, as
// measured on the paper around it.
class PaperLift {
 public:
  // `column` holds the lift of image columns first_column .. first_column + column.size() - 1,
  // `row` that of every image row.
  PaperLift(std::vector<int> column, int first_column, std::vector<int> row,
            std::vector<Crease> creases);

  // The lifts along one image row, held apart from the image and the counts they are used with.
  class Row {
   public:
    // The lifted level of the pixel in column c whose gray level is `v`.
    int Level(int c, int v) const {
      int up = std::max(row_up_, column_[static_cast<std::size_t>(c - first_column_)]);
      if (creased_) up = std::max(up, lift_->CreaseLift(r_, c));
      return std::min(255, v + up);
    }

   private:
    friend class PaperLift;
    Row(const PaperLift* lift, int r)
        : lift_(lift),
          column_(lift->column_.data()),
          first_column_(lift->first_column_),
          row_up_(lift->row_[static_cast<std::size_t>(r)]),
          r_(r),
          creased_(lift->creased_[static_cast<std::size_t>(r)] != 0) {}
    const PaperLift* lift_;
    const int* column_;
    int first_column_;
    int row_up_;
    int r_;
    bool creased_;
  };

  Row InRow(int r) const { return Row(this, r); }

 private:
  int CreaseLift(int r, int c) const;

  std::vector<int> column_;
  int first_column_;
  std::vector<int> row_;
  std::vector<Crease> creases_;
  std::vector<char> creased_;  // by row: whether a crease comes within its reach anywhere
};

}  // namespace esep::vision

#endif  // ESEP_VISION_SRC_PAPER_LIFT_H_
