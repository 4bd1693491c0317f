#include "esep/vision/ballot_identity_reader.h"

#include <ZXing/ReadBarcode.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "esep/proto/ballot_identity.h"
#include "esep/proto/election.h"
#include "histogram.h"

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

ZXing::Result Decode(const cv::Mat& view, const ZXing::DecodeHints& hints) {
  const ZXing::ImageView zx(view.ptr<std::uint8_t>(0), view.cols, view.rows,
                            ZXing::ImageFormat::Lum, static_cast<int>(view.step[0]));
  return ZXing::ReadBarcode(zx, hints);
}

// `view` box-averaged by `factor` and its gray levels stretched so that the 1st and 99th
// percentiles become 0 and 255 (integer arithmetic: the same bytes on every machine).
cv::Mat Stretch(const cv::Mat& view, int factor) {
  const int w = view.cols / factor, h = view.rows / factor;
  cv::Mat out(h, w, CV_8UC1);
  std::array<int, 256> hist{};
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      int sum = 0;
      for (int dy = 0; dy < factor; ++dy) {
        const std::uint8_t* row = view.ptr<std::uint8_t>(r * factor + dy);
        for (int dx = 0; dx < factor; ++dx) sum += row[c * factor + dx];
      }
      const int v = (sum + factor * factor / 2) / (factor * factor);
      out.at<std::uint8_t>(r, c) = static_cast<std::uint8_t>(v);
      ++hist[static_cast<std::size_t>(v)];
    }
  }
  const long long total = static_cast<long long>(w) * h;
  int lo = 0, hi = 255;
  long long seen = 0;
  for (int v = 0; v < 256; ++v) {
    seen += hist[static_cast<std::size_t>(v)];
    if (seen * 100 <= total) lo = v;
    if (seen * 100 < total * 99) hi = v + 1;
  }
  hi = std::min(hi, 255);
  if (hi - lo < 8) return out;
  for (int r = 0; r < h; ++r) {
    std::uint8_t* row = out.ptr<std::uint8_t>(r);
    for (int c = 0; c < w; ++c)
      row[c] = static_cast<std::uint8_t>(std::clamp((row[c] - lo) * 255 / (hi - lo), 0, 255));
  }
  return out;
}

// Only the near-black ink of `view` (black: below a sixth of the way from the darkest to the
// paper), everything lighter white. The commission's stamp is gray ink, 40 to 200 gray levels;
// where it lies over a printed code it leaves the black modules black (ink only darkens), so
// this takes the stamp out of the code.
cv::Mat BlackInkOnly(const cv::Mat& view) {
  Histogram hist{};
  for (int r = 0; r < view.rows; ++r) {
    const std::uint8_t* row = view.ptr<std::uint8_t>(r);
    for (int c = 0; c < view.cols; ++c) ++hist[row[c]];
  }
  const long long total = static_cast<long long>(view.rows) * view.cols;
  const int dark = Percentile(hist, total, 0.01);
  const int paper = Percentile(hist, total, 0.95);
  const int threshold = dark + (paper - dark) / 6;
  cv::Mat out(view.rows, view.cols, CV_8UC1);
  for (int r = 0; r < view.rows; ++r) {
    const std::uint8_t* in = view.ptr<std::uint8_t>(r);
    std::uint8_t* row = out.ptr<std::uint8_t>(r);
    for (int c = 0; c < view.cols; ++c) row[c] = in[c] < threshold ? 0 : 255;
  }
  return out;
}

