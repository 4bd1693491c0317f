#ifndef ESEP_TESTS_VISION_SYNTHETIC_BALLOT_H_
#define ESEP_TESTS_VISION_SYNTHETIC_BALLOT_H_

#include <map>
#include <opencv2/core.hpp>
#include <string>

#include "esep/proto/election.pb.h"
#include "esep/vision/gray_image.h"

namespace esep::vision::testing {

// How a synthetic mark is drawn into a target box.
enum class SyntheticMark { kFilled, kLine, kLight };

// A ballot page drawn with OpenCV primitives (no text), then moved as a scanner would see it.
struct SyntheticBallot {
  double dpi = 200;
  std::string barcode_text;                    // empty: no barcode
  std::map<std::string, SyntheticMark> marks;  // option id -> mark
  double rotation_deg = 0;                     // about the page centre
  double scale = 1.0;
  double shift_x_mm = 0;
  double shift_y_mm = 0;
  bool upside_down = false;
};

// Draws `ballot` for `style`: paper 245, fiducials and box outlines black, QR from ZXing.
cv::Mat DrawBallot(const BallotStyle& style, const SyntheticBallot& ballot);

// The barcode text of a correct ballot of `election` (style, precinct, live/test).
std::string BarcodeText(const Election& election, const std::string& style_id,
                        const std::string& precinct_id, bool test);

// A GrayImage view of a continuous CV_8UC1 matrix.
GrayImage View(const cv::Mat& mat);

// The fixture election at `relative_path` from the source tree.
Election LoadFixtureElection(const std::string& relative_path);

}  // namespace esep::vision::testing

#endif  // ESEP_TESTS_VISION_SYNTHETIC_BALLOT_H_
