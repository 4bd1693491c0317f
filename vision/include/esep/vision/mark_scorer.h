#ifndef ESEP_VISION_MARK_SCORER_H_
#define ESEP_VISION_MARK_SCORER_H_

#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "esep/proto/election.pb.h"
#include "esep/proto/interpretation.pb.h"
#include "esep/vision/page_transform.h"

namespace esep::vision {

// Scores are kept in units of 1e-4 so that classification never depends on the last bits of a
// floating-point value: the same image gives the same classes and bytes on every machine.
inline constexpr int kScoreUnitsPerOne = 10000;

// A threshold in score units (rounded to the nearest unit).
int ThresholdUnits(double threshold);

// MARKED at or above `definite`, MARGINAL at or above `marginal`, EMPTY below.
MarkClass ClassifyScore(int score_units, const MarkThresholds& thresholds);

// The thresholds in force, as printed on request (VVSG 1.1.6-G): one line each, in percent of
// the target interior and in score units, with where they come from.
std::string FormatThresholds(const MarkThresholds& thresholds, const std::string& source);

// Geometry of scoring, in millimetres.
struct MarkScorerOptions {
  // The interior scored: the box inset by this much, which leaves out the printed outline and
  // small registration errors.
  double interior_inset_mm = 0.6;
  // The paper reference: a ring around the box from `ring_inner_mm` to `ring_outer_mm` outside it.
  double ring_inner_mm = 0.7;
  double ring_outer_mm = 1.4;
};

// Scores mark targets: the mean darkening of the target interior below the paper around it,
// as a fraction of the darkening of solid ink (the registration marks' level). The paper level
// is the median of a ring around each box, so neighbouring marks, a local shadow or a gray
// background do not shift it. Streaks from dirt on the sensor run down the whole image: each
// image column's own paper level (a high percentile over the page's height, which a mark or a
// printed box cannot darken) is measured and its darkening taken out, so a streak through a box
// never looks like a mark; the same is done for image rows (a fold or line across the sheet).
// Only the target regions (and a sparse sample of their rows and columns) are read, through the
// page transform.
class MarkScorer {
 public:
  MarkScorer(const cv::Mat& image, const PageTransform& transform, int ink_level,
             MarkScorerOptions options = {});

  // Score units (0 .. kScoreUnitsPerOne) of each target area, in order.
  std::vector<int> Score(const std::vector<Rect>& areas) const;

 private:
  const cv::Mat& image_;
  PageTransform transform_;
  int ink_level_;
  MarkScorerOptions options_;
};

}  // namespace esep::vision

#endif  // ESEP_VISION_MARK_SCORER_H_
