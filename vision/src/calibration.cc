#include "esep/vision/calibration.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <opencv2/core/mat.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "esep/vision/interpreter.h"
#include "esep/vision/mark_scorer.h"
#include "esep/vision/registration.h"
#include "histogram.h"

namespace esep::vision {
namespace {

constexpr double kPi = 3.14159265358979323846;
// A line-pair group counts as resolved when its modulation reaches this.
constexpr double kResolvedModulation = 0.25;
// A column darker than its neighbourhood by this fraction of white is part of a streak.
constexpr double kStreakDetection = 0.03;
// Half-width of the neighbourhood a column's white level is compared with, mm.
constexpr double kStreakNeighbourhoodMm = 2.0;
// Half-width of the smoothing of the white level before the uniformity is taken, mm.
constexpr double kUniformitySmoothingMm = 3.0;
// Least columns of white measured for the sensor's measurements to mean anything.
constexpr int kMinSensorColumns = 32;
// Least samples of white in a column for the column to be measured.
constexpr long long kMinColumnSamples = 8;
// Flat fills up to this darkness enter the fit of the target response.
constexpr double kFitMaxDarkness = 0.105;

Rect MakeRect(double x, double y, double w, double h) {
  Rect r;
  r.set_x_mm(x);
  r.set_y_mm(y);
  r.set_width_mm(w);
  r.set_height_mm(h);
  return r;
}

Rect InsetRect(const Rect& r, double d) {
  return MakeRect(r.x_mm() + d, r.y_mm() + d, std::max(0.0, r.width_mm() - 2 * d),
                  std::max(0.0, r.height_mm() - 2 * d));
}

Fiducial MakeFiducial(double x, double y, double size) {
  Fiducial f;
  f.mutable_center()->set_x_mm(x);
  f.mutable_center()->set_y_mm(y);
  f.set_size_mm(size);
  return f;
}

// The level and the noise of a flat region.
struct RegionStats {
  long long count = 0;
  int median = 0;
  double sigma = 0;  // standard deviation of the values near the median (outliers left out)
};

RegionStats StatsOf(const Histogram& hist) {
  RegionStats s;
  for (long long c : hist) s.count += c;
  if (s.count == 0) return s;
  s.median = Percentile(hist, s.count, 0.5);
  Histogram deviations{};
  for (int v = 0; v < 256; ++v)
    deviations[static_cast<std::size_t>(std::abs(v - s.median))] +=
        hist[static_cast<std::size_t>(v)];
  const int mad = Percentile(deviations, s.count, 0.5);
  // A dust speck or a streak through the region is not noise.
  const int keep = std::max(6, 5 * mad);
  double n = 0, sum = 0, sum2 = 0;
  for (int v = std::max(0, s.median - keep); v <= std::min(255, s.median + keep); ++v) {
    const double c = static_cast<double>(hist[static_cast<std::size_t>(v)]);
    n += c;
    sum += c * v;
    sum2 += c * v * v;
  }
  if (n > 1) {
    const double mean = sum / n;
    s.sigma = std::sqrt(std::max(0.0, sum2 / n - mean * mean));
  }
  return s;
}

// Pixel bounds (half-open, clipped) of the image of a page rectangle.
cv::Rect ImageBounds(const PageTransform& t, const Rect& r, const cv::Mat& image) {
  double min_u = 1e18, min_v = 1e18, max_u = -1e18, max_v = -1e18;
  for (const double x : {r.x_mm(), r.x_mm() + r.width_mm()}) {
    for (const double y : {r.y_mm(), r.y_mm() + r.height_mm()}) {
      const PointPx p = t.ToImage(x, y);
      min_u = std::min(min_u, p.x);
      max_u = std::max(max_u, p.x);
      min_v = std::min(min_v, p.y);
      max_v = std::max(max_v, p.y);
    }
  }
  const int x0 = std::clamp(static_cast<int>(std::floor(min_u)), 0, image.cols);
  const int y0 = std::clamp(static_cast<int>(std::floor(min_v)), 0, image.rows);
  const int x1 = std::clamp(static_cast<int>(std::ceil(max_u)) + 1, 0, image.cols);
  const int y1 = std::clamp(static_cast<int>(std::ceil(max_v)) + 1, 0, image.rows);
  return cv::Rect(x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0));
}

// Calls visit(column, row, value) for every pixel whose centre lies in the page rectangle.
template <typename Visit>
void ForEachPixelIn(const cv::Mat& image, const PageTransform& t, const Rect& r, Visit visit) {
  const cv::Rect box = ImageBounds(t, r, image);
  const PointPx origin = t.ToPage(0.5, 0.5);
  const PointPx step_c = t.ToPage(1.5, 0.5);
  const PointPx step_r = t.ToPage(0.5, 1.5);
  const double dxc = step_c.x - origin.x, dyc = step_c.y - origin.y;
  const double dxr = step_r.x - origin.x, dyr = step_r.y - origin.y;
  const double x0 = r.x_mm(), x1 = r.x_mm() + r.width_mm();
  const double y0 = r.y_mm(), y1 = r.y_mm() + r.height_mm();
  for (int row = box.y; row < box.y + box.height; ++row) {
    const std::uint8_t* p = image.ptr<std::uint8_t>(row);
    for (int col = box.x; col < box.x + box.width; ++col) {
      const double x = origin.x + dxr * row + dxc * col;
      const double y = origin.y + dyr * row + dyc * col;
      if (x >= x0 && x < x1 && y >= y0 && y < y1) visit(col, row, p[col]);
    }
  }
}

Histogram HistogramOf(const cv::Mat& image, const PageTransform& t, const Rect& r) {
  Histogram hist{};
  ForEachPixelIn(image, t, r, [&](int, int, std::uint8_t v) { ++hist[v]; });
  return hist;
}

// Bilinear gray level at image point (u, v), pixel centres at half-integers, with each column's
// sensor gain taken out (`flat[c]` = white / that column's white), so that a streak through a
// ruler tick or a line-pair group does not move or flatten it.
double Sample(const cv::Mat& image, const std::vector<double>& flat, double u, double v) {
  const double x = std::clamp(u - 0.5, 0.0, image.cols - 1.0);
  const double y = std::clamp(v - 0.5, 0.0, image.rows - 1.0);
  const int x0 = std::min(static_cast<int>(x), std::max(0, image.cols - 2));
  const int y0 = std::min(static_cast<int>(y), std::max(0, image.rows - 2));
  const int x1 = std::min(x0 + 1, image.cols - 1);
  const double fx = x - x0, fy = y - y0;
  const std::uint8_t* r0 = image.ptr<std::uint8_t>(y0);
  const std::uint8_t* r1 = image.ptr<std::uint8_t>(std::min(y0 + 1, image.rows - 1));
  const double g0 = flat[static_cast<std::size_t>(x0)], g1 = flat[static_cast<std::size_t>(x1)];
  const double top = r0[x0] * g0 + (r0[x1] * g1 - r0[x0] * g0) * fx;
  const double bottom = r1[x0] * g0 + (r1[x1] * g1 - r1[x0] * g0) * fx;
  return top + (bottom - top) * fy;
}

// The gray level at a page point, through the transform.
struct PageSampler {
  const cv::Mat& image;
  const PageTransform& t;
  const std::vector<double>& flat;
  double operator()(double x_mm, double y_mm) const {
    const PointPx p = t.ToImage(x_mm, y_mm);
    return Sample(image, flat, p.x, p.y);
  }
};

// The least-squares line y = slope * x + intercept, and its largest residual.
struct LineFit {
  double slope = 0;
  double intercept = 0;
  double max_residual = 0;
};

LineFit FitLine(const std::vector<double>& x, const std::vector<double>& y) {
  LineFit fit;
  const double n = static_cast<double>(x.size());
  if (x.size() < 2) return fit;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= n;
  my /= n;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  fit.slope = sxx > 0 ? sxy / sxx : 0;
  fit.intercept = my - fit.slope * mx;
  for (std::size_t i = 0; i < x.size(); ++i) {
    fit.max_residual =
        std::max(fit.max_residual, std::abs(y[i] - (fit.intercept + fit.slope * x[i])));
  }
  return fit;
}

// Rounded to `unit`, so that the profile's bytes do not depend on the last bits; never -0.
double Round(double v, double unit) {
  const double r = std::round(v / unit) * unit;
  return r == 0 ? 0.0 : r;
}

// What one ruler gives: image pixels per mm along its axis, the largest deviation (mm) of a tick
// from the straight fit, and how many ticks were found.
struct RulerReading {
  double px_per_mm = 0;
  double linearity_mm = 0;
  int ticks_found = 0;
};

// Finds each tick's centre along the ruler's axis (a darkness-weighted centroid) and fits image
// distance against page position; `found` gets the ticks' image points.
RulerReading MeasureRuler(const PageSampler& sample, const Ruler& ruler, double white, double black,
                          std::vector<PointPx>* found) {
  const PageTransform& t = sample.t;
  RulerReading reading;
  const double px_per_mm = t.PixelsPerMm();
  const double step = 0.5 / px_per_mm;  // half a pixel
  const double half_window = std::min(ruler.step_mm / 2 - 0.5, 2.5);
  const double level = white - 0.15 * (white - black);
  std::vector<double> page, along;
  // The ruler's unit direction in the image.
  const PointPx o = t.ToImage(0, 0);
  const PointPx e = ruler.along_x ? t.ToImage(1, 0) : t.ToImage(0, 1);
  const double dx = e.x - o.x, dy = e.y - o.y;
  const double norm = std::sqrt(dx * dx + dy * dy);
  for (int i = 0; i < ruler.tick_count(); ++i) {
    const double p = ruler.tick_mm(i);
    double sum_w = 0, sum_wt = 0;
    for (double a = -half_window; a <= half_window; a += step) {
      double w = 0;
      // Across the middle half of the tick's length.
      for (int k = 1; k <= 5; ++k) {
        const double s = ruler.cross_mm + ruler.tick_length_mm * (0.25 + 0.1 * (k - 1) + 0.05);
        const double v = ruler.along_x ? sample(p + a, s) : sample(s, p + a);
        w += std::max(0.0, level - v);
      }
      sum_w += w;
      sum_wt += w * a;
    }
    // A tick darkens at least a third of its nominal area; less is a missing or faded tick.
    const double expected = 5 * ruler.tick_width_mm / step * (level - black);
    if (sum_w < expected / 3) continue;
    const double centre = p + sum_wt / sum_w;
    const double mid = ruler.cross_mm + ruler.tick_length_mm / 2;
    const PointPx q = ruler.along_x ? t.ToImage(centre, mid) : t.ToImage(mid, centre);
    found->push_back(q);
    page.push_back(p);
    along.push_back(((q.x - o.x) * dx + (q.y - o.y) * dy) / norm);
  }
  reading.ticks_found = static_cast<int>(page.size());
  const LineFit fit = FitLine(page, along);
  reading.px_per_mm = fit.slope;
  reading.linearity_mm = fit.slope > 0 ? fit.max_residual / fit.slope : 0;
  return reading;
}

// The contrast left in a line-pair group: its profile across the lines, averaged along them,
// lightest tenth minus darkest tenth relative to white - black.
double Modulation(const PageSampler& sample, const LinePairGroup& group, double white,
                  double black) {
  const PageTransform& t = sample.t;
  const Rect inner = InsetRect(group.area, 1.5);
  const double px_per_mm = t.PixelsPerMm();
  const double step_along = 0.5 / px_per_mm;
  const double step_across = 1.0 / px_per_mm;
  const double len_along = group.profile_along_x ? inner.width_mm() : inner.height_mm();
  const double len_across = group.profile_along_x ? inner.height_mm() : inner.width_mm();
  std::vector<double> profile;
  for (double a = 0; a < len_along; a += step_along) {
    double sum = 0;
    int n = 0;
    for (double c = 0; c < len_across; c += step_across) {
      const double x = inner.x_mm() + (group.profile_along_x ? a : c);
      const double y = inner.y_mm() + (group.profile_along_x ? c : a);
      sum += sample(x, y);
      ++n;
    }
    if (n > 0) profile.push_back(sum / n);
  }
  if (profile.size() < 10 || white - black <= 0) return 0;
  std::sort(profile.begin(), profile.end());
  const std::size_t tenth = std::max<std::size_t>(1, profile.size() / 10);
  double lo = 0, hi = 0;
  for (std::size_t i = 0; i < tenth; ++i) {
    lo += profile[i];
    hi += profile[profile.size() - 1 - i];
  }
  lo /= static_cast<double>(tenth);
  hi /= static_cast<double>(tenth);
  return std::clamp((hi - lo) / (white - black), 0.0, 1.0);
}

// The median of the measured values in [c - h, c + h].
double LocalMedian(const std::vector<double>& values, int c, int h, std::vector<double>& scratch) {
  scratch.clear();
  for (int i = std::max(0, c - h); i <= std::min(static_cast<int>(values.size()) - 1, c + h); ++i) {
    if (values[static_cast<std::size_t>(i)] >= 0)
      scratch.push_back(values[static_cast<std::size_t>(i)]);
  }
  if (scratch.empty()) return -1;
  const std::size_t mid = scratch.size() / 2;
  std::nth_element(scratch.begin(), scratch.begin() + static_cast<long>(mid), scratch.end());
  return scratch[mid];
}

// How a target printed at `darkness` must read under the nominal thresholds.
MarkClass ExpectedClass(double darkness, const MarkThresholds& t) {
  if (darkness >= t.definite()) return MARKED;
  if (darkness >= t.marginal()) return MARGINAL;
  return EMPTY;
}

// A scan that cannot be measured, with what the technician should do.
absl::Status Unmeasurable(const std::string& what) {
  return absl::FailedPreconditionError(
      absl::StrCat(what,
                   ". Feed a clean, undamaged calibration sheet (esep render --calibration-sheet), "
                   "printed side as for ballots."));
}

}  // namespace

