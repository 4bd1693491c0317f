#include "esep/render/marks.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <opencv2/imgproc.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"
#include "esep/render/random.h"
#include "esep/render/render.h"

namespace esep::render {
namespace {

constexpr int kShift = 4;  // OpenCV sub-pixel drawing: coordinates in 1/16 pixel
constexpr double kSubPixel = 1 << kShift;

constexpr double kPenStrokeMm = 0.7;
constexpr double kPencilLineMm = 1.0;
constexpr double kStrayStrokeMm = 0.5;
constexpr double kCheckMinScore = 0.08;  // a tick is widened, never below this score

// Drawing of one mark: a coverage mask over a region of interest of the page, then composited
// with a darkness (1 - ink / paper) and a per-pixel grain.
class MarkCanvas {
 public:
  // `roi` in page pixels; the mask covers it.
  explicit MarkCanvas(const cv::Rect& roi) : roi_(roi), mask_(roi.size(), CV_8UC1, cv::Scalar(0)) {}

  cv::Point ToFixed(cv::Point2d p) const {
    return {static_cast<int>(std::lround((p.x - roi_.x) * kSubPixel)),
            static_cast<int>(std::lround((p.y - roi_.y) * kSubPixel))};
  }

  void FillPolygon(const std::vector<cv::Point2d>& points) {
    std::vector<cv::Point> fixed;
    fixed.reserve(points.size());
    for (const cv::Point2d& p : points) fixed.push_back(ToFixed(p));
    const std::vector<std::vector<cv::Point>> polys = {fixed};
    cv::fillPoly(mask_, polys, cv::Scalar(255), cv::LINE_AA, kShift);
  }

  // A pen or pencil stroke along `points`, `width` pixels wide, with round joins and (when
  // `round_caps`) round ends.
  void Stroke(const std::vector<cv::Point2d>& points, double width, bool round_caps) {
    const double half = width / 2;
    for (std::size_t i = 0; i + 1 < points.size(); ++i) {
      const cv::Point2d a = points[i], b = points[i + 1];
      const cv::Point2d d = b - a;
      const double len = std::hypot(d.x, d.y);
      if (len <= 0) continue;
      const cv::Point2d n(-d.y / len * half, d.x / len * half);
      const cv::Point quad[4] = {ToFixed(a + n), ToFixed(b + n), ToFixed(b - n), ToFixed(a - n)};
      cv::fillConvexPoly(mask_, quad, 4, cv::Scalar(255), cv::LINE_AA, kShift);
    }
    for (std::size_t i = 0; i < points.size(); ++i) {
      const bool end = i == 0 || i + 1 == points.size();
      if (end && !round_caps) continue;
      cv::circle(mask_, ToFixed(points[i]), static_cast<int>(std::lround(half * kSubPixel)),
                 cv::Scalar(255), cv::FILLED, cv::LINE_AA, kShift);
    }
  }

  // Keeps only what lies inside `clip` (page pixels): nothing leaves it.
  void Clip(const cv::Rect2d& clip) {
    for (int y = 0; y < mask_.rows; ++y) {
      const double cy = roi_.y + y + 0.5;
      unsigned char* row = mask_.ptr<unsigned char>(y);
      for (int x = 0; x < mask_.cols; ++x) {
        const double cx = roi_.x + x + 0.5;
        if (cx < clip.x || cx > clip.x + clip.width || cy < clip.y || cy > clip.y + clip.height) {
          row[x] = 0;
        }
      }
    }
  }

  // Per-pixel multiplicative grain with mean 1 and +-`amplitude`, drawn over the whole region in
  // raster order.
  void SetGrain(Rng& rng, double amplitude) {
    grain_.create(mask_.size(), CV_64FC1);
    for (int y = 0; y < grain_.rows; ++y) {
      double* row = grain_.ptr<double>(y);
      for (int x = 0; x < grain_.cols; ++x) row[x] = 1.0 + amplitude * (2 * rng.Uniform() - 1);
    }
  }

  // Mean of coverage x grain over `region` (page pixels), the darkness a unit-darkness ink would
  // give that region on white paper.
  double MeanCoverage(const cv::Rect& region) const {
    const cv::Rect r = (region - roi_.tl()) & cv::Rect(cv::Point(0, 0), mask_.size());
    if (r.area() == 0) return 0;
    double sum = 0;
    for (int y = r.y; y < r.y + r.height; ++y) {
      for (int x = r.x; x < r.x + r.width; ++x) sum += Coverage(x, y);
    }
    return sum / static_cast<double>(region.area());
  }