// Twice the size, bilinear with weights 9/16, 3/16, 3/16, 1/16.
cv::Mat Upsample2x(const cv::Mat& view) {
  cv::Mat out(view.rows * 2, view.cols * 2, CV_8UC1);
  for (int r = 0; r < out.rows; ++r) {
    const int r0 = r / 2;
    const int r1 = std::clamp(r % 2 ? r0 + 1 : r0 - 1, 0, view.rows - 1);
    const std::uint8_t* near_row = view.ptr<std::uint8_t>(r0);
    const std::uint8_t* far_row = view.ptr<std::uint8_t>(r1);
    std::uint8_t* dst = out.ptr<std::uint8_t>(r);
    for (int c = 0; c < out.cols; ++c) {
      const int c0 = c / 2;
      const int c1 = std::clamp(c % 2 ? c0 + 1 : c0 - 1, 0, view.cols - 1);
      dst[c] = static_cast<std::uint8_t>(
          (9 * near_row[c0] + 3 * near_row[c1] + 3 * far_row[c0] + far_row[c1] + 8) / 16);
    }
  }
  return out;
}

// Unsharp masking: 2 * pixel - mean of its 7 x 7 neighbourhood, clamped.
cv::Mat Sharpen(const cv::Mat& view) {
  constexpr int kRadius = 3;
  const int w = view.cols, h = view.rows;
  std::vector<long long> integral(static_cast<std::size_t>(w + 1) * (h + 1), 0);
  auto at = [&](int r, int c) -> long long& {
    return integral[static_cast<std::size_t>(r) * (w + 1) + c];
  };
  for (int r = 0; r < h; ++r) {
    const std::uint8_t* row = view.ptr<std::uint8_t>(r);
    long long running = 0;
    for (int c = 0; c < w; ++c) {
      running += row[c];
      at(r + 1, c + 1) = at(r, c + 1) + running;
    }
  }
  cv::Mat out(h, w, CV_8UC1);
  for (int r = 0; r < h; ++r) {
    const int r0 = std::max(0, r - kRadius), r1 = std::min(h, r + kRadius + 1);
    for (int c = 0; c < w; ++c) {
      const int c0 = std::max(0, c - kRadius), c1 = std::min(w, c + kRadius + 1);
      const long long sum = at(r1, c1) - at(r0, c1) - at(r1, c0) + at(r0, c0);
      const long long mean = sum / (static_cast<long long>(r1 - r0) * (c1 - c0));
      out.at<std::uint8_t>(r, c) = static_cast<std::uint8_t>(
          std::clamp<long long>(2 * view.at<std::uint8_t>(r, c) - mean, 0, 255));
    }
  }
  return out;
}

