#include "esep/audit/overlay.h"

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "esep/audit/json.h"

namespace esep::audit {

cv::Mat DrawInterpretation(const cv::Mat& gray, const vision::InterpretationDetails& geometry,
                           const Interpretation& in, const std::string& caption) {
  cv::Mat color;
  cv::cvtColor(gray, color, cv::COLOR_GRAY2BGR);
  const double scale = std::max(1.0, gray.cols / 800.0);
  for (std::size_t i = 0; i < geometry.fiducials.size() && i < geometry.fiducial_found.size();
       ++i) {
    if (!geometry.fiducial_found[i]) continue;
    const cv::Point p(static_cast<int>(geometry.fiducials[i].x),
                      static_cast<int>(geometry.fiducials[i].y));
    cv::circle(color, p, static_cast<int>(12 * scale), cv::Scalar(0, 180, 0),
               static_cast<int>(scale));
    cv::drawMarker(color, p, cv::Scalar(0, 180, 0), cv::MARKER_CROSS, static_cast<int>(20 * scale),
                   static_cast<int>(scale));
  }
  const int drawable = std::min(in.targets_size(), static_cast<int>(geometry.target_areas.size()));
  for (int i = 0; i < drawable; ++i) {
    const Rect& a = geometry.target_areas[static_cast<std::size_t>(i)];
    const TargetReading& t = in.targets(i);
    const cv::Scalar colour = t.mark() == MARKED     ? cv::Scalar(0, 0, 220)
                              : t.mark() == MARGINAL ? cv::Scalar(0, 140, 255)
                                                     : cv::Scalar(200, 120, 0);
    std::vector<cv::Point> quad;
    for (const auto& [x, y] :
         {std::pair{a.x_mm(), a.y_mm()}, std::pair{a.x_mm() + a.width_mm(), a.y_mm()},
          std::pair{a.x_mm() + a.width_mm(), a.y_mm() + a.height_mm()},
          std::pair{a.x_mm(), a.y_mm() + a.height_mm()}}) {
      const vision::PointPx p = geometry.transform.ToImage(x, y);
      quad.emplace_back(static_cast<int>(p.x), static_cast<int>(p.y));
    }
    cv::polylines(color, quad, true, colour, static_cast<int>(scale));
    const std::string label = absl::StrFormat("%.2f%% %s", t.score() * 100,
                                              absl::AsciiStrToLower(MarkClass_Name(t.mark())));
    const int left = std::min({quad[0].x, quad[1].x, quad[2].x, quad[3].x});
    const int middle = (quad[0].y + quad[1].y + quad[2].y + quad[3].y) / 4;
    cv::putText(color, label,
                cv::Point(std::max(0, left - static_cast<int>(95 * scale)),
                          middle + static_cast<int>(4 * scale)),
                cv::FONT_HERSHEY_SIMPLEX, 0.35 * scale, colour,
                std::max(1, static_cast<int>(scale)));
    if (!t.note().empty()) {
      // Why the mark was read as it was (ink entering from outside the box), under the label.
      const int bottom = std::max({quad[0].y, quad[1].y, quad[2].y, quad[3].y});
      cv::putText(color, t.note(),
                  cv::Point(std::max(0, left - static_cast<int>(250 * scale)),
                            bottom + static_cast<int>(10 * scale)),
                  cv::FONT_HERSHEY_SIMPLEX, 0.3 * scale, colour, 1);
    }
  }
  const std::string banner = absl::StrCat(
      caption, caption.empty() ? "" : ": ",
      in.accepted()
          ? absl::StrCat("accepted ", in.identity().style_id())
          : absl::StrCat("rejected ", absl::AsciiStrToLower(RejectionReason_Name(in.reason()))));
  cv::putText(color, banner, cv::Point(static_cast<int>(10 * scale), static_cast<int>(60 * scale)),
              cv::FONT_HERSHEY_SIMPLEX, 0.8 * scale,
              in.accepted() ? cv::Scalar(0, 150, 0) : cv::Scalar(0, 0, 220),
              std::max(1, static_cast<int>(2 * scale)));
  return color;
}

cv::Mat DrawComparison(const cv::Mat& gray, const vision::InterpretationDetails& replay,
                       const Interpretation& reader) {
  cv::Mat both;
  cv::hconcat(DrawInterpretation(gray, replay, reader, "reader"),
              DrawInterpretation(gray, replay, replay.interpretation, "replay"), both);
  cv::line(both, cv::Point(gray.cols, 0), cv::Point(gray.cols, gray.rows - 1),
           cv::Scalar(60, 60, 60), std::max(2, gray.cols / 400));
  return both;
}

absl::StatusOr<std::string> EncodePng(const cv::Mat& image) {
  std::vector<std::uint8_t> bytes;
  try {
    if (cv::imencode(".png", image, bytes)) return std::string(bytes.begin(), bytes.end());
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("cannot encode a PNG: ", e.what()));
  }
  return absl::InternalError("cannot encode a PNG");
}

absl::Status WritePng(const cv::Mat& image, const std::string& path) {
  absl::StatusOr<std::string> bytes = EncodePng(image);
  if (!bytes.ok()) {
    return absl::Status(bytes.status().code(),
                        absl::StrCat("cannot write ", path, ": ", bytes.status().message()));
  }
  return WriteFileBytes(path, *bytes);
}

}  // namespace esep::audit
