#include "paper_lift.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "histogram.h"

namespace esep::vision {
namespace {

constexpr int kStrips = 24;
// A crease must darken at least this share of the strips that can tell (see Hidden), so no more
// than kStrips - kSupport of them may see no crease.
constexpr int kSupportPercent = 85;
constexpr int kSupport = (kStrips * kSupportPercent + 99) / 100;
// The strips at either end of the image that anchor a candidate line: the pairs (i, last - i).
constexpr int kAnchorPairs = 4;
constexpr double kMaxSlope = 0.15;
constexpr std::size_t kMaxCreases = 3;
constexpr std::size_t kMaxCandidates = 256;

struct Strips {
  int width = 0;                      // pixels summed per row
  int gap = 0;                        // rows between a row and the paper it is compared with
  std::vector<double> centre;         // image column of each strip's centre
  std::vector<std::vector<int>> dip;  // by strip, by row: darker than the paper on both sides
};

// The rows where a strip's `dip` peaks within [min, max], at most kMaxCandidates of them.
std::vector<int> Peaks(const std::vector<int>& dip, int min, int max) {
  std::vector<int> peaks;
  for (std::size_t r = 1; r + 1 < dip.size(); ++r) {
    const int d = dip[r];
    if (d < min || d > max || d < dip[r - 1] || d <= dip[r + 1]) continue;
    peaks.push_back(static_cast<int>(r));
    if (peaks.size() == kMaxCandidates) break;
  }
  return peaks;
}

// The row within `window` of `row` where the strip's dip peaks within [min, max], to a fraction
// of a row; negative when there is none.
double PeakNear(const std::vector<int>& dip, double row, int window, int min, int max) {
  const int centre = static_cast<int>(std::lround(row));
  int best = -1;
  for (int r = std::max(1, centre - window);
       r <= std::min(static_cast<int>(dip.size()) - 2, centre + window); ++r) {
    const int d = dip[static_cast<std::size_t>(r)];
    if (d < min || d > max) continue;
    if (best < 0 || d > dip[static_cast<std::size_t>(best)]) best = r;
  }
  if (best < 0) return -1;
  const double a = dip[static_cast<std::size_t>(best - 1)];
  const double b = dip[static_cast<std::size_t>(best)];
  const double c = dip[static_cast<std::size_t>(best + 1)];
  const double curvature = a - 2 * b + c;
  const double offset = curvature < 0 ? std::clamp(0.5 * (a - c) / curvature, -0.5, 0.5) : 0.0;
  return best + offset;
}

// Whether the strip cannot tell a crease within `window` of `row`: print or a mark lies at the
// distance the paper is compared at, so that the row is lighter than the "paper" beside it.
bool Hidden(const std::vector<int>& dip, double row, int window, int min_dip) {
  const int centre = static_cast<int>(std::lround(row));
  for (int r = std::max(0, centre - window);
       r <= std::min(static_cast<int>(dip.size()) - 1, centre + window); ++r) {
    if (dip[static_cast<std::size_t>(r)] <= -min_dip) return true;
  }
  return false;
}

}  // namespace

std::vector<Crease> FindCreases(const cv::Mat& image, double pixels_per_mm, int typical_paper) {
  std::vector<Crease> creases;
  if (image.empty() || typical_paper <= 0 || pixels_per_mm <= 0) return creases;
  Strips strips;
  strips.width = std::max(2, static_cast<int>(std::lround(0.75 * pixels_per_mm)));
  strips.gap = std::max(2, static_cast<int>(std::lround(1.1 * pixels_per_mm)));
  const int rows = image.rows;
  if (image.cols < 2 * kStrips * strips.width || rows < 8 * strips.gap) return creases;
  std::vector<int> first(kStrips);
  for (int s = 0; s < kStrips; ++s) {
    const double centre = image.cols * (0.04 + 0.92 * s / (kStrips - 1));
    first[static_cast<std::size_t>(s)] = static_cast<int>(centre) - strips.width / 2;
    strips.centre.push_back(first[static_cast<std::size_t>(s)] + 0.5 * strips.width);
  }
  std::vector<std::vector<int>> profile(kStrips, std::vector<int>(static_cast<std::size_t>(rows)));
  for (int r = 0; r < rows; ++r) {
    const std::uint8_t* row = image.ptr<std::uint8_t>(r);
    for (int s = 0; s < kStrips; ++s) {
      const std::uint8_t* p = row + first[static_cast<std::size_t>(s)];
      int sum = 0;
      for (int i = 0; i < strips.width; ++i) sum += p[i];
      profile[static_cast<std::size_t>(s)][static_cast<std::size_t>(r)] = sum;
    }
  }
  strips.dip.assign(kStrips, std::vector<int>(static_cast<std::size_t>(rows), 0));
  for (int s = 0; s < kStrips; ++s) {
    const std::vector<int>& p = profile[static_cast<std::size_t>(s)];
    std::vector<int>& d = strips.dip[static_cast<std::size_t>(s)];
    for (int r = strips.gap; r + strips.gap < rows; ++r) {
      d[static_cast<std::size_t>(r)] = std::min(p[static_cast<std::size_t>(r - strips.gap)],
                                                p[static_cast<std::size_t>(r + strips.gap)]) -
                                       p[static_cast<std::size_t>(r)];
    }
  }
  // Dips in strip sums: at least a sixteenth of the paper, under two fifths of it.
  const int min_dip = strips.width * std::max(8, typical_paper / 16);
  const int max_dip = strips.width * typical_paper * 2 / 5;
  const int window = 2;
  for (int pair = 0; pair < kAnchorPairs && creases.size() < kMaxCreases; ++pair) {
    const int a = pair, b = kStrips - 1 - pair;
    const double xa = strips.centre[static_cast<std::size_t>(a)];
    const double xb = strips.centre[static_cast<std::size_t>(b)];
    const std::vector<int> peaks_a =
        Peaks(strips.dip[static_cast<std::size_t>(a)], min_dip, max_dip);
    const std::vector<int> peaks_b =
        Peaks(strips.dip[static_cast<std::size_t>(b)], min_dip, max_dip);
    const int span = static_cast<int>(std::floor(kMaxSlope * (xb - xa)));
    for (const int ra : peaks_a) {
      for (auto it = std::lower_bound(peaks_b.begin(), peaks_b.end(), ra - span);
           it != peaks_b.end() && *it <= ra + span; ++it) {
        if (creases.size() >= kMaxCreases) break;
        const int rb = *it;
        const double slope = (rb - ra) / (xb - xa);
        // Already found (from another anchor pair)?
        const double mid = 0.5 * (xa + xb);
        const double row_mid = ra + slope * (mid - xa);
        if (std::any_of(creases.begin(), creases.end(), [&](const Crease& k) {
              return std::abs(k.row0 + k.slope * mid - row_mid) < 2 * strips.gap;
            })) {
          continue;
        }
        std::vector<double> xs, ys;
        int misses = 0;
        for (int s = 0; s < kStrips && misses <= kStrips - kSupport; ++s) {
          const double x = strips.centre[static_cast<std::size_t>(s)];
          const std::vector<int>& dip = strips.dip[static_cast<std::size_t>(s)];
          const double row = ra + slope * (x - xa);
          const double y = PeakNear(dip, row, window, min_dip, max_dip);
          if (y < 0) {
            if (!Hidden(dip, row, window, min_dip)) ++misses;
            continue;
          }
          xs.push_back(x);
          ys.push_back(y);
        }
        // Supported by 85% of the strips that can tell, and by at least half of them all.
        const int support = static_cast<int>(xs.size());
        if (support * 100 < kSupportPercent * (support + misses) || 2 * support < kStrips) {
          continue;
        }
        // The line through the strips' peaks, by least squares.
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (std::size_t i = 0; i < xs.size(); ++i) {
          sx += xs[i];
          sy += ys[i];
          sxx += xs[i] * xs[i];
          sxy += xs[i] * ys[i];
        }
        const double n = static_cast<double>(xs.size());
        const double det = n * sxx - sx * sx;
        if (det <= 0) continue;
        Crease k;
        k.slope = (n * sxy - sx * sy) / det;
        k.row0 = (sy - k.slope * sx) / n;
        creases.push_back(std::move(k));
      }
    }
  }
  // How much each crease darkens the paper at each row offset from it: the 85th percentile of
  // the levels along the line every 4 mm across the image (a mark or a printed line crosses it
  // only here and there), below the typical paper.
  const int col_step = std::max(1, static_cast<int>(std::lround(4 * pixels_per_mm)));
  std::vector<int> levels;
  for (Crease& k : creases) {
    k.reach = std::max(1, static_cast<int>(std::lround(1.2 * pixels_per_mm)));
    k.lift.assign(static_cast<std::size_t>(2 * k.reach + 1), 0);
    for (int o = -k.reach; o <= k.reach; ++o) {
      levels.clear();
      for (int c = col_step / 2; c < image.cols; c += col_step) {
        const double y = k.row0 + k.slope * c + o;
        if (y < 0 || y > rows - 1) continue;
        const int r0 = static_cast<int>(y);
        const int r1 = std::min(rows - 1, r0 + 1);
        const double f = y - r0;
        const double v =
            (1 - f) * image.at<std::uint8_t>(r0, c) + f * image.at<std::uint8_t>(r1, c);
        levels.push_back(static_cast<int>(std::lround(v)));
      }
      if (levels.size() < 4) continue;
      k.lift[static_cast<std::size_t>(o + k.reach)] =
          std::max(0, typical_paper - NthPercentile(levels, 85) - kLiftDeadZone);
    }
  }
  return creases;
}

PaperLift::PaperLift(std::vector<int> column, int first_column, std::vector<int> row,
                     std::vector<Crease> creases)
    : column_(std::move(column)),
      first_column_(first_column),
      row_(std::move(row)),
      creases_(std::move(creases)),
      creased_(row_.size(), 0) {
  const double last_column = first_column_ + static_cast<double>(column_.size());
  for (const Crease& k : creases_) {
    const double a = k.row0 + k.slope * first_column_, b = k.row0 + k.slope * last_column;
    const int from = static_cast<int>(std::floor(std::min(a, b))) - k.reach - 1;
    const int to = static_cast<int>(std::ceil(std::max(a, b))) + k.reach + 1;
    for (int r = std::max(0, from); r <= to && r < static_cast<int>(creased_.size()); ++r) {
      creased_[static_cast<std::size_t>(r)] = 1;
    }
  }
}

int PaperLift::CreaseLift(int r, int c) const {
  int up = 0;
  for (const Crease& k : creases_) {
    const double o = r - (k.row0 + k.slope * c);
    if (o <= -k.reach - 1 || o >= k.reach + 1) continue;
    // The pixel lies between two measured offsets: the larger lift of the two, as the crease's
    // line falls anywhere within the pixel.
    const int below = static_cast<int>(std::floor(o));
    for (const int i : {below, below + 1}) {
      if (i < -k.reach || i > k.reach) continue;
      up = std::max(up, k.lift[static_cast<std::size_t>(i + k.reach)]);
    }
  }
  return up;
}

}  // namespace esep::vision