int Ruler::tick_count() const {
  if (step_mm <= 0 || last_mm < first_mm) return 0;
  return static_cast<int>(std::floor((last_mm - first_mm) / step_mm + 1e-9)) + 1;
}

BallotStyle CalibrationLayout::RegistrationStyle() const {
  BallotStyle style;
  style.set_id("calibration-sheet");
  style.set_page_width_mm(page_width_mm);
  style.set_page_height_mm(page_height_mm);
  for (const Fiducial& f : fiducials) *style.add_fiducials() = f;
  return style;
}

double CalibrationLayout::NominalDarkness(const PreMarkedTarget& target,
                                          double interior_inset_mm) const {
  const double ink = target.ink_255 / 255.0;
  if (!target.line) return ink;
  const double interior = target.area.height_mm() - 2 * interior_inset_mm;
  return interior > 0 ? std::min(1.0, line_width_mm / interior) * ink : ink;
}

CalibrationLayout StandardCalibrationLayout() {
  CalibrationLayout l;
  l.page_width_mm = 210;
  l.page_height_mm = 297;
  for (const auto& [x, y] : {std::pair{10.0, 10.0}, {200.0, 10.0}, {10.0, 287.0}, {200.0, 287.0}}) {
    l.fiducials.push_back(MakeFiducial(x, y, 6));
  }
  l.title_area = MakeRect(20, 2.5, 170, 14);
  l.ruler_x = Ruler{true, 20, 190, 5, 19, 4, 0.3};
  l.ruler_y = Ruler{false, 20, 280, 10, 200, 5, 0.3};
  for (int i = 0; i <= 10; ++i) {
    l.wedge.push_back(
        WedgePatch{MakeRect(22.5 + 15 * i, 27, 15, 18), static_cast<int>(std::lround(i * 25.5))});
  }
  const double lp[] = {1.0, 1.5, 2.0, 2.5, 3.0};
  for (int row = 0; row < 2; ++row) {
    for (int i = 0; i < 5; ++i) {
      l.line_pairs.push_back(
          LinePairGroup{MakeRect(22 + 34 * i, row == 0 ? 74 : 96, 14, 14), lp[i], row == 0});
    }
  }
  // Row 1 steps through the thresholds; row 2 holds the rest, empties between the fills.
  struct Spec {
    const char* id;
    int ink;
    bool line;
  };
  const Spec rows[2][10] = {
      {{"empty-1", 0, false},
       {"fill-016", 4, false},
       {"fill-024", 6, false},
       {"fill-035", 9, false},
       {"fill-047", 12, false},
       {"fill-055", 14, false},
       {"fill-071", 18, false},
       {"fill-102", 26, false},
       {"line-1", 135, true},
       {"empty-2", 0, false}},
      {{"empty-3", 0, false},
       {"fill-251", 64, false},
       {"empty-4", 0, false},
       {"fill-502", 128, false},
       {"empty-5", 0, false},
       {"fill-1000", 255, false},
       {"empty-6", 0, false},
       {"line-2", 135, true},
       {"empty-7", 0, false},
       {"fill-071b", 18, false}},
  };
  for (int row = 0; row < 2; ++row) {
    for (int i = 0; i < 10; ++i) {
      const Spec& s = rows[row][i];
      l.targets.push_back(
          PreMarkedTarget{s.id, MakeRect(18 + 18 * i, row == 0 ? 134 : 150, 12, 7), s.ink, s.line});
    }
  }
  for (const double y : {61.0, 121.0, 171.0, 241.0})
    l.blank_bands.push_back(MakeRect(1, y, 208, 8));
  l.nominal_thresholds.set_definite(0.06);
  l.nominal_thresholds.set_marginal(0.03);
  return l;
}

