#include "esep/vision/mark_scorer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "absl/strings/str_format.h"
#include "histogram.h"

namespace esep::vision {
namespace {

// Darkening of a whole column or row below this many gray levels is left alone (noise).
constexpr int kLiftDeadZone = 2;

struct PixelBox {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // half-open
  bool empty() const { return x1 <= x0 || y1 <= y0; }
};

// A half-open range of columns.
struct Span {
  int begin = 0;
  int end = 0;
  bool empty() const { return end <= begin; }
};

Span Intersect(const Span& a, const Span& b) {
  return {std::max(a.begin, b.begin), std::min(a.end, b.end)};
}

// The columns c for which lo <= a0 + da * c < hi.
Span Solve(double a0, double da, double lo, double hi) {
  constexpr int kFar = 1 << 30;
  if (std::abs(da) < 1e-12) return a0 >= lo && a0 < hi ? Span{-kFar, kFar} : Span{0, 0};
  double first = (lo - a0) / da, last = (hi - a0) / da;
  if (da < 0) std::swap(first, last);
  first = std::clamp(first, -1e9, 1e9);
  last = std::clamp(last, -1e9, 1e9);
  // da > 0: c >= first and c < last; da < 0: c > first and c <= last.
  const int begin = static_cast<int>(da > 0 ? std::ceil(first) : std::floor(first) + 1);
  const int end = static_cast<int>(da > 0 ? std::ceil(last) : std::floor(last) + 1);
  return {begin, end};
}

PixelBox ImageBox(const PageTransform& t, double x, double y, double w, double h, int cols,
                  int rows) {
  double min_u = 1e18, min_v = 1e18, max_u = -1e18, max_v = -1e18;
  for (const double px : {x, x + w}) {
    for (const double py : {y, y + h}) {
      const PointPx p = t.ToImage(px, py);
      min_u = std::min(min_u, p.x);
      max_u = std::max(max_u, p.x);
      min_v = std::min(min_v, p.y);
      max_v = std::max(max_v, p.y);
    }
  }
  PixelBox box;
  box.x0 = std::clamp(static_cast<int>(std::floor(min_u)), 0, cols);
  box.y0 = std::clamp(static_cast<int>(std::floor(min_v)), 0, rows);
  box.x1 = std::clamp(static_cast<int>(std::ceil(max_u)) + 1, 0, cols);
  box.y1 = std::clamp(static_cast<int>(std::ceil(max_v)) + 1, 0, rows);
  return box;
}

}  // namespace

int ThresholdUnits(double threshold) {
  return static_cast<int>(std::lround(threshold * kScoreUnitsPerOne));
}

MarkClass ClassifyScore(int score_units, const MarkThresholds& thresholds) {
  if (score_units >= ThresholdUnits(thresholds.definite())) return MARKED;
  if (score_units >= ThresholdUnits(thresholds.marginal())) return MARGINAL;
  return EMPTY;
}

std::string FormatThresholds(const MarkThresholds& thresholds, const std::string& source) {
  return absl::StrFormat(
      "mark thresholds (%s), as a fraction of the target interior darkened relative to the "
      "paper around it:\n"
      "  marked    score >= %.2f%% (%d units of 1/%d)\n"
      "  marginal  score >= %.2f%% (%d units): neither vote nor non-vote, the ballot is returned\n"
      "  empty     score <  %.2f%%\n",
      source, thresholds.definite() * 100, ThresholdUnits(thresholds.definite()), kScoreUnitsPerOne,
      thresholds.marginal() * 100, ThresholdUnits(thresholds.marginal()),
      thresholds.marginal() * 100);
}

MarkScorer::MarkScorer(const cv::Mat& image, const PageTransform& transform, int ink_level,
                       MarkScorerOptions options)
    : image_(image), transform_(transform), ink_level_(ink_level), options_(options) {}

std::vector<int> MarkScorer::Score(const std::vector<Rect>& areas) const {
  std::vector<int> scores(areas.size(), -1);
  if (areas.empty() || image_.empty()) return scores;
  const double ro = options_.ring_outer_mm;
  const double ri = options_.ring_inner_mm;
  const double inset = options_.interior_inset_mm;

  std::vector<PixelBox> boxes;
  PixelBox band{image_.cols, 0, 0, 0};
  for (const Rect& a : areas) {
    boxes.push_back(ImageBox(transform_, a.x_mm() - ro, a.y_mm() - ro, a.width_mm() + 2 * ro,
                             a.height_mm() + 2 * ro, image_.cols, image_.rows));
    if (boxes.back().empty()) continue;
    band.x0 = std::min(band.x0, boxes.back().x0);
    band.x1 = std::max(band.x1, boxes.back().x1);
  }
  if (band.x1 <= band.x0) return scores;

  // Each column's paper level over the whole image height: a streak darkens all of it, a mark
  // or a printed box only a part.
  const int band_width = band.x1 - band.x0;
  const int row_step = std::max(1, static_cast<int>(transform_.PixelsPerMm()));
  std::vector<Histogram> column_hist(static_cast<std::size_t>(band_width), Histogram{});
  long long samples = 0;
  for (int r = row_step / 2; r < image_.rows; r += row_step) {
    const std::uint8_t* row = image_.ptr<std::uint8_t>(r) + band.x0;
    for (int c = 0; c < band_width; ++c) ++column_hist[static_cast<std::size_t>(c)][row[c]];
    ++samples;
  }
  std::vector<int> column_level(static_cast<std::size_t>(band_width));
  for (int c = 0; c < band_width; ++c) {
    column_level[static_cast<std::size_t>(c)] =
        Percentile(column_hist[static_cast<std::size_t>(c)], samples, 0.85);
  }
  std::vector<int> sorted = column_level;
  std::nth_element(sorted.begin(), sorted.begin() + band_width / 2, sorted.end());
  const int typical_paper = sorted[static_cast<std::size_t>(band_width / 2)];
  std::vector<int> lift(static_cast<std::size_t>(band_width));
  for (int c = 0; c < band_width; ++c) {
    lift[static_cast<std::size_t>(c)] =
        std::max(0, typical_paper - column_level[static_cast<std::size_t>(c)] - kLiftDeadZone);
  }

  // The same for each image row the target interiors cover, sampled across the whole width: a
  // fold or a horizontal scanner line crosses the page, a mark stays in its box.
  std::vector<int> row_lift(static_cast<std::size_t>(image_.rows), 0);
  {
    std::vector<char> needed(static_cast<std::size_t>(image_.rows), 0);
    for (const Rect& a : areas) {
      const PixelBox box =
          ImageBox(transform_, a.x_mm() + inset, a.y_mm() + inset, a.width_mm() - 2 * inset,
                   a.height_mm() - 2 * inset, image_.cols, image_.rows);
      for (int r = box.y0; r < box.y1; ++r) needed[static_cast<std::size_t>(r)] = 1;
    }
    const int col_step = std::max(1, static_cast<int>(4 * transform_.PixelsPerMm()));
    std::vector<int> row_level(static_cast<std::size_t>(image_.rows), -1);
    std::vector<std::uint8_t> samples_in_row;
    std::vector<int> levels;
    for (int r = 0; r < image_.rows; ++r) {
      if (!needed[static_cast<std::size_t>(r)]) continue;
      const std::uint8_t* row = image_.ptr<std::uint8_t>(r);
      samples_in_row.clear();
      for (int c = col_step / 2; c < image_.cols; c += col_step) samples_in_row.push_back(row[c]);
      const std::size_t rank = samples_in_row.size() * 85 / 100;
      std::nth_element(samples_in_row.begin(), samples_in_row.begin() + static_cast<long>(rank),
                       samples_in_row.end());
      row_level[static_cast<std::size_t>(r)] = samples_in_row[rank];
      levels.push_back(samples_in_row[rank]);
    }
    if (!levels.empty()) {
      std::nth_element(levels.begin(), levels.begin() + static_cast<long>(levels.size() / 2),
                       levels.end());
      const int typical_row = levels[levels.size() / 2];
      for (int r = 0; r < image_.rows; ++r) {
        const int level = row_level[static_cast<std::size_t>(r)];
        if (level >= 0) {
          row_lift[static_cast<std::size_t>(r)] = std::max(0, typical_row - level - kLiftDeadZone);
        }
      }
    }
  }

  const PointPx origin = transform_.ToPage(0.5, 0.5);
  const PointPx step_c = transform_.ToPage(1.5, 0.5);
  const PointPx step_r = transform_.ToPage(0.5, 1.5);
  const double dxc = step_c.x - origin.x, dyc = step_c.y - origin.y;
  const double dxr = step_r.x - origin.x, dyr = step_r.y - origin.y;

  for (std::size_t t = 0; t < areas.size(); ++t) {
    const PixelBox& box = boxes[t];
    if (box.empty()) continue;
    const Rect& a = areas[t];
    const double ix0 = a.x_mm() + inset, ix1 = a.x_mm() + a.width_mm() - inset;
    const double iy0 = a.y_mm() + inset, iy1 = a.y_mm() + a.height_mm() - inset;
    const double gx0 = a.x_mm() - ri, gx1 = a.x_mm() + a.width_mm() + ri;
    const double gy0 = a.y_mm() - ri, gy1 = a.y_mm() + a.height_mm() + ri;
    const double ox0 = a.x_mm() - ro, ox1 = a.x_mm() + a.width_mm() + ro;
    const double oy0 = a.y_mm() - ro, oy1 = a.y_mm() + a.height_mm() + ro;
    Histogram ring{};
    long long ring_count = 0;
    long long interior_sum = 0;
    long long interior_count = 0;
    for (int r = box.y0; r < box.y1; ++r) {
      const std::uint8_t* row = image_.ptr<std::uint8_t>(r);
      const int row_up = row_lift[static_cast<std::size_t>(r)];
      const int* column_up = lift.data() - band.x0;
      // Page coordinates along this row: x = xr + dxc * c, y = yr + dyc * c.
      const double xr = origin.x + dxr * r, yr = origin.y + dyr * r;
      const Span outer = Intersect(Intersect(Solve(xr, dxc, ox0, ox1), Solve(yr, dyc, oy0, oy1)),
                                   Span{box.x0, box.x1});
      if (outer.empty()) continue;
      const Span guard =
          Intersect(Intersect(Solve(xr, dxc, gx0, gx1), Solve(yr, dyc, gy0, gy1)), outer);
      const Span inner =
          Intersect(Intersect(Solve(xr, dxc, ix0, ix1), Solve(yr, dyc, iy0, iy1)), guard);
      auto level = [&](int c) { return std::min(255, row[c] + std::max(row_up, column_up[c])); };
      const int ring_end = guard.empty() ? outer.end : guard.begin;
      for (int c = outer.begin; c < ring_end; ++c) ++ring[static_cast<std::size_t>(level(c))];
      ring_count += ring_end - outer.begin;
      if (!guard.empty()) {
        for (int c = guard.end; c < outer.end; ++c) ++ring[static_cast<std::size_t>(level(c))];
        ring_count += outer.end - guard.end;
      }
      for (int c = inner.begin; c < inner.end; ++c) interior_sum += level(c);
      if (!inner.empty()) interior_count += inner.end - inner.begin;
    }
    if (interior_count == 0) continue;
    const int paper = ring_count >= 16 ? Percentile(ring, ring_count, 0.5) : typical_paper;
    const long long range = std::max(16, paper - ink_level_);
    const long long darkening = paper * interior_count - interior_sum;
    const long long denominator = interior_count * range;
    long long units =
        darkening <= 0 ? 0 : (darkening * kScoreUnitsPerOne + denominator / 2) / denominator;
    scores[t] = static_cast<int>(std::min<long long>(units, kScoreUnitsPerOne));
  }
  return scores;
}

}  // namespace esep::vision
