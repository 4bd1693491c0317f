#include "synthetic_ballot.h"

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "esep/proto/ballot_identity.h"
#include "esep/proto/election.h"
#include "esep/vision/image_codec.h"

namespace esep::vision::testing {
namespace {
constexpr int kPaper = 245;
}

cv::Mat DrawBallot(const BallotStyle& style, const SyntheticBallot& ballot) {
  const double k = ballot.dpi / 25.4;
  const int width = static_cast<int>(std::lround(style.page_width_mm() * k));
  const int height = static_cast<int>(std::lround(style.page_height_mm() * k));
  cv::Mat page(height, width, CV_8UC1, cv::Scalar(kPaper));
  auto px = [k](double mm) { return static_cast<int>(std::lround(mm * k)); };
  for (const Fiducial& f : style.fiducials()) {
    const double h = f.size_mm() / 2;
    cv::rectangle(page, cv::Point(px(f.center().x_mm() - h), px(f.center().y_mm() - h)),
                  cv::Point(px(f.center().x_mm() + h) - 1, px(f.center().y_mm() + h) - 1),
                  cv::Scalar(0), cv::FILLED);
  }
  if (!ballot.barcode_text.empty()) {
    ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::QRCode);
    writer.setMargin(0);
    const ZXing::BitMatrix bits = writer.encode(ballot.barcode_text, 0, 0);
    const Rect& area = style.barcode().area();
    const int modules = bits.width();
    const double module_mm = area.width_mm() / (modules + 8);
    for (int r = 0; r < bits.height(); ++r) {
      for (int c = 0; c < modules; ++c) {
        if (!bits.get(c, r)) continue;
        const double x = area.x_mm() + (4 + c) * module_mm;
        const double y = area.y_mm() + (4 + r) * module_mm;
        cv::rectangle(page, cv::Point(px(x), px(y)),
                      cv::Point(px(x + module_mm) - 1, px(y + module_mm) - 1), cv::Scalar(0),
                      cv::FILLED);
      }
    }
  }
  const int line = std::max(1, px(0.3));
  for (const Target& t : style.targets()) {
    const Rect& a = t.area();
    cv::rectangle(page, cv::Point(px(a.x_mm()), px(a.y_mm())),
                  cv::Point(px(a.x_mm() + a.width_mm()), px(a.y_mm() + a.height_mm())),
                  cv::Scalar(0), line);
    const auto mark = ballot.marks.find(t.option_id());
    if (mark == ballot.marks.end()) continue;
    switch (mark->second) {
      case SyntheticMark::kFilled:
        cv::rectangle(
            page, cv::Point(px(a.x_mm() + 0.5), px(a.y_mm() + 0.5)),
            cv::Point(px(a.x_mm() + a.width_mm() - 0.5), px(a.y_mm() + a.height_mm() - 0.5)),
            cv::Scalar(20), cv::FILLED);
        break;
      case SyntheticMark::kLine: {
        const double y = a.y_mm() + a.height_mm() / 2;
        cv::rectangle(page, cv::Point(px(a.x_mm()), px(y - 0.5)),
                      cv::Point(px(a.x_mm() + a.width_mm()), px(y + 0.5) - 1), cv::Scalar(120),
                      cv::FILLED);
        break;
      }
      case SyntheticMark::kLight: {
        cv::Mat box = page(cv::Rect(
            cv::Point(px(a.x_mm() + 0.3), px(a.y_mm() + 0.3)),
            cv::Point(px(a.x_mm() + a.width_mm() - 0.3), px(a.y_mm() + a.height_mm() - 0.3))));
        box -= cv::Scalar(11);  // about 0.045 of the paper-to-ink range
        break;
      }
    }
  }
  const cv::Point2f centre(static_cast<float>(width / 2.0), static_cast<float>(height / 2.0));
  cv::Mat m = cv::getRotationMatrix2D(
      centre, ballot.rotation_deg + (ballot.upside_down ? 180.0 : 0.0), ballot.scale);
  m.at<double>(0, 2) += ballot.shift_x_mm * k;
  m.at<double>(1, 2) += ballot.shift_y_mm * k;
  cv::Mat out;
  cv::warpAffine(page, out, m, page.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                 cv::Scalar(kPaper));
  return out;
}

std::string BarcodeText(const Election& election, const std::string& style_id,
                        const std::string& precinct_id, bool test) {
  BallotIdentity id;
  id.set_election_hash_prefix(ElectionHashPrefix(election));
  id.set_style_id(style_id);
  id.set_precinct_id(precinct_id);
  id.set_page(1);
  id.set_test(test);
  return EncodeBallotIdentity(id);
}

GrayImage View(const cv::Mat& mat) { return ViewOf(mat); }

Election LoadFixtureElection(const std::string& relative_path) {
  absl::StatusOr<Election> election =
      LoadElectionFile(std::string(ESEP_SOURCE_DIR) + "/" + relative_path);
  if (!election.ok()) throw std::runtime_error(std::string(election.status().message()));
  return *election;
}

}  // namespace esep::vision::testing
