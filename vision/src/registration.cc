#include "esep/vision/registration.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace esep::vision {
namespace {

using Histogram = std::array<int, 256>;

// Euclidean distance through sqrt, which IEEE 754 rounds exactly on every machine (std::hypot
// need not).
double Distance(const PointPx& a, const PointPx& b) {
  const double dx = a.x - b.x, dy = a.y - b.y;
  return std::sqrt(dx * dx + dy * dy);
}

// Gray level below which a fraction `p` of the histogram's pixels lie.
int Percentile(const Histogram& hist, double p) {
  long long total = 0;
  for (int count : hist) total += count;
  const long long rank = static_cast<long long>(p * static_cast<double>(total));
  long long seen = 0;
  for (int level = 0; level < 256; ++level) {
    seen += hist[level];
    if (seen > rank) return level;
  }
  return 255;
}

// Integer box average of `roi` by factor f: deterministic on every CPU, unlike SIMD resizes.
// Rows are summed first (a loop the compiler vectorizes), then groups of f columns.
cv::Mat Downsample(const cv::Mat& image, const cv::Rect& roi, int f) {
  const int w = roi.width / f;
  const int h = roi.height / f;
  cv::Mat out(h, w, CV_8UC1);
  const int half = (f * f) / 2;
  const int span = w * f;
  std::vector<int> column_sums(static_cast<std::size_t>(span));
  for (int r = 0; r < h; ++r) {
    std::fill(column_sums.begin(), column_sums.end(), 0);
    for (int dy = 0; dy < f; ++dy) {
      const std::uint8_t* row = image.ptr<std::uint8_t>(roi.y + r * f + dy) + roi.x;
      int* sums = column_sums.data();
      for (int c = 0; c < span; ++c) sums[c] += row[c];
    }
    std::uint8_t* dst = out.ptr<std::uint8_t>(r);
    for (int c = 0; c < w; ++c) {
      int s = 0;
      for (int dx = 0; dx < f; ++dx) s += column_sums[static_cast<std::size_t>(c * f + dx)];
      dst[c] = static_cast<std::uint8_t>((s + half) / (f * f));
    }
  }
  return out;
}

struct Blob {
  long long area = 0;
  long long sum_x = 0;
  long long sum_y = 0;
  int min_x = 0, max_x = 0, min_y = 0, max_y = 0;
};

// 4-connected components of the pixels of `small` darker than `threshold`, in scan order.
std::vector<Blob> DarkBlobs(const cv::Mat& small, int threshold) {
  const int w = small.cols;
  const int h = small.rows;
  std::vector<int> label(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), -1);
  std::vector<Blob> blobs;
  std::vector<int> stack;
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const std::size_t i =
          static_cast<std::size_t>(r) * static_cast<std::size_t>(w) + static_cast<std::size_t>(c);
      if (label[i] >= 0 || small.at<std::uint8_t>(r, c) >= threshold) continue;
      const int id = static_cast<int>(blobs.size());
      Blob blob{0, 0, 0, c, c, r, r};
      label[i] = id;
      stack.assign(1, static_cast<int>(i));
      while (!stack.empty()) {
        const int p = stack.back();
        stack.pop_back();
        const int pr = p / w;
        const int pc = p % w;
        ++blob.area;
        blob.sum_x += pc;
        blob.sum_y += pr;
        blob.min_x = std::min(blob.min_x, pc);
        blob.max_x = std::max(blob.max_x, pc);
        blob.min_y = std::min(blob.min_y, pr);
        blob.max_y = std::max(blob.max_y, pr);
        const int neighbours[4][2] = {{pr - 1, pc}, {pr + 1, pc}, {pr, pc - 1}, {pr, pc + 1}};
        for (const auto& n : neighbours) {
          if (n[0] < 0 || n[0] >= h || n[1] < 0 || n[1] >= w) continue;
          const int q = n[0] * w + n[1];
          if (label[static_cast<std::size_t>(q)] >= 0 ||
              small.at<std::uint8_t>(n[0], n[1]) >= threshold) {
            continue;
          }
          label[static_cast<std::size_t>(q)] = id;
          stack.push_back(q);
        }
      }
      blobs.push_back(blob);
    }
  }
  return blobs;
}