absl::StatusOr<CalibrationMeasurement> MeasureCalibrationSheet(const GrayImage& image,
                                                               const CalibrationLayout& layout,
                                                               MeasureOptions options) {
  if (absl::Status s = ValidateGrayImage(image); !s.ok()) return s;
  if (options.nominal_dpi < 50 || options.nominal_dpi > 1200) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the scan's nominal resolution must be from 50 to 1200 dpi, not ", options.nominal_dpi));
  }
  if (layout.wedge.size() < 3 || layout.targets.empty() || layout.blank_bands.empty()) {
    return absl::InvalidArgumentError("the calibration layout is incomplete");
  }
  const cv::Mat mat(image.height, image.width, CV_8UC1,
                    const_cast<std::uint8_t*>(image.pixels.data()),
                    static_cast<std::size_t>(image.stride));
  CalibrationMeasurement m;
  CalibrationProfile& p = m.profile;
  p.set_format_version(kCalibrationProfileFormat);
  p.set_interpreter_version(kInterpreterVersion);
  p.set_layout_version(kCalibrationLayoutVersion);
  p.set_nominal_dpi(static_cast<std::uint32_t>(options.nominal_dpi));
  p.set_image_width_px(static_cast<std::uint32_t>(image.width));
  p.set_image_height_px(static_cast<std::uint32_t>(image.height));

  // Geometry from the fiducials.
  const BallotStyle style = layout.RegistrationStyle();
  const RegistrationResult reg = Registration().Register(mat, style, 0);
  if (!reg.ok()) {
    return Unmeasurable(absl::StrCat("the calibration sheet cannot be located: ", reg.detail));
  }
  const PageTransform& t = reg.transform;
  m.transform = t;
  m.fiducials = reg.found;
  const std::array<double, 6>& c = t.coefficients();
  const double nominal_px_per_mm = options.nominal_dpi / 25.4;
  p.set_skew_deg(Round(std::atan2(c[3], c[0]) * 180.0 / kPi, 1e-3));
  p.set_offset_x_mm(Round(c[2] / nominal_px_per_mm, 1e-3));
  p.set_offset_y_mm(Round(c[5] / nominal_px_per_mm, 1e-3));
  p.set_registration_residual_mm(Round(reg.residual_px / t.PixelsPerMm(), 1e-3));

  // Tone from the wedge, lightest step first.
  std::vector<RegionStats> steps;
  for (const WedgePatch& patch : layout.wedge) {
    steps.push_back(StatsOf(HistogramOf(mat, t, InsetRect(patch.area, 2.0))));
    if (steps.back().count < 16) {
      return Unmeasurable("the gray wedge lies outside the scan");
    }
  }
  const double black = steps.back().median;
  if (steps.front().median - black < 40) {
    return Unmeasurable(absl::StrFormat(
        "there is no gray wedge where the calibration sheet has one (its steps read %d to %d): "
        "this is not the calibration sheet, or the reader's lamp or sensor is not working",
        steps.front().median, steps.back().median));
  }
  for (std::size_t i = 1; i < steps.size(); ++i) {
    if (steps[i].median > steps[i - 1].median + 2) {
      return Unmeasurable(absl::StrFormat(
          "the gray wedge cannot be read: step %d (reflectance %.2f) is lighter than step %d "
          "(%.2f); the sheet is marked, dirty or not the calibration sheet",
          static_cast<int>(i) + 1, layout.wedge[i].reflectance(), static_cast<int>(i),
          layout.wedge[i - 1].reflectance()));
    }
  }

  // The sensor's white, column by column, under the blank bands.
  std::vector<Histogram> columns(static_cast<std::size_t>(image.width), Histogram{});
  for (const Rect& band : layout.blank_bands) {
    ForEachPixelIn(mat, t, band, [&](int col, int, std::uint8_t v) {
      ++columns[static_cast<std::size_t>(col)][v];
    });
  }
  m.sensor_white.assign(static_cast<std::size_t>(image.width), -1.0);
  std::vector<double> measured;
  for (int col = 0; col < image.width; ++col) {
    const Histogram& h = columns[static_cast<std::size_t>(col)];
    long long n = 0;
    for (long long v : h) n += v;
    if (n < kMinColumnSamples) continue;
    m.sensor_white[static_cast<std::size_t>(col)] = Percentile(h, n, 0.5);
    measured.push_back(m.sensor_white[static_cast<std::size_t>(col)]);
  }
  if (static_cast<int>(measured.size()) < kMinSensorColumns) {
    return Unmeasurable("the blank bands of the calibration sheet lie outside the scan");
  }
  const double white = NthPercentile(measured, 50);
  if (white - black < 40) {
    return Unmeasurable(absl::StrFormat(
        "the scan has almost no contrast (white %.0f, black %.0f): the lamp or sensor is not "
        "working, or this is not the calibration sheet",
        white, black));
  }
  p.set_white_level(white);
  p.set_black_level(black);
  p.set_dynamic_range(white - black);

  double tone_error = 0, variance_sum = 0, log_num = 0, log_den = 0;
  int noise_steps = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const double r = layout.wedge[i].reflectance();
    const double normalized = (steps[i].median - black) / (white - black);
    WedgePatchReading* w = p.add_wedge();
    w->set_nominal_reflectance(Round(r, 1e-4));
    w->set_gray_level(steps[i].median);
    w->set_normalized(Round(normalized, 1e-4));
    w->set_noise(Round(steps[i].sigma, 1e-3));
    tone_error = std::max(tone_error, std::abs(normalized - r));
    if (r >= 0.15 && r <= 0.85) {
      variance_sum += steps[i].sigma * steps[i].sigma;
      ++noise_steps;
      if (normalized > 0) {
        log_num += std::log(normalized) * std::log(r);
        log_den += std::log(r) * std::log(r);
      }
    }
  }
  p.set_tone_error(Round(tone_error, 1e-4));
  p.set_gamma(Round(log_den > 0 ? log_num / log_den : 1.0, 1e-3));
  p.set_noise(Round(noise_steps > 0 ? std::sqrt(variance_sum / noise_steps) : 0, 1e-3));

  // Uniformity and streaks across the sensor.
  const int neighbourhood =
      std::max(3, static_cast<int>(kStreakNeighbourhoodMm * nominal_px_per_mm));
  const int smoothing = std::max(3, static_cast<int>(kUniformitySmoothingMm * nominal_px_per_mm));
  std::vector<double> scratch;
  std::vector<double> local(static_cast<std::size_t>(image.width), -1.0);
  double smooth_min = 1e9, smooth_max = -1e9;
  int first_col = image.width, last_col = -1;
  for (int col = 0; col < image.width; ++col) {
    if (m.sensor_white[static_cast<std::size_t>(col)] < 0) continue;
    first_col = std::min(first_col, col);
    last_col = std::max(last_col, col);
  }
  for (int col = first_col; col <= last_col; ++col) {
    if (m.sensor_white[static_cast<std::size_t>(col)] < 0) continue;
    local[static_cast<std::size_t>(col)] = LocalMedian(m.sensor_white, col, neighbourhood, scratch);
    // The sheet's own edges are left out of the uniformity: their shadow is not the sensor's.
    if (col < first_col + smoothing || col > last_col - smoothing) continue;
    const double smooth = LocalMedian(m.sensor_white, col, smoothing, scratch);
    smooth_min = std::min(smooth_min, smooth);
    smooth_max = std::max(smooth_max, smooth);
  }
  p.set_uniformity(smooth_max >= smooth_min ? Round((smooth_max - smooth_min) / white, 1e-4) : 0);
  double worst = 0;
  for (int col = first_col; col <= last_col;) {
    auto drop_at = [&](int i) {
      const double w = m.sensor_white[static_cast<std::size_t>(i)];
      const double ref = local[static_cast<std::size_t>(i)];
      return w < 0 || ref <= 0 ? 0.0 : (ref - w) / ref;
    };
    if (drop_at(col) < kStreakDetection) {
      ++col;
      continue;
    }
    int end = col;
    double weight = 0, weighted = 0, strongest = 0;
    while (end <= last_col && drop_at(end) >= kStreakDetection) {
      const double d = drop_at(end);
      weight += d;
      weighted += d * (end + 0.5);
      strongest = std::max(strongest, d);
      ++end;
    }
    StreakReading* s = p.add_streaks();
    const double centre = weighted / weight;
    s->set_sensor_x_px(Round(centre, 1e-2));
    s->set_page_x_mm(Round(t.ToPage(centre, image.height / 2.0).x, 1e-2));
    s->set_width_px(static_cast<std::uint32_t>(end - col));
    s->set_strength(Round(strongest, 1e-4));
    worst = std::max(worst, strongest);
    col = end;
  }
  p.set_worst_streak_strength(Round(worst, 1e-4));

  // Scale from the rulers, read through the sensor's flat field.
  std::vector<double> flat(static_cast<std::size_t>(image.width), 1.0);
  for (std::size_t col = 0; col < flat.size(); ++col) {
    if (m.sensor_white[col] > 0) flat[col] = white / m.sensor_white[col];
  }
  const PageSampler sample{mat, t, flat};
  const RulerReading rx = MeasureRuler(sample, layout.ruler_x, white, black, &m.ruler_ticks_x);
  const RulerReading ry = MeasureRuler(sample, layout.ruler_y, white, black, &m.ruler_ticks_y);
  if (rx.ticks_found * 2 < layout.ruler_x.tick_count() ||
      ry.ticks_found * 2 < layout.ruler_y.tick_count()) {
    return Unmeasurable(absl::StrCat("the rulers cannot be read: found ", rx.ticks_found, " of ",
                                     layout.ruler_x.tick_count(), " ticks across and ",
                                     ry.ticks_found, " of ", layout.ruler_y.tick_count(),
                                     " along the feed"));
  }
  p.set_dpi_x(Round(rx.px_per_mm * 25.4, 1e-3));
  p.set_dpi_y(Round(ry.px_per_mm * 25.4, 1e-3));
  p.set_scale_x(Round(rx.px_per_mm / nominal_px_per_mm, 1e-5));
  p.set_scale_y(Round(ry.px_per_mm / nominal_px_per_mm, 1e-5));
  p.set_feed_stretch(Round(ry.px_per_mm / rx.px_per_mm - 1, 1e-5));
  p.set_ruler_linearity_x_mm(Round(rx.linearity_mm, 1e-3));
  p.set_ruler_linearity_y_mm(Round(ry.linearity_mm, 1e-3));
  p.set_ruler_ticks_found_x(static_cast<std::uint32_t>(rx.ticks_found));
  p.set_ruler_ticks_found_y(static_cast<std::uint32_t>(ry.ticks_found));

  // Sharpness from the line pairs: the finest group resolved with every coarser one.
  double resolved_x = 0, resolved_y = 0;
  bool broken_x = false, broken_y = false;
  for (const LinePairGroup& group : layout.line_pairs) {
    const double mod = Modulation(sample, group, white, black);
    LinePairReading* r = p.add_line_pairs();
    r->set_line_pairs_per_mm(group.lp_per_mm);
    r->set_profile_along_x(group.profile_along_x);
    r->set_modulation(Round(mod, 1e-4));
    bool& broken = group.profile_along_x ? broken_x : broken_y;
    double& resolved = group.profile_along_x ? resolved_x : resolved_y;
    if (mod >= kResolvedModulation && !broken) {
      resolved = std::max(resolved, group.lp_per_mm);
    } else {
      broken = true;
    }
  }
  p.set_resolved_x_lp_per_mm(resolved_x);
  p.set_resolved_y_lp_per_mm(resolved_y);

  // The pre-marked targets, scored as ballots are.
  const MarkScorerOptions scorer_options;
  std::vector<Rect> areas;
  for (const PreMarkedTarget& target : layout.targets) areas.push_back(target.area);
  const std::vector<int> scores = MarkScorer(mat, t, reg.ink_level, scorer_options).Score(areas);
  std::vector<double> fit_x, fit_y;
  int max_empty = 0, min_line = kScoreUnitsPerOne;
  for (std::size_t i = 0; i < layout.targets.size(); ++i) {
    const PreMarkedTarget& target = layout.targets[i];
    if (scores[i] < 0) {
      return Unmeasurable(absl::StrCat("target ", target.id, " lies outside the scan"));
    }
    const double darkness = layout.NominalDarkness(target, scorer_options.interior_inset_mm);
    CalibrationTargetReading* r = p.add_targets();
    r->set_id(target.id);
    r->set_nominal_darkness(Round(darkness, 1e-4));
    r->set_line(target.line);
    r->set_score_units(scores[i]);
    r->set_expected(target.line ? MARKED : ExpectedClass(darkness, layout.nominal_thresholds));
    if (target.line) {
      min_line = std::min(min_line, scores[i]);
    } else if (target.ink_255 == 0) {
      max_empty = std::max(max_empty, scores[i]);
    }
    if (!target.line && darkness <= kFitMaxDarkness) {
      fit_x.push_back(darkness);
      fit_y.push_back(static_cast<double>(scores[i]) / kScoreUnitsPerOne);
    }
  }
  const LineFit response = FitLine(fit_x, fit_y);
  p.set_target_gain(Round(response.slope, 1e-4));
  p.set_target_offset(Round(response.intercept, 1e-4));
  p.set_max_empty_units(max_empty);
  p.set_line_units(min_line);
  p.set_separation_units(min_line - max_empty);
  *p.mutable_nominal_thresholds() = layout.nominal_thresholds;
  // The levels this reader gives the nominal thresholds' darkness, in whole score units.
  auto recommended = [&](double nominal) {
    const double units = (response.slope * nominal + response.intercept) * kScoreUnitsPerOne;
    return std::clamp(static_cast<int>(std::lround(units)), 50, kScoreUnitsPerOne - 100);
  };
  const int definite = recommended(layout.nominal_thresholds.definite());
  const int marginal = std::min(definite, recommended(layout.nominal_thresholds.marginal()));
  p.mutable_recommended_thresholds()->set_definite(static_cast<double>(definite) /
                                                   kScoreUnitsPerOne);
  p.mutable_recommended_thresholds()->set_marginal(static_cast<double>(marginal) /
                                                   kScoreUnitsPerOne);
  for (CalibrationTargetReading& r : *p.mutable_targets()) {
    r.set_read_as(ClassifyScore(r.score_units(), p.recommended_thresholds()));
  }
  return m;
}

