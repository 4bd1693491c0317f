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
  // Ink entering from outside: ink in the band from `ring_inner_mm` to `halo_mm` outside the box
  // that comes within `entry_mm` of the box and reaches out to `reach_mm` or beyond belongs to a
  // shape that lies outside the box (a stamp, a signature, a ruled or stray line), not to a
  // voter's mark, which may spill over the edge by less than `reach_mm`.
  double entry_mm = 1.1;
  double reach_mm = 2.5;
  double halo_mm = 3.2;
  // Gaps up to this wide between pieces of ink outside the box are closed first: a stamp's
  // textured ring or text breaks up where its ink is faint.
  double ink_gap_mm = 0.5;
  // Pieces of ink outside the box spread along fainter ink (at a stroke's edge level) by up to
  // this much, and pieces that meet so are one shape: a light stamp's ring reaches the stroke
  // floor only in places.
  double faint_join_mm = 0.75;
  // A piece of ink, with the faint ink around it, smaller than this is a speck of dust: the
  // closing does not join it to other ink (a speck beyond the tail of a voter's tick does not
  // make the tick reach further).
  double speck_mm2 = 0.5;
  // Another box's printed outline, its edges give or take this much: the closing does not bridge
  // to it (a voter's tick may end close to the next box).
  double outline_mm = 0.3;
};

// Pen strokes: a pixel darkened by less than kStrokeFloor of the way from the paper to solid ink
// is not ink (show-through from the back of the sheet, paper tone, noise); one darkened by
// kStrokeFull or more is a full pixel of ink (a blue or red ballpoint as a gray scanner sees it);
// in between it counts in proportion. See docs/vision.md for the measured pen levels.
inline constexpr double kStrokeFloor = 0.30;
inline constexpr double kStrokeFull = 0.45;
// A stroke's edges, blurred by the optics: a pixel darkened by kStrokeEdge or more (but less
// than the floor) within kStrokeEdgeMm of a stroke pixel counts in proportion too, up to
// kStrokeEdgePerPixel pixels' worth for each stroke pixel. Blur spreads a thin light stroke (a
// red ballpoint tick) over its edges without changing its ink; without its edges it scored half
// of what it does sharp. Ink that never reaches the floor (show-through, a fold) has no stroke
// pixels and so no edges.
inline constexpr double kStrokeEdge = 0.15;
inline constexpr double kStrokeEdgeMm = 0.3;
inline constexpr int kStrokeEdgePerPixel = 3;
// Show-through from the back darkens a box and a millimetre around it by up to 16% of the way to
// solid ink: inside a box whose interior is that much darker than its ring all over, pen strokes
// are measured from the interior's own paper.
inline constexpr double kShowThroughMax = 0.16;

// What the scorer finds in and around one target.
struct TargetScore {
  // Score units of the interior: `linear` is the mean darkening as a fraction of solid ink (-1
  // when the target lies outside the image); `stroke` counts each pixel by kStrokeFloor and
  // kStrokeFull.
  int linear = -1;
  int stroke = 0;
  // Ink from a shape outside the box reaches into its surroundings (see MarkScorerOptions).
  bool foreign_ink = false;
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
  // The linear and stroke scores of each target and whether ink enters it from outside. The
  // surroundings are examined only for targets whose stroke or linear score reaches
  // `examine_from_units`; a neighbouring box whose strokes reach `vote_from_units`, and into
  // which no ink enters from outside, is a voter's mark and not part of a box's surroundings.
  std::vector<TargetScore> ScoreTargets(const std::vector<Rect>& areas, int examine_from_units = 0,
                                        int vote_from_units = 0) const;

 private:
  const cv::Mat& image_;
  PageTransform transform_;
  int ink_level_;
  MarkScorerOptions options_;
};

}  // namespace esep::vision

#endif  // ESEP_VISION_MARK_SCORER_H_
