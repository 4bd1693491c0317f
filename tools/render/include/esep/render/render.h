#ifndef ESEP_RENDER_RENDER_H_
#define ESEP_RENDER_RENDER_H_

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"
#include "esep/vision/calibration.h"

namespace esep::render {

// Which ballot to print. The election whose hash prefix goes into the barcode is normally the
// election printed; `barcode_election` names another one to make a ballot that a reader set up
// with a different definition must refuse.
struct BallotRenderRequest {
  std::string style_id;
  std::string precinct_id;
  bool test = false;  // a logic-and-accuracy test ballot: "T" in the barcode, marked in the header
  int dpi = 200;
  const Election* barcode_election = nullptr;  // nullptr: the election being printed
  bool no_barcode = false;                     // leave the barcode area blank
};

inline constexpr int kMinDpi = 100;
inline constexpr int kMaxDpi = 600;

// Millimetres to pixels at `dpi` (not rounded).
inline double MmToPx(double mm, int dpi) { return mm * dpi / 25.4; }

// Prints one ballot page as an 8-bit grayscale image (CV_8UC1, white paper = 255) at `dpi`:
// fiducials, barcode, header, contest titles, option names and empty targets, all placed by the
// style. Text is set with Pango in DejaVu Sans; a character the font lacks is an error, never a
// blank box on a ballot.
absl::StatusOr<cv::Mat> RenderBallot(const Election& election, const BallotRenderRequest& request);

// The same page as a one-page PDF (the bytes of the file), drawn by the same code.
absl::StatusOr<std::string> RenderBallotPdf(const Election& election,
                                            const BallotRenderRequest& request);

// Writes RenderBallotPdf() to `path`.
absl::Status WriteBallotPdf(const Election& election, const BallotRenderRequest& request,
                            const std::string& path);

// A sheet that is not a ballot (a letter with some text, no fiducials, no barcode), of the given
// size, for decks that check the reader refuses foreign sheets.
absl::StatusOr<cv::Mat> RenderForeignPage(double width_mm, double height_mm, int dpi);

// The technicians' calibration sheet (vision::CalibrationLayout) as an 8-bit grayscale image
// at `dpi`: fiducials, rulers, the gray wedge, line-pair groups, pre-marked targets and blank
// bands, with labels and instructions. Gray levels are printed exactly (ink n/255).
absl::StatusOr<cv::Mat> RenderCalibrationSheet(const vision::CalibrationLayout& layout, int dpi);

// The same sheet as a one-page PDF (the bytes of the file), for printing.
absl::StatusOr<std::string> RenderCalibrationSheetPdf(const vision::CalibrationLayout& layout);

// PNG bytes of an 8-bit grayscale image with fixed encoder settings: the same image always gives
// the same bytes.
absl::StatusOr<std::vector<std::uint8_t>> EncodePng(const cv::Mat& image);

// EncodePng() written to `path`.
absl::Status WritePng(const cv::Mat& image, const std::string& path);

}  // namespace esep::render

#endif  // ESEP_RENDER_RENDER_H_