struct MarkFound {
  PointPx center;
  double area_px = 0;  // refined area, pixels
  int paper = 255;
  int ink = 0;
  double distance = 0;  // from the expected place, pixels
};

// At most this many candidates per mark are kept; the combination that fits best wins.
constexpr std::size_t kMaxCandidates = 3;

// Looks for solid squares of side about `size_px` (the nominal scale may be off by 15%) in a
// window around `expected` (image px), nearest first.
std::vector<MarkFound> FindMarks(const cv::Mat& image, PointPx expected, double size_px,
                                 double px_per_mm, double radius_mm,
                                 const RegistrationLimits& limits) {
  std::vector<MarkFound> found;
  const int f = std::max(1, static_cast<int>(px_per_mm / 2.0));
  const double radius = radius_mm * px_per_mm + size_px / 2;
  const cv::Rect window = cv::Rect(static_cast<int>(std::floor(expected.x - radius)),
                                   static_cast<int>(std::floor(expected.y - radius)),
                                   static_cast<int>(2 * radius), static_cast<int>(2 * radius)) &
                          cv::Rect(0, 0, image.cols, image.rows);
  if (window.width < 4 * f || window.height < 4 * f) return found;
  const cv::Mat small = Downsample(image, window, f);
  Histogram hist{};
  for (int r = 0; r < small.rows; ++r) {
    const std::uint8_t* row = small.ptr<std::uint8_t>(r);
    for (int c = 0; c < small.cols; ++c) ++hist[row[c]];
  }
  const int paper = Percentile(hist, 0.90);
  const int dark = Percentile(hist, 0.002);
  if (paper - dark < limits.min_contrast) return found;
  // Marks are looked for in the ink darker than half-way to the paper; where none is found,
  // again in the near-black ink only (a sixth of the way): a commission stamp over a mark is
  // gray ink (40-200) that would otherwise join the mark into one larger blot, while the
  // printed mark under it stays black.
  for (const int mid : {(paper + dark) / 2, dark + (paper - dark) / 6}) {
    const double small_px_per_mm = px_per_mm / f;
    const double side_small = size_px / f;
    const double side_mm = size_px / px_per_mm;
    for (const Blob& blob : DarkBlobs(small, mid)) {
      const double area_mm2 = static_cast<double>(blob.area) / (small_px_per_mm * small_px_per_mm);
      const int bw = blob.max_x - blob.min_x + 1;
      const int bh = blob.max_y - blob.min_y + 1;
      const double fill = static_cast<double>(blob.area) / (bw * bh);
      if (area_mm2 < 0.4 * side_mm * side_mm || area_mm2 > 1.8 * side_mm * side_mm) continue;
      if (bw < 0.55 * side_small || bw > 1.5 * side_small + 2 || bh < 0.55 * side_small ||
          bh > 1.5 * side_small + 2 || fill < 0.6 || bw > 1.6 * bh || bh > 1.6 * bw) {
        continue;
      }
      if (blob.min_x == 0 || blob.min_y == 0 || blob.max_x == small.cols - 1 ||
          blob.max_y == small.rows - 1) {
        continue;  // cut by the window or the frame: its centre would be wrong
      }
      const double cx = window.x + (static_cast<double>(blob.sum_x) / blob.area + 0.5) * f;
      const double cy = window.y + (static_cast<double>(blob.sum_y) / blob.area + 0.5) * f;
      const double blob_side = std::sqrt(static_cast<double>(blob.area)) * f;

      // Refine at full resolution: a soft-thresholded centroid over a window around the blob.
      const int half = static_cast<int>(blob_side / 2 + 1.2 * px_per_mm);
      const cv::Rect fine = cv::Rect(static_cast<int>(cx) - half, static_cast<int>(cy) - half,
                                     2 * half + 1, 2 * half + 1) &
                            cv::Rect(0, 0, image.cols, image.rows);
      const int soft = std::max(4, (paper - dark) / 4);
      long long sum_w = 0, sum_wx = 0, sum_wy = 0;
      for (int r = fine.y; r < fine.y + fine.height; ++r) {
        const std::uint8_t* row = image.ptr<std::uint8_t>(r);
        for (int c = fine.x; c < fine.x + fine.width; ++c) {
          const int w = std::clamp((mid + soft - row[c]) * 256 / (2 * soft), 0, 256);
          sum_w += w;
          sum_wx += static_cast<long long>(w) * c;
          sum_wy += static_cast<long long>(w) * r;
        }
      }
      if (sum_w == 0) continue;
      const double fine_area = static_cast<double>(sum_w) / 256.0;
      if (fine_area < 0.4 * size_px * size_px || fine_area > 1.8 * size_px * size_px) continue;
      const PointPx center{static_cast<double>(sum_wx) / static_cast<double>(sum_w) + 0.5,
                           static_cast<double>(sum_wy) / static_cast<double>(sum_w) + 0.5};
      // A registration mark stands on clear paper: a band from 0.5 to 1.3 mm beyond its edges is
      // light. A filled target inside its printed box outline fails here.
      const double s = std::sqrt(fine_area);
      const double inner = 0.5 * s + 0.5 * px_per_mm, outer = 0.5 * s + 1.3 * px_per_mm;
      long long band = 0, band_dark = 0;
      const int step = std::max(1, static_cast<int>(px_per_mm / 4));
      for (double dy = -outer; dy <= outer; dy += step) {
        for (double dx = -outer; dx <= outer; dx += step) {
          if (std::max(std::abs(dx), std::abs(dy)) < inner * 1.05 + 1) continue;
          const int c = static_cast<int>(center.x + dx), r = static_cast<int>(center.y + dy);
          if (c < 0 || r < 0 || c >= image.cols || r >= image.rows) continue;
          ++band;
          if (image.at<std::uint8_t>(r, c) < mid) ++band_dark;
        }
      }
      if (band == 0 || band_dark * 20 > band) continue;  // more than 5% dark around it
      Histogram inner_hist{};
      const int q = std::max(1, static_cast<int>(s * 0.25));
      const cv::Rect core =
          cv::Rect(static_cast<int>(center.x) - q, static_cast<int>(center.y) - q, 2 * q, 2 * q) &
          cv::Rect(0, 0, image.cols, image.rows);
      for (int r = core.y; r < core.y + core.height; ++r) {
        const std::uint8_t* row = image.ptr<std::uint8_t>(r);
        for (int c = core.x; c < core.x + core.width; ++c) ++inner_hist[row[c]];
      }
      found.push_back(MarkFound{center, fine_area, paper, Percentile(inner_hist, 0.5),
                                Distance(center, expected)});
    }
    if (!found.empty()) break;
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const MarkFound& a, const MarkFound& b) { return a.distance < b.distance; });
  if (found.size() > kMaxCandidates) found.resize(kMaxCandidates);
  return found;
}