namespace {

CalibrationCheck* AddCheck(CalibrationProfile* p, const std::string& name,
                           const std::string& description, double measured, double min, double max,
                           const std::string& unit, const std::string& advice) {
  CalibrationCheck* c = p->add_checks();
  c->set_name(name);
  c->set_description(description);
  c->set_measured(measured);
  c->set_min(min);
  c->set_max(max);
  c->set_unit(unit);
  c->set_pass(measured >= min && measured <= max);
  c->set_advice(advice);
  return c;
}

}  // namespace

void EvaluateTolerances(const CalibrationTolerances& tol, CalibrationProfile* p) {
  p->clear_checks();
  const std::string feed = "check the feed rollers and the reader's speed setting";
  AddCheck(p, "registration", "registration marks agree with the sheet's geometry",
           p->registration_residual_mm(), 0, tol.max_registration_residual_mm, "mm",
           "the image is distorted: check the feed and the sensor's alignment");
  AddCheck(p, "scale_x", "resolution across the sensor, relative to nominal", p->scale_x(),
           1 - tol.max_scale_error, 1 + tol.max_scale_error, "",
           "the optics or the resolution setting are wrong: service the reader");
  AddCheck(p, "scale_y", "resolution along the feed, relative to nominal", p->scale_y(),
           1 - tol.max_scale_error, 1 + tol.max_scale_error, "", feed);
  AddCheck(p, "feed_stretch", "stretch along the feed relative to across", p->feed_stretch(),
           -tol.max_feed_stretch, tol.max_feed_stretch, "", feed);
  AddCheck(p, "ruler_linearity_x", "ruler ticks across the sensor on a straight line",
           p->ruler_linearity_x_mm(), 0, tol.max_ruler_linearity_mm, "mm",
           "the optics distort: service the reader");
  AddCheck(p, "ruler_linearity_y", "ruler ticks along the feed evenly spaced (even feed speed)",
           p->ruler_linearity_y_mm(), 0, tol.max_ruler_linearity_mm, "mm", feed);
  AddCheck(p, "skew", "sheet fed straight", p->skew_deg(), -tol.max_skew_deg, tol.max_skew_deg,
           "deg", "feed the sheet against the guide; check the guides and rollers");
  AddCheck(p, "offset_x", "sheet's left edge where the reader expects it", p->offset_x_mm(),
           -tol.max_offset_mm, tol.max_offset_mm, "mm", "check the feed guides");
  AddCheck(p, "offset_y", "sheet's leading edge where the reader expects it", p->offset_y_mm(),
           -tol.max_offset_mm, tol.max_offset_mm, "mm", "check the entry sensor");
  AddCheck(p, "white_level", "paper white", p->white_level(), tol.min_white_level, 255, "gray",
           "the lamp is weak or the gain is low: run the reader's own calibration");
  AddCheck(p, "black_level", "solid black", p->black_level(), 0, tol.max_black_level, "gray",
           "stray light or a high offset: close the cover, run the reader's own calibration");
  AddCheck(p, "dynamic_range", "white minus black", p->dynamic_range(), tol.min_dynamic_range, 255,
           "gray", "too little contrast: run the reader's own calibration or service it");
  AddCheck(p, "tone_response", "gray wedge read in proportion to its reflectance", p->tone_error(),
           0, tol.max_tone_error, "",
           "the sensor's response is not linear: run the reader's own calibration");
  AddCheck(p, "noise", "noise on flat gray", p->noise(), 0, tol.max_noise, "gray",
           "the sensor is noisy: service the reader");
  AddCheck(p, "uniformity", "white level even across the sensor", p->uniformity(), 0,
           tol.max_uniformity, "", "clean the glass and run the reader's own calibration");
  AddCheck(p, "streaks", "no lines from dirt on the sensor", p->worst_streak_strength(), 0,
           tol.max_streak_strength, "", "clean the sensor glass, then calibrate again");
  AddCheck(p, "resolution_x", "fine lines resolved across the sensor", p->resolved_x_lp_per_mm(),
           tol.min_resolved_lp_per_mm, 1000, "lp/mm", "the image is blurred: clean the optics");
  AddCheck(p, "resolution_y", "fine lines resolved along the feed", p->resolved_y_lp_per_mm(),
           tol.min_resolved_lp_per_mm, 1000, "lp/mm",
           "the image is blurred along the feed: check the feed speed and the optics");
  AddCheck(p, "empty_targets", "empty targets read empty",
           static_cast<double>(p->max_empty_units()) / kScoreUnitsPerOne, 0, tol.max_empty_score,
           "", "the image is dirty or noisy near the targets: clean the reader");
  AddCheck(p, "target_response", "pre-marked targets read at their printed darkness",
           p->target_gain(), tol.min_target_gain, tol.max_target_gain, "",
           "marks are read too light or too dark: run the reader's own calibration");
  AddCheck(p, "separation", "1 mm line clearly darker than any empty target",
           static_cast<double>(p->separation_units()) / kScoreUnitsPerOne, tol.min_separation, 1,
           "", "marks cannot be told from empty targets reliably: service the reader");
  AddCheck(p, "empty_margin", "recommended marginal threshold above every empty target",
           p->recommended_thresholds().marginal() -
               static_cast<double>(p->max_empty_units()) / kScoreUnitsPerOne,
           tol.min_empty_margin, 1, "",
           "empty targets read too dark: clean the reader and calibrate again");
  int wrong = 0;
  for (const CalibrationTargetReading& r : p->targets()) wrong += r.read_as() != r.expected();
  AddCheck(p, "target_classes",
           "every pre-marked target read as empty, marginal or marked as printed", wrong, 0, 0,
           "targets", "marks near the thresholds are misread: service the reader");
  bool pass = true;
  for (const CalibrationCheck& c : p->checks()) pass = pass && c.pass();
  p->set_pass(pass);
}