// Lines along or across the feed (dust or a scratch on the sensor glass, a fold) through the
// barcode crop `crop` of `image` taken out: each column's level is a high percentile over the
// whole image height and each row's over the whole width, which the code's own modules cannot
// darken; a column or row darker than the typical one is lifted by its gain when the line lets
// light through, and filled from the nearest clean columns or rows when it is nearly opaque.
// Integer arithmetic only. Returns an empty matrix when there is no such line.
cv::Mat WithoutLines(const cv::Mat& image, const cv::Rect& crop) {
  constexpr int kDeadZone = 6;
  auto levels = [&](bool columns) {
    const int n = columns ? crop.width : crop.height;
    const int span = columns ? image.rows : image.cols;
    const int step = std::max(1, span / 300);
    std::vector<int> level(static_cast<std::size_t>(n));
    std::vector<std::uint8_t> samples;
    for (int i = 0; i < n; ++i) {
      samples.clear();
      for (int j = step / 2; j < span; j += step) {
        samples.push_back(columns ? image.at<std::uint8_t>(j, crop.x + i)
                                  : image.at<std::uint8_t>(crop.y + i, j));
      }
      level[static_cast<std::size_t>(i)] = NthPercentile(samples, 85);
    }
    return level;
  };
  const std::vector<int> col_level = levels(true), row_level = levels(false);
  auto typical = [](std::vector<int> v) { return NthPercentile(v, 50); };
  const int col_typical = typical(col_level), row_typical = typical(row_level);
  bool any = false;
  for (int l : col_level) any = any || l < col_typical - kDeadZone;
  for (int l : row_level) any = any || l < row_typical - kDeadZone;
  if (!any) return {};
  cv::Mat out = image(crop).clone();
  // One direction at a time: `dark(i)` tells whether line i is a streak, `get`/`put` address a
  // pixel by (line, position along it).
  auto repair = [&](const std::vector<int>& level, int typ, bool columns) {
    const int n = static_cast<int>(level.size());
    const int len = columns ? out.rows : out.cols;
    auto dark = [&](int i) { return level[static_cast<std::size_t>(i)] < typ - kDeadZone; };
    auto at = [&](int line, int pos) -> std::uint8_t& {
      return columns ? out.at<std::uint8_t>(pos, line) : out.at<std::uint8_t>(line, pos);
    };
    for (int i = 0; i < n; ++i) {
      if (!dark(i)) continue;
      const int l = level[static_cast<std::size_t>(i)];
      if (l * 3 >= typ) {
        for (int pos = 0; pos < len; ++pos) {
          std::uint8_t& v = at(i, pos);
          v = static_cast<std::uint8_t>(std::min(255, (v * typ + l / 2) / std::max(1, l)));
        }
        continue;
      }
      int left = i - 1, right = i + 1;
      while (left >= 0 && dark(left)) --left;
      while (right < n && dark(right)) ++right;
      for (int pos = 0; pos < len; ++pos) {
        int v = 255;
        if (left >= 0 && right < n) {
          v = (at(left, pos) * (right - i) + at(right, pos) * (i - left) + (right - left) / 2) /
              (right - left);
        } else if (left >= 0) {
          v = at(left, pos);
        } else if (right < n) {
          v = at(right, pos);
        }
        at(i, pos) = static_cast<std::uint8_t>(v);
      }
    }
  };
  repair(col_level, col_typical, true);
  repair(row_level, row_typical, false);
  return out;
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
  ZXing::DecodeHints hints;
  hints.setFormats(FormatOf(spec.symbology()));
  hints.setTryRotate(true);
  hints.setTryHarder(true);
  hints.setTryDownscale(false);
  hints.setMaxNumberOfSymbols(1);
  ZXing::Result result = Decode(view, hints);
  // A retry on a cleaned crop: as it is, then doubled in size when that fails.
  auto decode_at_both_sizes = [&hints](const cv::Mat& crop_image) {
    ZXing::Result r = Decode(crop_image, hints);
    return r.isValid() ? r : Decode(Upsample2x(crop_image), hints);
  };
  if (!result.isValid()) {
    // A blurred, noisy or low-contrast scan. Each retry runs only when the one before failed:
    // the crop doubled in size (ZXing finds blurred finder patterns better with more pixels per
    // module), then sharpened and doubled, then stretched to the full gray range at half size
    // and thresholded at its histogram's valley. All in integer arithmetic: the same bytes, so
    // the same outcome, on every machine.
    result = Decode(Upsample2x(view), hints);
    if (!result.isValid()) result = Decode(Upsample2x(Sharpen(view)), hints);
    if (!result.isValid()) {
      hints.setBinarizer(ZXing::Binarizer::GlobalHistogram);
      result = Decode(Stretch(view, 2), hints);
      hints.setBinarizer(ZXing::Binarizer::LocalAverage);
    }
    if (!result.isValid()) {
      // A streak (dust or a scratch on the sensor glass runs the whole length of the feed) or a
      // line across the sheet through the code: the line taken out, then read as above.
      if (const cv::Mat clean = WithoutLines(image, crop); !clean.empty()) {
        result = decode_at_both_sizes(clean);
        if (!result.isValid()) result = Decode(Upsample2x(Sharpen(clean)), hints);
      }
    }
    if (!result.isValid()) {
      // A commission stamp over the code: only its black ink kept.
      result = decode_at_both_sizes(BlackInkOnly(view));
    }
    if (!result.isValid()) {
      // A speck of dust inside a finder pattern breaks its 1:1:3:1:1 run of modules. A 5 x 5
      // median takes out specks under about 3 pixels (0.4 mm at 200 dpi) and keeps the modules
      // (5 pixels, 0.64 mm, at 200 dpi), only rounding their outer corners.
      cv::Mat clean;
      cv::medianBlur(view, clean, 5);
      result = decode_at_both_sizes(clean);
    }
  }
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