// Least-squares affine fit of image = A * page + t, deterministic (normal equations, no
// sampling). Returns false when the points are degenerate.
bool FitAffine(const std::vector<PointPx>& page, const std::vector<PointPx>& image,
               PageTransform* out) {
  const double n = static_cast<double>(page.size());
  double mx = 0, my = 0;
  for (const PointPx& p : page) mx += p.x, my += p.y;
  mx /= n;
  my /= n;
  double sxx = 0, sxy = 0, syy = 0, sxu = 0, syu = 0, sxv = 0, syv = 0, su = 0, sv = 0;
  for (std::size_t i = 0; i < page.size(); ++i) {
    const double x = page[i].x - mx;
    const double y = page[i].y - my;
    sxx += x * x;
    sxy += x * y;
    syy += y * y;
    sxu += x * image[i].x;
    syu += y * image[i].x;
    sxv += x * image[i].y;
    syv += y * image[i].y;
    su += image[i].x;
    sv += image[i].y;
  }
  const double det = sxx * syy - sxy * sxy;
  if (std::abs(det) < 1e-9 * (sxx * syy + 1e-12)) return false;
  const double a = (sxu * syy - syu * sxy) / det;
  const double b = (syu * sxx - sxu * sxy) / det;
  const double d = (sxv * syy - syv * sxy) / det;
  const double e = (syv * sxx - sxv * sxy) / det;
  const double c = su / n - a * mx - b * my;
  const double f = sv / n - d * mx - e * my;
  *out = PageTransform(a, b, c, d, e, f);
  return true;
}

}  // namespace

