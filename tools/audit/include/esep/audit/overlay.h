#ifndef ESEP_AUDIT_OVERLAY_H_
#define ESEP_AUDIT_OVERLAY_H_

#include <opencv2/core.hpp>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/interpretation.pb.h"
#include "esep/vision/interpreter.h"

namespace esep::audit {

// Draws a reading over its ballot image: the fiducials found, each target's box with its score
// and class, and a banner. `geometry` places the targets (from InterpretWithDetails); `reading`
// says what to write in them, so the reader's stored reading can be drawn on the same page as
// replay's. Returns a colour image.
cv::Mat DrawInterpretation(const cv::Mat& gray, const vision::InterpretationDetails& geometry,
                           const Interpretation& reading, const std::string& caption);

// The reader's reading (left) beside replay's (right), on the same image.
cv::Mat DrawComparison(const cv::Mat& gray, const vision::InterpretationDetails& replay,
                       const Interpretation& reader);

// A colour image as PNG bytes.
absl::StatusOr<std::string> EncodePng(const cv::Mat& image);

// Writes a colour image as PNG (through WriteFileBytes); the error names the file.
absl::Status WritePng(const cv::Mat& image, const std::string& path);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_OVERLAY_H_