  // Darkens the page under the mask: pixel *= 1 - darkness * coverage * grain.
  void Composite(cv::Mat& page, double darkness) const {
    for (int y = 0; y < mask_.rows; ++y) {
      unsigned char* dst = page.ptr<unsigned char>(roi_.y + y) + roi_.x;
      for (int x = 0; x < mask_.cols; ++x) {
        const double c = Coverage(x, y);
        if (c <= 0) continue;
        const double factor = std::clamp(1.0 - darkness * c, 0.0, 1.0);
        dst[x] = cv::saturate_cast<unsigned char>(std::lround(dst[x] * factor));
      }
    }
  }

 private:
  double Coverage(int x, int y) const {
    const double c = mask_.at<unsigned char>(y, x) / 255.0;
    return grain_.empty() ? c : c * grain_.at<double>(y, x);
  }

  cv::Rect roi_;
  cv::Mat mask_;
  cv::Mat grain_;
};

// A hand-drawn segment: `a` to `b` with a smooth sideways wobble of up to `amplitude` pixels.
std::vector<cv::Point2d> WobblyLine(cv::Point2d a, cv::Point2d b, double amplitude, Rng& rng) {
  const cv::Point2d d = b - a;
  const double len = std::hypot(d.x, d.y);
  const int n = std::max(4, static_cast<int>(len / 4));
  const cv::Point2d normal = len > 0 ? cv::Point2d(-d.y / len, d.x / len) : cv::Point2d(0, 0);
  const double f1 = rng.Uniform(0.5, 1.5), f2 = rng.Uniform(1.5, 3.0);
  const double p1 = rng.Uniform(0, 2 * std::numbers::pi), p2 = rng.Uniform(0, 2 * std::numbers::pi);
  std::vector<cv::Point2d> points;
  for (int i = 0; i <= n; ++i) {
    const double t = static_cast<double>(i) / n;
    const double w = amplitude * (0.6 * std::sin(2 * std::numbers::pi * f1 * t + p1) +
                                  0.4 * std::sin(2 * std::numbers::pi * f2 * t + p2));
    points.push_back(a + d * t + normal * w);
  }
  return points;
}

cv::Point2d Rotate(cv::Point2d p, cv::Point2d centre, double radians) {
  const double c = std::cos(radians), s = std::sin(radians);
  const cv::Point2d v = p - centre;
  return centre + cv::Point2d(c * v.x - s * v.y, s * v.x + c * v.y);
}

// A polygon along the edges of `box` (page pixels), each edge moved inwards by a random amount in
// [inset_min, inset_max] and jittered by up to `jitter` pixels every few pixels.
std::vector<cv::Point2d> RaggedBox(const cv::Rect2d& box, double inset_min, double inset_max,
                                   double jitter, Rng& rng) {
  const double left = box.x + rng.Uniform(inset_min, inset_max);
  const double right = box.x + box.width - rng.Uniform(inset_min, inset_max);
  const double top = box.y + rng.Uniform(inset_min, inset_max);
  const double bottom = box.y + box.height - rng.Uniform(inset_min, inset_max);
  const cv::Point2d corners[4] = {{left, top}, {right, top}, {right, bottom}, {left, bottom}};
  std::vector<cv::Point2d> points;
  for (int side = 0; side < 4; ++side) {
    const cv::Point2d a = corners[side], b = corners[(side + 1) % 4];
    const cv::Point2d d = b - a;
    const double len = std::hypot(d.x, d.y);
    const int n = std::max(2, static_cast<int>(len / 8));
    const cv::Point2d inward = len > 0 ? cv::Point2d(-d.y / len, d.x / len) : cv::Point2d(0, 0);
    for (int i = 0; i < n; ++i) {
      const double t = static_cast<double>(i) / n;
      // Inward for a clockwise polygon in image coordinates (y down) is the left normal.
      points.push_back(a + d * t + inward * (jitter * rng.Uniform()));
    }
  }
  return points;
}

struct TargetGeometry {
  cv::Rect2d box;     // page pixels
  cv::Rect roi;       // drawing region: box plus a margin, clipped to the page
  cv::Rect2d clip;    // box plus kMarkOverreachMm
  cv::Rect interior;  // scored interior
  double k;           // pixels per mm
};

TargetGeometry Geometry(const Rect& area, int dpi, const cv::Size& page) {
  TargetGeometry g;
  g.k = dpi / 25.4;
  g.box = cv::Rect2d(area.x_mm() * g.k, area.y_mm() * g.k, area.width_mm() * g.k,
                     area.height_mm() * g.k);
  const double reach = kMarkOverreachMm * g.k;
  g.clip = cv::Rect2d(g.box.x - reach, g.box.y - reach, g.box.width + 2 * reach,
                      g.box.height + 2 * reach);
  const int x0 = static_cast<int>(std::floor(g.clip.x)) - 2;
  const int y0 = static_cast<int>(std::floor(g.clip.y)) - 2;
  const int x1 = static_cast<int>(std::ceil(g.clip.x + g.clip.width)) + 2;
  const int y1 = static_cast<int>(std::ceil(g.clip.y + g.clip.height)) + 2;
  g.roi = cv::Rect(x0, y0, x1 - x0, y1 - y0) & cv::Rect(cv::Point(0, 0), page);
  g.interior = TargetInterior(area, dpi, page);
  return g;
}

cv::Point2d AtUnit(const cv::Rect2d& box, double u, double v) {
  return {box.x + u * box.width, box.y + v * box.height};
}

// A pen's stroke width (mm) and ink gray level as a gray scanner sees it (docs/vision.md).
struct PenInk {
  double width_lo, width_hi;
  double gray_lo, gray_hi;
};

PenInk InkOf(Pen pen) {
  switch (pen) {
    case BLACK_BALLPOINT:
      return {0.35, 0.5, 45, 80};
    case BLUE_BALLPOINT:
      return {0.35, 0.5, 95, 135};
    case RED_BALLPOINT:
      return {0.35, 0.5, 125, 150};
    case FELT_PEN:
      return {0.8, 1.0, 25, 50};
    default:
      return {kPenStrokeMm, kPenStrokeMm, 25, 50};
  }
}

void DrawMark(cv::Mat& page, TargetGeometry g, const MarkSpec& spec, Rng& rng) {
  const MarkStyle style = spec.style();
  const Pen pen = spec.pen();
  const PenInk ink = InkOf(pen);
  const double k = g.k;
  // A mark that runs over the box edge by more than the usual half millimetre.
  const double over = spec.overreach_mm() * k;
  if (spec.overreach_mm() > kMarkOverreachMm) {
    const double reach = over + 0.3 * k;
    g.clip = cv::Rect2d(g.box.x - reach, g.box.y - reach, g.box.width + 2 * reach,
                        g.box.height + 2 * reach);
    g.roi = cv::Rect(static_cast<int>(std::floor(g.clip.x)) - 2,
                     static_cast<int>(std::floor(g.clip.y)) - 2,
                     static_cast<int>(std::ceil(g.clip.width)) + 5,
                     static_cast<int>(std::ceil(g.clip.height)) + 5) &
            cv::Rect(0, 0, page.cols, page.rows);
  }
  const cv::Point2d centre(g.box.x + g.box.width / 2, g.box.y + g.box.height / 2);
  MarkCanvas canvas(g.roi);
  double darkness = 0;
  switch (style) {
    case FILLED: {
      canvas.FillPolygon(RaggedBox(g.box, -0.3 * k, 0.35 * k, 0.2 * k, rng));
      darkness = 1.0 - (pen == PEN_UNSPECIFIED ? rng.Uniform(25, 60)
                                               : rng.Uniform(ink.gray_lo, ink.gray_hi)) /
                           255.0;
      canvas.SetGrain(rng, 0.06);
      break;
    }
    case CHECK:
    case CROSS: {
      const double angle = rng.Uniform(-6, 6) * std::numbers::pi / 180;
      const cv::Point2d offset(rng.Uniform(-0.3, 0.3) * k, rng.Uniform(-0.3, 0.3) * k);
      std::vector<std::vector<cv::Point2d>> strokes;
      if (style == CHECK) {
        const cv::Point2d a = AtUnit(g.box, rng.Uniform(0.06, 0.12), rng.Uniform(0.42, 0.55));
        const cv::Point2d b = AtUnit(g.box, rng.Uniform(0.34, 0.42), rng.Uniform(0.84, 0.94));
        cv::Point2d c = AtUnit(g.box, rng.Uniform(0.90, 0.97), rng.Uniform(0.03, 0.10));
        if (over > 0) c = cv::Point2d(g.box.x + g.box.width + over, g.box.y - over);
        std::vector<cv::Point2d> tick = WobblyLine(a, b, 0.1 * k, rng);
        std::vector<cv::Point2d> rest = WobblyLine(b, c, 0.15 * k, rng);
        tick.insert(tick.end(), rest.begin() + 1, rest.end());
        strokes.push_back(tick);
      } else {
        const cv::Point2d a = AtUnit(g.box, rng.Uniform(0.04, 0.12), rng.Uniform(0.06, 0.16));
        const cv::Point2d b = AtUnit(g.box, rng.Uniform(0.88, 0.96), rng.Uniform(0.84, 0.94));
        const cv::Point2d c = AtUnit(g.box, rng.Uniform(0.88, 0.96), rng.Uniform(0.06, 0.16));
        const cv::Point2d d = AtUnit(g.box, rng.Uniform(0.04, 0.12), rng.Uniform(0.84, 0.94));
        if (over > 0) {
          const double x0 = g.box.x - over, x1 = g.box.x + g.box.width + over;
          const double y0 = g.box.y - over, y1 = g.box.y + g.box.height + over;
          strokes.push_back(WobblyLine({x0, y0}, {x1, y1}, 0.15 * k, rng));
          strokes.push_back(WobblyLine({x1, y0}, {x0, y1}, 0.15 * k, rng));
        } else {
          strokes.push_back(WobblyLine(a, b, 0.15 * k, rng));
          strokes.push_back(WobblyLine(c, d, 0.15 * k, rng));
        }
      }
      for (auto& stroke : strokes) {
        for (cv::Point2d& p : stroke) p = Rotate(p, centre, angle) + offset;
      }
      const double width = pen == PEN_UNSPECIFIED ? kPenStrokeMm * k * rng.Uniform(0.95, 1.1)
                                                  : k * rng.Uniform(ink.width_lo, ink.width_hi);
      darkness = 1.0 - rng.Uniform(ink.gray_lo, ink.gray_hi) / 255.0;
      for (const auto& stroke : strokes) canvas.Stroke(stroke, width, true);
      canvas.Clip(g.clip);
      if (style == CHECK && pen == PEN_UNSPECIFIED) {
        // On an unusually large box a tick of the usual pen would score too little: draw it
        // again with a wider stroke (at most twice the pen width).
        const double score = canvas.MeanCoverage(g.interior) * darkness;
        if (score > 0 && score < kCheckMinScore) {
          const double wider = width * std::min(2.0, kCheckMinScore / score * 1.05);
          for (const auto& stroke : strokes) canvas.Stroke(stroke, wider, true);
        }
      }
      break;
    }
    case LINE: {
      // One stroke of a #2 pencil, 1 mm wide, across the whole width of the box.
      const double y = centre.y + rng.Uniform(-0.15, 0.15) * g.box.height;
      const double tilt = rng.Uniform(-0.3, 0.3) * k;
      const cv::Point2d a(g.box.x - 0.3 * k, y - tilt);
      const cv::Point2d b(g.box.x + g.box.width + 0.3 * k, y + tilt);
      canvas.Stroke({a, b}, kPencilLineMm * k, false);
      darkness = 1.0 - rng.Uniform(110, 130) / 255.0;
      canvas.SetGrain(rng, 0.12);
      break;
    }
    case LIGHT: {
      canvas.FillPolygon(RaggedBox(g.box, -0.2 * k, 0.3 * k, 0.2 * k, rng));
      canvas.SetGrain(rng, 0.35);
      canvas.Clip(g.clip);
      // The darkness is set from the drawn coverage so that the interior's mean darkness is the
      // chosen value: between the fixtures' marginal (0.03) and definite (0.06) thresholds.
      const double wanted = rng.Uniform(0.042, 0.048);
      const double coverage = canvas.MeanCoverage(g.interior);
      darkness = coverage > 0 ? std::min(1.0, wanted / coverage) : 0;
      break;
    }
    case PARTIAL: {
      const double fraction = rng.Uniform(0.42, 0.58);
      const bool horizontal = rng.Chance(0.5);
      cv::Rect2d part = g.box;
      const cv::Rect2d inner(g.interior.x, g.interior.y, g.interior.width, g.interior.height);
      if (horizontal) {  // the left part
        part.width = inner.x - g.box.x + fraction * inner.width;
      } else {  // the bottom part
        const double h = g.box.y + g.box.height - (inner.y + (1 - fraction) * inner.height);
        part.y = g.box.y + g.box.height - h;
        part.height = h;
      }
      canvas.FillPolygon(RaggedBox(part, -0.1 * k, 0.1 * k, 0.15 * k, rng));
      darkness = 1.0 - rng.Uniform(25, 60) / 255.0;
      canvas.SetGrain(rng, 0.06);
      break;
    }
    default:
      return;
  }
  canvas.Clip(g.clip);
  canvas.Composite(page, darkness);
}

absl::Status CheckPage(const cv::Mat& page, const BallotStyle& style, int dpi) {
  if (dpi < kMinDpi || dpi > kMaxDpi) {
    return absl::InvalidArgumentError(
        absl::StrCat("resolution must be from ", kMinDpi, " to ", kMaxDpi, " dpi, not ", dpi));
  }
  if (page.empty() || page.type() != CV_8UC1) {
    return absl::InvalidArgumentError("marks are drawn on an 8-bit grayscale page only");
  }
  const int w = static_cast<int>(std::lround(MmToPx(style.page_width_mm(), dpi)));
  const int h = static_cast<int>(std::lround(MmToPx(style.page_height_mm(), dpi)));
  if (page.cols != w || page.rows != h) {
    return absl::InvalidArgumentError(absl::StrCat("the page is ", page.cols, " x ", page.rows,
                                                   " pixels, but style \"", style.id(), "\" at ",
                                                   dpi, " dpi is ", w, " x ", h));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> ResolveMarkTarget(const BallotStyle& style, std::string_view name) {
  const std::size_t colon = name.find(':');
  int found = -1;
  for (int i = 0; i < style.targets_size(); ++i) {
    const Target& t = style.targets(i);
    const bool match =
        colon == std::string_view::npos
            ? t.option_id() == name
            : t.contest_id() == name.substr(0, colon) && t.option_id() == name.substr(colon + 1);
    if (!match) continue;
    if (found >= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("mark \"", std::string(name), "\" is ambiguous on ballot style \"",
                       style.id(), "\": write it as contest_id:option_id"));
    }
    found = i;
  }
  if (found < 0) {
    return absl::NotFoundError(absl::StrCat(
        "mark \"", std::string(name), "\": no such option on ballot style \"", style.id(), "\""));
  }
  return found;
}

absl::Status ApplyMarks(cv::Mat& page, const Election& election, const BallotStyle& style,
                        const std::vector<MarkSpec>& marks, int dpi, std::uint64_t seed) {
  if (absl::Status s = CheckPage(page, style, dpi); !s.ok()) return s;
  // Resolve everything before drawing anything: an error leaves the page untouched.
  std::vector<std::pair<int, const MarkSpec*>> todo;
  for (const MarkSpec& spec : marks) {
    if (spec.style() < FILLED || spec.style() > PARTIAL) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown mark style ", static_cast<int>(spec.style())));
    }
    if (!Pen_IsValid(spec.pen())) {
      return absl::InvalidArgumentError(absl::StrCat("unknown pen ", static_cast<int>(spec.pen())));
    }
    if (!(spec.overreach_mm() >= 0 && spec.overreach_mm() <= 2)) {
      return absl::InvalidArgumentError("a mark's overreach_mm must be from 0 to 2");
    }
    for (const std::string& name : spec.options()) {
      absl::StatusOr<int> index = ResolveMarkTarget(style, name);
      if (!index.ok()) return index.status();
      // The target must stand for an option of the election, not just a box on the page.
      const Target& target = style.targets(*index);
      const Contest* contest = FindContest(election, target.contest_id());
      if (contest == nullptr || FindOption(*contest, target.option_id()) == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("mark \"", name, "\": style \"", style.id(), "\" has a target for ",
                         target.contest_id(), ":", target.option_id(), ", which election \"",
                         election.id(), "\" does not define"));
      }
      todo.emplace_back(*index, &spec);
    }
  }
  try {
    for (std::size_t i = 0; i < todo.size(); ++i) {
      const auto [index, mark_spec] = todo[i];
      Rng rng(MixSeed(seed, (static_cast<std::uint64_t>(i) << 20) | static_cast<unsigned>(index)));
      DrawMark(page, Geometry(style.targets(index).area(), dpi, page.size()), *mark_spec, rng);
    }
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("drawing marks failed: ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status ApplyStrayMarks(cv::Mat& page, const BallotStyle& style, int count, int dpi,
                             std::uint64_t seed) {
  if (absl::Status s = CheckPage(page, style, dpi); !s.ok()) return s;
  if (count < 0 || count > 50) {
    return absl::InvalidArgumentError("the number of stray marks must be from 0 to 50");
  }
  const double k = dpi / 25.4;
  // Everything a scribble must keep clear of, in millimetres.
  std::vector<cv::Rect2d> keep_clear;
  for (const Target& t : style.targets()) {
    const Rect& a = t.area();
    keep_clear.emplace_back(a.x_mm() - kStrayClearanceMm, a.y_mm() - kStrayClearanceMm,
                            a.width_mm() + 2 * kStrayClearanceMm,
                            a.height_mm() + 2 * kStrayClearanceMm);
  }
  for (const Fiducial& f : style.fiducials()) {
    const double half = f.size_mm() / 2 + kStrayClearanceMm;
    keep_clear.emplace_back(f.center().x_mm() - half, f.center().y_mm() - half, 2 * half, 2 * half);
  }
  const Rect& bc = style.barcode().area();
  keep_clear.emplace_back(bc.x_mm() - kStrayClearanceMm, bc.y_mm() - kStrayClearanceMm,
                          bc.width_mm() + 2 * kStrayClearanceMm,
                          bc.height_mm() + 2 * kStrayClearanceMm);

  Rng rng(MixSeed(seed, 0x57A7));
  const double margin = 8.0;
  try {
    for (int n = 0; n < count; ++n) {
      bool placed = false;
      for (int attempt = 0; attempt < 1000 && !placed; ++attempt) {
        const double w = rng.Uniform(4, 14), h = rng.Uniform(3, 8);
        const double x = rng.Uniform(margin, style.page_width_mm() - margin - w);
        const double y = rng.Uniform(margin, style.page_height_mm() - margin - h);
        // The stroke's half width stays inside the rectangle checked here.
        const cv::Rect2d rect(x, y, w, h);
        bool clear = true;
        for (const cv::Rect2d& r : keep_clear) {
          if ((rect & r).area() > 0) clear = false;
        }
        if (!clear) continue;
        placed = true;
        const double half = kStrayStrokeMm / 2;
        const int points = static_cast<int>(rng.UniformInt(4, 9));
        std::vector<cv::Point2d> path;
        for (int i = 0; i < points; ++i) {
          const cv::Point2d p((x + half + rng.Uniform() * (w - 2 * half)) * k,
                              (y + half + rng.Uniform() * (h - 2 * half)) * k);
          if (path.empty()) {
            path.push_back(p);
          } else {
            std::vector<cv::Point2d> seg = WobblyLine(path.back(), p, 0.2 * k, rng);
            path.insert(path.end(), seg.begin() + 1, seg.end());
          }
        }
        const cv::Rect2d clip(x * k, y * k, w * k, h * k);
        const cv::Rect roi = cv::Rect(static_cast<int>(std::floor(clip.x)) - 1,
                                      static_cast<int>(std::floor(clip.y)) - 1,
                                      static_cast<int>(std::ceil(clip.width)) + 3,
                                      static_cast<int>(std::ceil(clip.height)) + 3) &
                             cv::Rect(cv::Point(0, 0), page.size());
        MarkCanvas canvas(roi);
        canvas.Stroke(path, kStrayStrokeMm * k, true);
        canvas.Clip(clip);
        canvas.Composite(page, 1.0 - rng.Uniform(30, 80) / 255.0);
      }
      if (!placed) {
        return absl::FailedPreconditionError(absl::StrCat("no room for stray mark ", n + 1,
                                                          " on ballot style \"", style.id(), "\""));
      }
    }
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("drawing stray marks failed: ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status ApplyStamps(cv::Mat& page, const BallotStyle& style,
                         const std::vector<StampSpec>& stamps, int dpi, std::uint64_t seed) {
  if (absl::Status s = CheckPage(page, style, dpi); !s.ok()) return s;
  for (const StampSpec& stamp : stamps) {
    if (!(stamp.diameter_mm() >= 25 && stamp.diameter_mm() <= 45)) {
      return absl::InvalidArgumentError("a stamp's diameter_mm must be from 25 to 45");
    }
    if (stamp.gray() < 40 || stamp.gray() > 200) {
      return absl::InvalidArgumentError("a stamp's gray must be from 40 to 200");
    }
    if (!(std::abs(stamp.center_x_mm()) <= 1000 && std::abs(stamp.center_y_mm()) <= 1000)) {
      return absl::InvalidArgumentError("a stamp's centre must lie within 1000 mm of the page");
    }
  }
  const double k = dpi / 25.4;
  try {
    for (std::size_t i = 0; i < stamps.size(); ++i) {
      const StampSpec& stamp = stamps[i];
      Rng rng(MixSeed(seed, 0x5A4B0 + i));
      const cv::Point2d c(stamp.center_x_mm() * k, stamp.center_y_mm() * k);
      const double r = stamp.diameter_mm() / 2 * k;
      const cv::Rect roi =
          cv::Rect(static_cast<int>(std::floor(c.x - r)) - 4,
                   static_cast<int>(std::floor(c.y - r)) - 4,
                   static_cast<int>(std::ceil(2 * r)) + 9, static_cast<int>(std::ceil(2 * r)) + 9) &
          cv::Rect(0, 0, page.cols, page.rows);
      if (roi.area() == 0) continue;
      MarkCanvas canvas(roi);
      auto circle = [&](double radius, double width) {
        std::vector<cv::Point2d> points;
        const int n = std::max(24, static_cast<int>(radius / 2));
        for (int j = 0; j <= n; ++j) {
          const double a = 2 * std::numbers::pi * j / n;
          points.emplace_back(c.x + radius * std::cos(a), c.y + radius * std::sin(a));
        }
        canvas.Stroke(points, width, false);
      };
      // Two rings, 0.6 and 0.35 mm, 4 mm apart.
      circle(r - 0.3 * k, 0.6 * k);
      circle(r - 4.3 * k, 0.35 * k);
      // Text between them: letters 2.4 mm tall as short radial and tangential strokes.
      const double text_r = r - 2.3 * k;
      const int letters = static_cast<int>(2 * std::numbers::pi * text_r / (1.9 * k));
      const double phase = rng.Uniform(0, 2 * std::numbers::pi);
      for (int j = 0; j < letters; ++j) {
        if (j % 12 == 11) continue;  // a gap between words
        const double a = phase + 2 * std::numbers::pi * j / letters;
        const cv::Point2d radial(std::cos(a), std::sin(a)), tangent(-std::sin(a), std::cos(a));
        const cv::Point2d base = c + radial * text_r;
        const double h = 1.2 * k, w = 0.55 * k;
        canvas.Stroke({base - radial * h + tangent * (-w), base + radial * h + tangent * (-w)},
                      0.25 * k, false);
        if (rng.Chance(0.6)) {
          canvas.Stroke({base - radial * h + tangent * w, base + radial * h + tangent * w},
                        0.25 * k, false);
        }
        if (rng.Chance(0.5)) {
          const double at = rng.Uniform(-1, 1) * h;
          canvas.Stroke({base + radial * at - tangent * w, base + radial * at + tangent * w},
                        0.25 * k, false);
        }
      }
      // Lines of text across the middle, 3 mm tall letters.
      const double inner = r - 5.5 * k;
      for (int line = -1; line <= 1; ++line) {
        const double y = c.y + line * 4.5 * k;
        const double half = std::sqrt(std::max(0.0, inner * inner - (y - c.y) * (y - c.y))) - k;
        for (double x = c.x - half; x < c.x + half; x += 2.2 * k) {
          if (rng.Chance(0.15)) continue;
          canvas.Stroke({{x, y - 1.5 * k}, {x, y + 1.5 * k}}, 0.3 * k, false);
          if (rng.Chance(0.7)) canvas.Stroke({{x, y}, {x + 1.3 * k, y}}, 0.3 * k, false);
          if (rng.Chance(0.5)) {
            canvas.Stroke({{x + 1.3 * k, y - 1.5 * k}, {x + 1.3 * k, y + 1.5 * k}}, 0.3 * k, false);
          }
        }
      }
      // Stamp ink is uneven: heavy grain.
      canvas.SetGrain(rng, 0.3);
      canvas.Composite(page, 1.0 - stamp.gray() / 255.0);
    }
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("drawing stamps failed: ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status ApplyShowThrough(cv::Mat& page, const BallotStyle& style,
                              const std::vector<std::string>& targets, int dpi,
                              std::uint64_t seed) {
  if (absl::Status s = CheckPage(page, style, dpi); !s.ok()) return s;
  std::vector<int> indices;
  for (const std::string& name : targets) {
    absl::StatusOr<int> index = ResolveMarkTarget(style, name);
    if (!index.ok()) return index.status();
    indices.push_back(*index);
  }
  const double k = dpi / 25.4;
  try {
    for (std::size_t i = 0; i < indices.size(); ++i) {
      Rng rng(MixSeed(seed, 0x5B0 + i));
      const Rect& a = style.targets(indices[i]).area();
      // A heavy fill on the back, 1 mm beyond the box, seen through 80 g/m2 paper: blurred by
      // the paper's thickness and darkening the front by 6-14%.
      const double spread = 1.0 * k;
      const cv::Rect2d fill(a.x_mm() * k - spread, a.y_mm() * k - spread,
                            a.width_mm() * k + 2 * spread, a.height_mm() * k + 2 * spread);
      const int margin = static_cast<int>(std::ceil(2 * k));
      const cv::Rect roi =
          cv::Rect(static_cast<int>(fill.x) - margin, static_cast<int>(fill.y) - margin,
                   static_cast<int>(fill.width) + 2 * margin,
                   static_cast<int>(fill.height) + 2 * margin) &
          cv::Rect(0, 0, page.cols, page.rows);
      if (roi.area() == 0) continue;
      cv::Mat mask(roi.size(), CV_32FC1, cv::Scalar(0));
      const cv::Rect inside =
          cv::Rect(static_cast<int>(fill.x), static_cast<int>(fill.y), static_cast<int>(fill.width),
                   static_cast<int>(fill.height)) -
          roi.tl();
      mask(inside & cv::Rect(0, 0, mask.cols, mask.rows)).setTo(1.0);
      cv::GaussianBlur(mask, mask, cv::Size(0, 0), 0.5 * k);
      const double darkness = rng.Uniform(0.06, 0.14);
      for (int y = 0; y < roi.height; ++y) {
        unsigned char* row = page.ptr<unsigned char>(roi.y + y) + roi.x;
        const float* m = mask.ptr<float>(y);
        for (int x = 0; x < roi.width; ++x) {
          const double grain = 1 + 0.1 * (2 * rng.Uniform() - 1);
          row[x] =
              cv::saturate_cast<unsigned char>(std::lround(row[x] * (1 - darkness * m[x] * grain)));
        }
      }
    }
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("drawing show-through failed: ", e.what()));
  }
  return absl::OkStatus();
}

cv::Rect TargetInterior(const Rect& area, int dpi, const cv::Size& page) {
  const double k = dpi / 25.4;
  const int x0 = static_cast<int>(std::ceil((area.x_mm() + kInteriorInsetMm) * k));
  const int y0 = static_cast<int>(std::ceil((area.y_mm() + kInteriorInsetMm) * k));
  const int x1 =
      static_cast<int>(std::floor((area.x_mm() + area.width_mm() - kInteriorInsetMm) * k));
  const int y1 =
      static_cast<int>(std::floor((area.y_mm() + area.height_mm() - kInteriorInsetMm) * k));
  if (x1 <= x0 || y1 <= y0) return {};
  return cv::Rect(x0, y0, x1 - x0, y1 - y0) & cv::Rect(cv::Point(0, 0), page);
}

double RegionDarkness(const cv::Mat& page, const cv::Rect& region, double paper) {
  const cv::Rect r = region & cv::Rect(cv::Point(0, 0), page.size());
  if (r.area() == 0 || paper <= 0) return 0;
  double sum = 0;
  for (int y = r.y; y < r.y + r.height; ++y) {
    const unsigned char* row = page.ptr<unsigned char>(y);
    for (int x = r.x; x < r.x + r.width; ++x) {
      sum += std::clamp((paper - row[x]) / paper, 0.0, 1.0);
    }
  }
  return sum / static_cast<double>(r.area());
}

}  // namespace esep::render