RegistrationResult Registration::Register(const cv::Mat& image, const BallotStyle& style,
                                          int orientation_degrees) const {
  // A sheet that lies straight is found in small windows; only when that fails is the whole
  // search area read.
  const double quick_radius_mm = std::min(limits_.quick_search_radius_mm, limits_.search_radius_mm);
  if (quick_radius_mm < limits_.search_radius_mm) {
    RegistrationResult quick = Register(image, style, orientation_degrees, quick_radius_mm);
    if (quick.ok()) return quick;
  }
  return Register(image, style, orientation_degrees, limits_.search_radius_mm);
}

RegistrationResult Registration::Register(const cv::Mat& image, const BallotStyle& style,
                                          int orientation_degrees, double radius_mm) const {
  RegistrationResult result;
  result.orientation_degrees = orientation_degrees;
  const bool flipped = orientation_degrees == 180;
  const double page_w = style.page_width_mm();
  const double page_h = style.page_height_mm();
  const int n = style.fiducials_size();
  if (image.empty() || page_w <= 0 || page_h <= 0 || n < 3) {
    result.reason = NOT_A_BALLOT_PAGE;
    result.detail = "the ballot style has no usable registration marks";
    return result;
  }
  // The reader images the sheet on a scan area at least as large as the sheet, so the page
  // spans at most the image: this nominal scale is an upper bound, good to about 15%. The
  // marks' own size gives the scale used for the checks below.
  const double px_per_mm = std::min(image.cols / page_w, image.rows / page_h);
  double min_size_mm = 1e9;
  for (const Fiducial& fid : style.fiducials()) min_size_mm = std::min(min_size_mm, fid.size_mm());
  if (min_size_mm * px_per_mm < 6.0) {
    result.reason = NOT_A_BALLOT_PAGE;
    result.detail = absl::StrFormat(
        "the image is %d x %d px: %.1f px/mm is too coarse to find the registration marks",
        image.cols, image.rows, px_per_mm);
    return result;
  }

  // Each mark is looked for near its place measured from the nearest image corner: a skewed
  // or shifted sheet on a larger scan area stays near the corners it started from.
  std::vector<std::vector<MarkFound>> candidates(static_cast<std::size_t>(n));
  int marks_seen = 0;
  for (int i = 0; i < n; ++i) {
    const Fiducial& fid = style.fiducials(i);
    const double x = flipped ? page_w - fid.center().x_mm() : fid.center().x_mm();
    const double y = flipped ? page_h - fid.center().y_mm() : fid.center().y_mm();
    const PointPx expected{x < page_w / 2 ? x * px_per_mm : image.cols - (page_w - x) * px_per_mm,
                           y < page_h / 2 ? y * px_per_mm : image.rows - (page_h - y) * px_per_mm};
    candidates[static_cast<std::size_t>(i)] =
        FindMarks(image, expected, fid.size_mm() * px_per_mm, px_per_mm, radius_mm, limits_);
    if (!candidates[static_cast<std::size_t>(i)].empty()) ++marks_seen;
  }
  result.found.assign(static_cast<std::size_t>(n), PointPx{});
  result.was_found.assign(static_cast<std::size_t>(n), false);
  if (marks_seen < 2) {
    result.reason = NOT_A_BALLOT_PAGE;
    result.detail = marks_seen == 0 ? "no registration marks found: not a ballot page"
                                    : "only one registration mark found: not a ballot page";
    return result;
  }
  if (marks_seen < n) {
    for (int i = 0; i < n; ++i) {
      const auto& c = candidates[static_cast<std::size_t>(i)];
      if (c.empty()) continue;
      result.found[static_cast<std::size_t>(i)] = c.front().center;
      result.was_found[static_cast<std::size_t>(i)] = true;
    }
    result.reason = REGISTRATION_FAILED;
    result.detail = absl::StrCat("found ", marks_seen, " of ", n,
                                 " registration marks; the page cannot be located reliably");
    return result;
  }

  // Every combination of candidates (at most 3 per mark), in a fixed order; the best fit wins.
  std::vector<PointPx> page_points;
  for (const Fiducial& fid : style.fiducials()) {
    page_points.push_back({fid.center().x_mm(), fid.center().y_mm()});
  }
  std::vector<std::size_t> choice(static_cast<std::size_t>(n), 0), best_choice;
  double best_residual = 0;
  PageTransform best_transform;
  std::vector<PointPx> image_points(static_cast<std::size_t>(n));
  while (true) {
    for (std::size_t i = 0; i < choice.size(); ++i) {
      image_points[i] = candidates[i][choice[i]].center;
    }
    PageTransform transform;
    if (FitAffine(page_points, image_points, &transform)) {
      double residual = 0;
      for (std::size_t i = 0; i < page_points.size(); ++i) {
        const PointPx p = transform.ToImage(page_points[i].x, page_points[i].y);
        residual = std::max(residual, Distance(p, image_points[i]));
      }
      const std::array<double, 6>& m = transform.coefficients();
      const bool right_way = flipped ? (m[0] < 0 && m[4] < 0) : (m[0] > 0 && m[4] > 0);
      if (transform.Determinant() > 0 && right_way &&
          (best_choice.empty() || residual < best_residual)) {
        best_choice = choice;
        best_residual = residual;
        best_transform = transform;
      }
    }
    std::size_t i = 0;
    while (i < choice.size() && ++choice[i] == candidates[i].size()) choice[i++] = 0;
    if (i == choice.size()) break;
  }
  if (best_choice.empty()) {
    result.reason = REGISTRATION_FAILED;
    result.detail = "the registration marks found are not in the style's arrangement";
    return result;
  }
  long long paper_sum = 0, ink_sum = 0;
  double area_scale_sum = 0;
  for (std::size_t i = 0; i < best_choice.size(); ++i) {
    const MarkFound& mark = candidates[i][best_choice[i]];
    result.found[i] = mark.center;
    result.was_found[i] = true;
    paper_sum += mark.paper;
    ink_sum += mark.ink;
    const double side_mm = style.fiducials(static_cast<int>(i)).size_mm();
    area_scale_sum += std::sqrt(mark.area_px) / side_mm;
  }
  result.paper_level = static_cast<int>(paper_sum / n);
  result.ink_level = static_cast<int>(ink_sum / n);
  // Quantized so that the serialized interpretation does not depend on the last bits.
  result.residual_px = std::round(best_residual * 1000.0) / 1000.0;
  result.transform = best_transform;
  const double mark_px_per_mm = area_scale_sum / n;
  const double scale = best_transform.PixelsPerMm() / mark_px_per_mm;
  if (std::abs(scale - 1.0) > limits_.max_scale_error) {
    result.reason = REGISTRATION_FAILED;
    result.detail = absl::StrFormat(
        "the registration marks' spacing and size disagree by %.1f%%: not this ballot style",
        (scale - 1) * 100);
  } else if (best_residual > limits_.max_residual_mm * best_transform.PixelsPerMm()) {
    result.reason = REGISTRATION_FAILED;
    result.detail = absl::StrFormat(
        "the registration marks disagree by %.2f mm (at most %.2f mm accepted): the page is "
        "distorted or a mark is damaged",
        best_residual / best_transform.PixelsPerMm(), limits_.max_residual_mm);
  }
  return result;
}

}  // namespace esep::vision