std::string FormatCalibrationReport(const CalibrationProfile& p) {
  std::string out = absl::StrFormat(
      "Calibration of reader %s, %s, sheet layout %d, %d dpi (%s)\n",
      p.reader_serial().empty() ? "(serial unknown)" : p.reader_serial(),
      p.created_unix() == 0
          ? std::string("(no date)")
          : absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::FromUnixSeconds(p.created_unix()),
                             absl::UTCTimeZone()),
      p.layout_version(), p.nominal_dpi(), p.interpreter_version());
  absl::StrAppendFormat(
      &out,
      "  measured: %.1f x %.1f dpi, feed stretch %+.2f%%, skew %+.2f deg, offset %+.1f / %+.1f "
      "mm\n  white %.0f, black %.0f, noise %.2f, gamma %.2f, uniformity %.1f%%, resolved "
      "%.1f / %.1f lp/mm\n",
      p.dpi_x(), p.dpi_y(), p.feed_stretch() * 100, p.skew_deg(), p.offset_x_mm(), p.offset_y_mm(),
      p.white_level(), p.black_level(), p.noise(), p.gamma(), p.uniformity() * 100,
      p.resolved_x_lp_per_mm(), p.resolved_y_lp_per_mm());
  int failed = 0;
  std::vector<std::string> failed_names;
  for (const CalibrationCheck& c : p.checks()) {
    std::string range;
    if (c.max() >= 1000 || (c.max() >= 255 && c.unit() == "gray") || c.max() == 1) {
      range = absl::StrFormat(">= %g", c.min());
    } else if (c.min() == 0) {
      range = absl::StrFormat("<= %g", c.max());
    } else if (c.min() == -c.max()) {
      range = absl::StrFormat("within +-%g", c.max());
    } else {
      range = absl::StrFormat("%g .. %g", c.min(), c.max());
    }
    absl::StrAppendFormat(&out, "  %s  %-18s %10.4g %-7s (%s)  %s\n", c.pass() ? "PASS" : "FAIL",
                          c.name(), c.measured(), c.unit(), range, c.description());
    if (!c.pass()) {
      ++failed;
      failed_names.push_back(c.name());
      absl::StrAppend(&out, "        -> ", c.advice(), "\n");
    }
  }
  for (const StreakReading& s : p.streaks()) {
    absl::StrAppendFormat(
        &out, "  streak at sensor pixel %.1f (sheet x %.1f mm), %d px wide, %.1f%% darker\n",
        s.sensor_x_px(), s.page_x_mm(), s.width_px(), s.strength() * 100);
  }
  absl::StrAppendFormat(
      &out,
      "  recommended mark thresholds: definite %.2f%% (%d units), marginal %.2f%% (%d units); "
      "1 mm line %d units, darkest empty %d units\n",
      p.recommended_thresholds().definite() * 100,
      ThresholdUnits(p.recommended_thresholds().definite()),
      p.recommended_thresholds().marginal() * 100,
      ThresholdUnits(p.recommended_thresholds().marginal()), p.line_units(), p.max_empty_units());
  if (failed == 0) {
    absl::StrAppendFormat(&out, "RESULT: PASS (%d checks)\n", p.checks_size());
  } else {
    absl::StrAppendFormat(&out, "RESULT: FAIL (%d of %d checks failed: %s)\n", failed,
                          p.checks_size(), absl::StrJoin(failed_names, ", "));
  }
  return out;
}

