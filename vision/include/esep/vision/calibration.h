#ifndef ESEP_VISION_CALIBRATION_H_
#define ESEP_VISION_CALIBRATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/calibration.pb.h"
#include "esep/proto/election.pb.h"
#include "esep/vision/gray_image.h"
#include "esep/vision/page_transform.h"

namespace esep::vision {

// CalibrationProfile.format_version written by this version; bump it when a field changes
// meaning.
inline constexpr std::uint32_t kCalibrationProfileFormat = 1;
// The calibration sheet's layout version, printed on the sheet and kept in the profile.
inline constexpr std::uint32_t kCalibrationLayoutVersion = 1;
// How long a profile stays good for opening the polls unless the configuration says otherwise.
inline constexpr std::int64_t kDefaultProfileMaxAgeSeconds = 30LL * 24 * 3600;

// One step of the gray wedge: a flat patch printed with `ink_255` of 255 ink (reflectance
// 1 - ink_255 / 255, so that the raster prints it exactly).
struct WedgePatch {
  Rect area;
  int ink_255 = 0;
  double reflectance() const { return 1.0 - ink_255 / 255.0; }
};

// A ruler: ticks `tick_width_mm` thick and `tick_length_mm` long every `step_mm` from `first_mm`
// to `last_mm` along its axis; `along_x`: the ticks stand at x positions and run in y from
// `cross_mm`; otherwise they stand at y positions and run in x from `cross_mm`.
struct Ruler {
  bool along_x = true;
  double first_mm = 0;
  double last_mm = 0;
  double step_mm = 0;
  double cross_mm = 0;
  double tick_length_mm = 0;
  double tick_width_mm = 0;
  int tick_count() const;
  double tick_mm(int i) const { return first_mm + i * step_mm; }
};

// A group of equal black lines and gaps, `lp_per_mm` line pairs per millimetre, filling `area`.
// `profile_along_x`: the lines run in y, so their profile runs along x (across the sensor).
struct LinePairGroup {
  Rect area;
  double lp_per_mm = 1;
  bool profile_along_x = true;
};

// A ballot-like target box (outline `outline_mm` of CalibrationLayout) pre-marked at a known
// darkness: a flat fill of `ink_255` over its whole inside, or with `line` a `line_width_mm`
// band of that ink across its full width at mid-height.
struct PreMarkedTarget {
  std::string id;
  Rect area;
  int ink_255 = 0;
  bool line = false;
};

// The calibration sheet as data, shared by the renderer that prints it and the measurement
// that reads it back. Page millimetres, as ballot styles.
struct CalibrationLayout {
  double page_width_mm = 0;
  double page_height_mm = 0;
  std::vector<Fiducial> fiducials;
  Rect title_area;
  std::vector<WedgePatch> wedge;  // lightest first
  Ruler ruler_x;                  // ticks along x: scale across the sensor
  Ruler ruler_y;                  // ticks along y: scale along the feed
  std::vector<LinePairGroup> line_pairs;
  std::vector<PreMarkedTarget> targets;
  double target_outline_mm = 0.3;
  double line_width_mm = 1.0;
  // Bands across the full sheet width left blank: the sensor's white level column by column.
  std::vector<Rect> blank_bands;
  // The thresholds the near-threshold targets are placed around.
  MarkThresholds nominal_thresholds;

  // What the registration needs: the page and its fiducials.
  BallotStyle RegistrationStyle() const;
  // The mean darkness a target's inside is printed with (the line: averaged over the scored
  // interior, inset by `interior_inset_mm`).
  double NominalDarkness(const PreMarkedTarget& target, double interior_inset_mm) const;
};

// The A4 calibration sheet, layout version kCalibrationLayoutVersion.
CalibrationLayout StandardCalibrationLayout();

// How the scan to measure was taken.
struct MeasureOptions {
  int nominal_dpi = 200;  // the resolution the reader was set to
};

// The measurement of one scan, with what the overlay of the technician's report draws.
struct CalibrationMeasurement {
  // Every measured quantity; no checks yet (EvaluateTolerances), no serial and no date.
  CalibrationProfile profile;
  PageTransform transform;  // page mm -> image px
  std::vector<PointPx> fiducials;
  std::vector<PointPx> ruler_ticks_x;  // image px of the ticks found
  std::vector<PointPx> ruler_ticks_y;
  // Paper white of each image column (sensor pixel) under the blank bands; -1 where the sheet
  // did not cover it.
  std::vector<double> sensor_white;
};

// Measures a scan of the calibration sheet: geometry from the fiducials and rulers, tone from
// the wedge, sensor uniformity and streaks from the blank bands, sharpness from the line pairs,
// and the scores of the pre-marked targets (scored by MarkScorer, as ballots are) with the
// thresholds recommended for this reader. Pure and deterministic, no I/O. A scan that is not
// the calibration sheet, or one too damaged to measure, is an error that says so.
absl::StatusOr<CalibrationMeasurement> MeasureCalibrationSheet(const GrayImage& image,
                                                               const CalibrationLayout& layout,
                                                               MeasureOptions options = {});

// The documented tolerances (docs/calibration.md).
struct CalibrationTolerances {
  double max_scale_error = 0.01;        // |scale - 1| across and along the feed
  double max_feed_stretch = 0.005;      // |scale_y / scale_x - 1|
  double max_ruler_linearity_mm = 0.3;  // uneven feed or optics
  double max_skew_deg = 2.0;            // the feed guides hold the sheet straight
  double max_offset_mm = 10.0;          // the sheet's corner from the scan area's
  double max_registration_residual_mm = 0.25;
  double min_white_level = 200;
  double max_black_level = 60;
  double min_dynamic_range = 150;
  double max_tone_error = 0.08;
  double max_noise = 6.0;
  double max_uniformity = 0.08;
  double max_streak_strength = 0.05;
  double min_resolved_lp_per_mm = 1.5;
  double max_empty_score = 0.015;
  double min_target_gain = 0.8;
  double max_target_gain = 1.25;
  double min_separation = 0.04;
  double min_empty_margin = 0.005;  // recommended marginal threshold above the darkest empty
};

// Fills `profile->checks` and `profile->pass` from its measurements.
void EvaluateTolerances(const CalibrationTolerances& tolerances, CalibrationProfile* profile);

// The technician's text report: one PASS/FAIL line per check, the streaks, the recommended
// thresholds and the overall result.
std::string FormatCalibrationReport(const CalibrationProfile& profile);

// Whether the polls may open with this reader: refuses, with a sentence saying what to do, a
// missing profile (format_version 0), one of a newer format, one naming no reader or another
// reader, one dated in the future or older than `max_age_seconds`, a failed one, and one whose
// thresholds are unusable. esepd calls it before opening the polls with the reader's latest
// profile.
absl::Status CheckProfileForPolls(const CalibrationProfile& profile,
                                  const std::string& reader_serial, std::int64_t now_unix,
                                  std::int64_t max_age_seconds = kDefaultProfileMaxAgeSeconds);

}  // namespace esep::vision

#endif  // ESEP_VISION_CALIBRATION_H_
