#ifndef ESEP_RENDER_MARKS_H_
#define ESEP_RENDER_MARKS_H_

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/deck.pb.h"
#include "esep/proto/election.pb.h"

namespace esep::render {

// How marks are scored, the same way the interpreter is expected to score them: the interior of a
// target is its box inset by kInteriorInsetMm on every side (the printed outline stays outside),
// and its darkness is the mean over the interior of (paper - pixel) / paper, clamped to [0, 1].
inline constexpr double kInteriorInsetMm = 0.6;
// A mark never leaves its target box by more than this.
inline constexpr double kMarkOverreachMm = 0.5;
// Stray marks keep at least this distance from every target box.
inline constexpr double kStrayClearanceMm = 2.0;

// The index on `style` of the target a mark names: "contest_id:option_id", or an option id that
// is unique on the style. Unknown or ambiguous names are errors.
absl::StatusOr<int> ResolveMarkTarget(const BallotStyle& style, std::string_view name);

// Draws hand-made marks on a printed page (from RenderBallot at `dpi`). Each MarkStyle is drawn
// with its own pen or pencil and darkness, varied by `seed` (wobble, offset, angle, size) but
// never beyond kMarkOverreachMm outside the target box:
//   FILLED  pen fill over 90-100% of the box        CHECK  a tick, 0.7 mm pen stroke
//   CROSS   an X across the box, 0.7 mm pen         LINE   one 1 mm #2 pencil line (gray 110-130)
//                                                          across the whole width of the box
//   LIGHT   a faint pencil fill of mean interior darkness 0.042-0.048
//   PARTIAL pen fill over 40-60% of the interior
// The same page, marks and seed give the same pixels.
absl::Status ApplyMarks(cv::Mat& page, const Election& election, const BallotStyle& style,
                        const std::vector<MarkSpec>& marks, int dpi, std::uint64_t seed);

// Draws `count` pen scribbles in the margins and label areas, each at least kStrayClearanceMm
// from every target box and clear of the fiducials and the barcode.
absl::Status ApplyStrayMarks(cv::Mat& page, const BallotStyle& style, int count, int dpi,
                             std::uint64_t seed);

// Draws commission stamps (see StampSpec): rings, text between them and lines of text inside,
// in the stamp's gray, with uneven ink; anywhere on the page, over boxes and fiducials too.
absl::Status ApplyStamps(cv::Mat& page, const BallotStyle& style,
                         const std::vector<StampSpec>& stamps, int dpi, std::uint64_t seed);

// Darkens the page behind each named target as a heavy pen fill on the back of the sheet shows
// through the paper: the box and 1 mm around it, blurred, 6-14% darker.
absl::Status ApplyShowThrough(cv::Mat& page, const BallotStyle& style,
                              const std::vector<std::string>& targets, int dpi, std::uint64_t seed);

// The scored interior of a target box, in pixels at `dpi` (clipped to the page).
cv::Rect TargetInterior(const Rect& area, int dpi, const cv::Size& page);

// Mean darkness of `region` of `page` relative to `paper` (see above).
double RegionDarkness(const cv::Mat& page, const cv::Rect& region, double paper = 255.0);

}  // namespace esep::render

#endif  // ESEP_RENDER_MARKS_H_