absl::Status CheckProfileForPolls(const CalibrationProfile& profile,
                                  const std::string& reader_serial, std::int64_t now_unix,
                                  std::int64_t max_age_seconds) {
  if (profile.format_version() == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "reader ", reader_serial,
        " has no calibration profile: a technician must calibrate it (esep calibrate) before the "
        "polls open"));
  }
  if (profile.format_version() > kCalibrationProfileFormat) {
    return absl::FailedPreconditionError(
        absl::StrCat("the calibration profile has format ", profile.format_version(),
                     "; this software reads "
                     "format ",
                     kCalibrationProfileFormat, ": calibrate the reader again with this software"));
  }
  if (profile.reader_serial().empty()) {
    return absl::FailedPreconditionError(
        "the calibration profile names no reader: calibrate with esep calibrate --reader, or give "
        "the reader's --serial-number when calibrating from a file");
  }
  if (profile.reader_serial() != reader_serial) {
    return absl::FailedPreconditionError(
        absl::StrCat("the calibration profile is of reader \"", profile.reader_serial(),
                     "\", not of reader \"", reader_serial, "\": calibrate this reader"));
  }
  const std::string date = absl::FormatTime(
      "%Y-%m-%d %H:%M UTC", absl::FromUnixSeconds(profile.created_unix()), absl::UTCTimeZone());
  bool all_pass = profile.checks_size() > 0;
  std::vector<std::string> failed;
  for (const CalibrationCheck& c : profile.checks()) {
    if (!c.pass()) {
      all_pass = false;
      failed.push_back(c.name());
    }
  }
  if (!profile.pass() || !all_pass) {
    return absl::FailedPreconditionError(
        absl::StrCat("reader ", reader_serial, " failed its calibration of ", date,
                     failed.empty() ? std::string(" (no checks recorded)")
                                    : absl::StrCat(" (", absl::StrJoin(failed, ", "), ")"),
                     ": service or clean the reader and calibrate it again"));
  }
  // Five minutes of clock difference between the technician's laptop and the reader are allowed.
  if (profile.created_unix() > now_unix + 300) {
    return absl::FailedPreconditionError(
        absl::StrCat("the calibration profile is dated ", date,
                     ", in the future: check the reader's clock, then calibrate again"));
  }
  const std::int64_t age = now_unix - profile.created_unix();
  if (age > max_age_seconds) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the calibration profile of reader %s is %d days old (at most %d accepted): calibrate the "
        "reader again",
        reader_serial, age / 86400, max_age_seconds / 86400));
  }
  const MarkThresholds& t = profile.recommended_thresholds();
  if (!(t.marginal() > 0 && t.marginal() <= t.definite() && t.definite() < 1)) {
    return absl::FailedPreconditionError(
        "the calibration profile's mark thresholds are unusable: calibrate the reader again");
  }
  return absl::OkStatus();
}

}  // namespace esep::vision
