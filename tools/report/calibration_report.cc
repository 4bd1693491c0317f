#include "esep/report/calibration_report.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace esep::report {
namespace {

cv::Point ToPoint(const vision::PointPx& p) {
  return cv::Point(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
}

// The outline of a page rectangle in the image.
std::vector<cv::Point> Outline(const vision::PageTransform& t, const Rect& r) {
  const double x0 = r.x_mm(), y0 = r.y_mm();
  const double x1 = x0 + r.width_mm(), y1 = y0 + r.height_mm();
  return {ToPoint(t.ToImage(x0, y0)), ToPoint(t.ToImage(x1, y0)), ToPoint(t.ToImage(x1, y1)),
          ToPoint(t.ToImage(x0, y1))};
}

}  // namespace

cv::Mat RenderCalibrationReport(const cv::Mat& scan, const vision::CalibrationLayout& layout,
                                const vision::CalibrationMeasurement& m) {
  const CalibrationProfile& p = m.profile;
  const double px_per_mm = m.transform.PixelsPerMm();
  const int thick = std::max(1, static_cast<int>(px_per_mm / 4));
  const double font = px_per_mm / 12;
  const cv::Scalar green(0, 160, 0), red(0, 0, 220), blue(200, 90, 0), cyan(180, 160, 0),
      yellow(0, 190, 230), black(0, 0, 0);
  const int panel = static_cast<int>(scan.cols * 0.75);
  cv::Mat out(scan.rows, scan.cols + panel, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::cvtColor(scan, out(cv::Rect(0, 0, scan.cols, scan.rows)), cv::COLOR_GRAY2BGR);
  auto text = [&](const std::string& s, cv::Point at, const cv::Scalar& color, double scale = 1) {
    cv::putText(out, s, at, cv::FONT_HERSHEY_SIMPLEX, font * scale, color, std::max(1, thick / 2),
                cv::LINE_AA);
  };
  const vision::PageTransform& t = m.transform;

  for (const vision::PointPx& f : m.fiducials) {
    cv::circle(out, ToPoint(f), static_cast<int>(5 * px_per_mm), green, thick, cv::LINE_AA);
  }
  for (const auto* ticks : {&m.ruler_ticks_x, &m.ruler_ticks_y}) {
    for (const vision::PointPx& tick : *ticks) {
      cv::drawMarker(out, ToPoint(tick), cyan, cv::MARKER_CROSS, static_cast<int>(2 * px_per_mm),
                     std::max(1, thick / 2));
    }
  }
  for (const Rect& band : layout.blank_bands) {
    cv::polylines(out, Outline(t, band), true, yellow, std::max(1, thick / 2), cv::LINE_AA);
  }
  for (std::size_t i = 0; i < layout.wedge.size() && static_cast<int>(i) < p.wedge_size(); ++i) {
    Rect inner = layout.wedge[i].area;
    inner.set_x_mm(inner.x_mm() + 2);
    inner.set_y_mm(inner.y_mm() + 2);
    inner.set_width_mm(inner.width_mm() - 4);
    inner.set_height_mm(inner.height_mm() - 4);
    cv::polylines(out, Outline(t, inner), true, blue, thick, cv::LINE_AA);
    const Rect& a = layout.wedge[i].area;
    text(absl::StrFormat("%.0f", p.wedge(static_cast<int>(i)).gray_level()),
         ToPoint(t.ToImage(a.x_mm() + 3, a.y_mm() + a.height_mm() - 3)), red);
  }
  for (std::size_t i = 0; i < layout.line_pairs.size() && static_cast<int>(i) < p.line_pairs_size();
       ++i) {
    const LinePairReading& r = p.line_pairs(static_cast<int>(i));
    const Rect& a = layout.line_pairs[i].area;
    const bool resolved = r.modulation() >= 0.25;
    cv::polylines(out, Outline(t, a), true, resolved ? green : red, thick, cv::LINE_AA);
    text(absl::StrFormat("%.2f", r.modulation()),
         ToPoint(t.ToImage(a.x_mm() + a.width_mm() + 0.5, a.y_mm() + 4)), resolved ? green : red);
  }
  for (std::size_t i = 0; i < layout.targets.size() && static_cast<int>(i) < p.targets_size();
       ++i) {
    const CalibrationTargetReading& r = p.targets(static_cast<int>(i));
    const Rect& a = layout.targets[i].area;
    const bool right = r.read_as() == r.expected();
    cv::polylines(out, Outline(t, a), true, right ? green : red, thick, cv::LINE_AA);
    text(absl::StrCat(r.score_units()), ToPoint(t.ToImage(a.x_mm(), a.y_mm() - 0.6)),
         right ? green : red, 0.9);
  }
  for (const StreakReading& s : p.streaks()) {
    const int x = static_cast<int>(std::lround(s.sensor_x_px()));
    cv::line(out, cv::Point(x, 0), cv::Point(x, scan.rows - 1), red, thick, cv::LINE_AA);
    text(absl::StrFormat("streak %.0f%%", s.strength() * 100),
         cv::Point(x + 2 * thick, static_cast<int>(scan.rows * 0.97)), red);
  }
  // The sensor's white level across its width, plotted along the bottom of the scan.
  const int base = scan.rows - static_cast<int>(8 * px_per_mm);
  const double height = 30 * px_per_mm;
  std::vector<cv::Point> curve;
  for (std::size_t c = 0; c < m.sensor_white.size(); ++c) {
    if (m.sensor_white[c] < 0) continue;
    curve.emplace_back(static_cast<int>(c),
                       base - static_cast<int>(std::lround(m.sensor_white[c] / 255.0 * height)));
  }
  if (curve.size() > 1) cv::polylines(out, curve, false, blue, thick, cv::LINE_AA);
  text("sensor white level (0..255)", cv::Point(static_cast<int>(20 * px_per_mm), base + thick * 6),
       blue);

  // The checks.
  const int x0 = scan.cols + static_cast<int>(4 * px_per_mm);
  const int line = static_cast<int>(std::max(12.0, scan.rows / 42.0));
  int y = line * 2;
  text(absl::StrCat("reader ", p.reader_serial().empty() ? "?" : p.reader_serial(), "  ",
                    p.nominal_dpi(), " dpi"),
       cv::Point(x0, y), black, 1.3);
  y += line * 2;
  for (const CalibrationCheck& c : p.checks()) {
    text(absl::StrFormat("%s  %-18s %.4g %s", c.pass() ? "PASS" : "FAIL", c.name(), c.measured(),
                         c.unit()),
         cv::Point(x0, y), c.pass() ? green : red);
    y += line;
  }
  y += line;
  text(absl::StrFormat("thresholds: definite %.2f%%, marginal %.2f%%",
                       p.recommended_thresholds().definite() * 100,
                       p.recommended_thresholds().marginal() * 100),
       cv::Point(x0, y), black);
  y += line * 2;
  text(p.pass() ? "RESULT: PASS" : "RESULT: FAIL", cv::Point(x0, y), p.pass() ? green : red, 2.0);
  return out;
}

}  // namespace esep::report
