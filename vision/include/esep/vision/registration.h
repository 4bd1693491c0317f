#ifndef ESEP_VISION_REGISTRATION_H_
#define ESEP_VISION_REGISTRATION_H_

#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "esep/proto/election.pb.h"
#include "esep/proto/interpretation.pb.h"
#include "esep/vision/page_transform.h"

namespace esep::vision {

// Limits of the registration; the defaults suit the fixture layout from 150 to 600 dpi.
struct RegistrationLimits {
  // Half-size of the search window around each mark's expected place, in mm: covers a
  // rotation of 5 degrees, a scale error of 3% and a shift of 10 mm on a scan area that grows
  // to hold the sheet.
  double search_radius_mm = 36.0;
  // The same for a first, quick search that finds a sheet lying nearly straight.
  double quick_search_radius_mm = 10.0;
  // Largest distance in mm between a found mark and where the fitted transform puts it. Past
  // this the page is refused: targets could be sampled off their boxes.
  double max_residual_mm = 0.5;
  // Largest relative difference between the scale given by the marks' spacing and the one
  // given by their size.
  double max_scale_error = 0.08;
  // Least difference between paper and mark gray levels for a mark to be seen at all.
  int min_contrast = 40;
};

// Where the sheet's registration marks were found and the page-to-image transform they give.
struct RegistrationResult {
  // REJECTION_REASON_UNSPECIFIED when registered; otherwise NOT_A_BALLOT_PAGE (fewer than two
  // marks) or REGISTRATION_FAILED (marks missing, or not where the style puts them).
  RejectionReason reason = REJECTION_REASON_UNSPECIFIED;
  std::string detail;
  int orientation_degrees = 0;  // 0, or 180 when the sheet was fed upside down
  PageTransform transform;      // page mm -> image px
  double residual_px = 0;       // largest distance between a found mark and its fitted place
  // Per fiducial of the style, in the style's order: where it was found (image px), and
  // whether it was.
  std::vector<PointPx> found;
  std::vector<bool> was_found;
  int paper_level = 255;  // gray level of the paper around the marks
  int ink_level = 0;      // gray level of the marks' interior (solid printed black)

  bool ok() const { return reason == REJECTION_REASON_UNSPECIFIED; }
};

// Finds the style's fiducials (solid black squares on clear paper) near their expected places
// and fits the page-to-image transform. Only windows around the expected places (measured from
// the nearest image corner) are read, downsampled to about 2 px/mm to find candidates, then
// each candidate's centre is refined at full resolution; of up to three candidates per mark the
// combination that fits best is taken.
// With orientation_degrees = 180 the page is assumed fed upside down: page point (x, y) is
// expected where (W - x, H - y) would be. Deterministic: integer arithmetic up to the fit.
class Registration {
 public:
  explicit Registration(RegistrationLimits limits = {}) : limits_(limits) {}

  // `image` is 8-bit single-channel.
  RegistrationResult Register(const cv::Mat& image, const BallotStyle& style,
                              int orientation_degrees) const;

 private:
  RegistrationResult Register(const cv::Mat& image, const BallotStyle& style,
                              int orientation_degrees, double radius_mm) const;

  RegistrationLimits limits_;
};

}  // namespace esep::vision

#endif  // ESEP_VISION_REGISTRATION_H_
