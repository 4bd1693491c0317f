#include "esep/vision/ballot_identity_reader.h"

#include <ZXing/ReadBarcode.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "esep/proto/ballot_identity.h"
#include "esep/proto/election.h"

namespace esep::vision {
namespace {

ZXing::BarcodeFormat FormatOf(BarcodeSymbology symbology) {
  switch (symbology) {
    case DATA_MATRIX:
      return ZXing::BarcodeFormat::DataMatrix;
    case PDF417:
      return ZXing::BarcodeFormat::PDF417;
    case CODE_128:
      return ZXing::BarcodeFormat::Code128;
    case QR_CODE:
    default:
      return ZXing::BarcodeFormat::QRCode;
  }
}

}  // namespace

BarcodeReading BallotIdentityReader::Read(const cv::Mat& image, const BarcodeSpec& spec,
                                          const PageTransform& transform) {
  BarcodeReading reading;
  const Rect& area = spec.area();
  const double margin_mm = 2.0;
  double min_u = 1e18, min_v = 1e18, max_u = -1e18, max_v = -1e18;
  for (const double x : {area.x_mm() - margin_mm, area.x_mm() + area.width_mm() + margin_mm}) {
    for (const double y : {area.y_mm() - margin_mm, area.y_mm() + area.height_mm() + margin_mm}) {
      const PointPx p = transform.ToImage(x, y);
      min_u = std::min(min_u, p.x);
      max_u = std::max(max_u, p.x);
      min_v = std::min(min_v, p.y);
      max_v = std::max(max_v, p.y);
    }
  }
  const cv::Rect crop =
      cv::Rect(static_cast<int>(std::floor(min_u)), static_cast<int>(std::floor(min_v)),
               static_cast<int>(std::ceil(max_u - min_u)),
               static_cast<int>(std::ceil(max_v - min_v))) &
      cv::Rect(0, 0, image.cols, image.rows);
  if (crop.width < 8 || crop.height < 8) {
    reading.reason = NO_BARCODE;
    reading.detail = "the barcode area lies outside the image";
    return reading;
  }
  const cv::Mat view = image(crop);
  const ZXing::ImageView zx(view.ptr<std::uint8_t>(0), view.cols, view.rows,
                            ZXing::ImageFormat::Lum, static_cast<int>(view.step[0]));
  ZXing::DecodeHints hints;
  hints.setFormats(FormatOf(spec.symbology()));
  hints.setTryRotate(true);
  hints.setTryHarder(true);
  hints.setTryDownscale(false);
  hints.setMaxNumberOfSymbols(1);
  const ZXing::Result result = ZXing::ReadBarcode(zx, hints);
  if (!result.isValid()) {
    reading.reason = NO_BARCODE;
    reading.detail = "no readable barcode in the barcode area";
    return reading;
  }
  const ZXing::ByteArray& bytes = result.bytes();
  reading.text.assign(bytes.begin(), bytes.end());
  absl::StatusOr<BallotIdentity> identity = DecodeBallotIdentity(reading.text);
  if (!identity.ok()) {
    reading.reason = BAD_BARCODE;
    reading.detail = std::string(identity.status().message());
    return reading;
  }
  reading.identity = *std::move(identity);
  return reading;
}

RejectionReason BallotIdentityReader::Check(const BallotIdentity& identity,
                                            const Election& election,
                                            const IdentityExpectation& expectation,
                                            std::string* detail) {
  if (identity.election_hash_prefix() != expectation.election_hash_prefix) {
    *detail = absl::StrCat("ballot of another election or definition version (barcode ",
                           identity.election_hash_prefix(), ", reader set up for ",
                           expectation.election_hash_prefix, ")");
    return WRONG_ELECTION;
  }
  const BallotStyle* style = FindBallotStyle(election, identity.style_id());
  if (style == nullptr) {
    *detail = absl::StrCat("ballot style \"", identity.style_id(), "\" is not in the definition");
    return UNKNOWN_STYLE;
  }
  const bool style_issued_here =
      std::find(style->precinct_ids().begin(), style->precinct_ids().end(),
                identity.precinct_id()) != style->precinct_ids().end();
  if (!style_issued_here) {
    *detail = absl::StrCat("ballot style \"", identity.style_id(), "\" is not issued at precinct ",
                           identity.precinct_id());
    return WRONG_PRECINCT;
  }
  if (!expectation.precinct_id.empty() && identity.precinct_id() != expectation.precinct_id) {
    *detail = absl::StrCat("ballot of precinct ", identity.precinct_id(),
                           "; this reader counts precinct ", expectation.precinct_id);
    return WRONG_PRECINCT;
  }
  if (identity.test() && !expectation.test_mode) {
    *detail = "test-deck ballot fed while counting live ballots";
    return TEST_BALLOT_WHILE_LIVE;
  }
  if (!identity.test() && expectation.test_mode) {
    *detail = "live ballot fed during the logic-and-accuracy test";
    return LIVE_BALLOT_IN_TEST;
  }
  return REJECTION_REASON_UNSPECIFIED;
}

}  // namespace esep::vision
