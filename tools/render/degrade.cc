#include "esep/render/degrade.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "esep/render/random.h"
#include "esep/render/render.h"

namespace esep::render {
namespace {

constexpr double kMaxSpeckDiameterMm = 0.38;  // dust specks stay under 0.4 mm

double Round2(double v) { return std::round(v * 100) / 100; }

// A crease across the sheet, roughly horizontal: a thin darker line with a faint shadow on one
// side, as a sheet folded in the voter's hand and flattened again.
void DrawFold(cv::Mat& page, int dpi, Rng& rng) {
  const double k = dpi / 25.4;
  const double y0 = rng.Uniform(0.3, 0.7) * page.rows;
  const double y1 = y0 + rng.Uniform(-0.04, 0.04) * page.rows;
  const double crease = 0.2 * k;  // half widths, pixels
  const double shadow = 0.6 * k;
  const double side = rng.Chance(0.5) ? 1.0 : -1.0;
  const double slope = (y1 - y0) / page.cols;
  const double norm = std::sqrt(1 + slope * slope);
  // Only the rows the crease and its shadow can reach.
  const double reach = (crease + shadow) * norm + 2;
  const int first = std::max(0, static_cast<int>(std::floor(std::min(y0, y1) - reach)));
  const int last = std::min(page.rows - 1, static_cast<int>(std::ceil(std::max(y0, y1) + reach)));
  for (int y = first; y <= last; ++y) {
    unsigned char* row = page.ptr<unsigned char>(y);
    for (int x = 0; x < page.cols; ++x) {
      // Signed distance of the pixel centre from the crease line.
      const double d = ((y + 0.5) - (y0 + slope * (x + 0.5))) / norm;
      double factor = 1.0;
      if (std::abs(d) <= crease) {
        factor = 0.8;
      } else if (d * side > 0 && std::abs(d) <= crease + shadow) {
        factor = 0.96;
      } else {
        continue;
      }
      row[x] = cv::saturate_cast<unsigned char>(std::lround(row[x] * factor));
    }
  }
}

void DrawDust(cv::Mat& page, std::uint32_t count, int dpi, Rng& rng) {
  const double k = dpi / 25.4;
  constexpr int kShift = 4;
  for (std::uint32_t i = 0; i < count; ++i) {
    const double x = rng.Uniform(0, page.cols), y = rng.Uniform(0, page.rows);
    const double radius = rng.Uniform(0.05, kMaxSpeckDiameterMm / 2) * k;
    const double gray = rng.Uniform(20, 120);
    // Drawn into a small mask so the speck darkens, never lightens, what lies under it.
    const int r = static_cast<int>(std::ceil(radius)) + 2;
    const cv::Rect roi =
        cv::Rect(static_cast<int>(x) - r, static_cast<int>(y) - r, 2 * r + 1, 2 * r + 1) &
        cv::Rect(cv::Point(0, 0), page.size());
    if (roi.area() == 0) continue;
    cv::Mat mask(roi.size(), CV_8UC1, cv::Scalar(0));
    cv::circle(mask,
               cv::Point(static_cast<int>(std::lround((x - roi.x) * 16)),
                         static_cast<int>(std::lround((y - roi.y) * 16))),
               static_cast<int>(std::lround(radius * 16)), cv::Scalar(255), cv::FILLED, cv::LINE_AA,
               kShift);
    for (int yy = 0; yy < roi.height; ++yy) {
      unsigned char* row = page.ptr<unsigned char>(roi.y + yy) + roi.x;
      const unsigned char* m = mask.ptr<unsigned char>(yy);
      for (int xx = 0; xx < roi.width; ++xx) {
        if (m[xx] == 0) continue;
        const double a = m[xx] / 255.0;
        const double v = row[xx] * (1 - a) + std::min<double>(row[xx], gray) * a;
        row[xx] = cv::saturate_cast<unsigned char>(std::lround(v));
      }
    }
  }
}

// Skew, scale and shift about the page centre as one affine warp onto a white scan area large
// enough to hold the whole sheet.
void Warp(cv::Mat& page, const DegradeSpec& spec, int dpi) {
  const double k = dpi / 25.4;
  const double scale = spec.scale() == 0 ? 1.0 : spec.scale();
  const cv::Point2f centre(page.cols / 2.0f, page.rows / 2.0f);
  cv::Mat m = cv::getRotationMatrix2D(centre, spec.rotation_deg(), scale);
  m.at<double>(0, 2) += spec.shift_x_mm() * k;
  m.at<double>(1, 2) += spec.shift_y_mm() * k;
  // The feed pulls the sheet past the sensor too fast or too slow: image rows stretch.
  if (spec.feed_stretch() != 0) {
    for (int j = 0; j < 3; ++j) m.at<double>(1, j) *= spec.feed_stretch();
  }
  // Bounding box of the moved sheet together with the original page frame.
  double min_x = 0, min_y = 0, max_x = page.cols, max_y = page.rows;
  const double corners[4][2] = {{0, 0},
                                {static_cast<double>(page.cols), 0},
                                {0, static_cast<double>(page.rows)},
                                {static_cast<double>(page.cols), static_cast<double>(page.rows)}};
  for (const auto& c : corners) {
    const double x = m.at<double>(0, 0) * c[0] + m.at<double>(0, 1) * c[1] + m.at<double>(0, 2);
    const double y = m.at<double>(1, 0) * c[0] + m.at<double>(1, 1) * c[1] + m.at<double>(1, 2);
    min_x = std::min(min_x, x);
    min_y = std::min(min_y, y);
    max_x = std::max(max_x, x);
    max_y = std::max(max_y, y);
  }
  const double ox = std::ceil(-min_x), oy = std::ceil(-min_y);
  m.at<double>(0, 2) += ox;
  m.at<double>(1, 2) += oy;
  const cv::Size size(static_cast<int>(std::ceil(max_x + ox)),
                      static_cast<int>(std::ceil(max_y + oy)));
  cv::Mat out;
  cv::warpAffine(page, out, m, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
  page = out;
}

void DrawStreak(cv::Mat& page, Rng& rng) {
  const int width = static_cast<int>(rng.UniformInt(1, 3));
  const int x0 = static_cast<int>(rng.UniformInt(page.cols / 10, page.cols * 9 / 10 - width));
  const double factor = 1.0 - rng.Uniform(0.35, 0.45);
  for (int y = 0; y < page.rows; ++y) {
    unsigned char* row = page.ptr<unsigned char>(y);
    for (int x = x0; x < x0 + width; ++x) {
      row[x] = cv::saturate_cast<unsigned char>(std::lround(row[x] * factor));
    }
  }
}

// A streak at image columns [x0, x0 + width) that lets `transmission` of the light through.
void DrawStreakAt(cv::Mat& page, int x0, int width, double transmission) {
  x0 = std::clamp(x0, 0, page.cols - 1);
  const int x1 = std::min(page.cols, x0 + width);
  for (int y = 0; y < page.rows; ++y) {
    unsigned char* row = page.ptr<unsigned char>(y);
    for (int x = x0; x < x1; ++x) {
      row[x] = cv::saturate_cast<unsigned char>(std::lround(row[x] * transmission));
    }
  }
}

// A scratch across the feed: a dark line 2 px high through the whole width at image row `y0`.
void DrawScratch(cv::Mat& page, int y0) {
  for (int y = std::max(0, y0); y < std::min(page.rows, y0 + 2); ++y) {
    unsigned char* row = page.ptr<unsigned char>(y);
    for (int x = 0; x < page.cols; ++x) {
      row[x] = cv::saturate_cast<unsigned char>(std::lround(row[x] * 0.3));
    }
  }
}

// The sensor's gain and offset: gray = offset + gain * gray.
void GainOffset(cv::Mat& page, double gain, double offset) {
  unsigned char lut[256];
  for (int v = 0; v < 256; ++v) {
    lut[v] = cv::saturate_cast<unsigned char>(std::lround(offset + gain * v));
  }
  for (int y = 0; y < page.rows; ++y) {
    unsigned char* row = page.ptr<unsigned char>(y);
    for (int x = 0; x < page.cols; ++x) row[x] = lut[row[x]];
  }
}

void CompressContrast(cv::Mat& page, double contrast) {
  unsigned char lut[256];
  for (int v = 0; v < 256; ++v) {
    lut[v] = cv::saturate_cast<unsigned char>(std::lround(128 + (v - 128) * contrast));
  }
  for (int y = 0; y < page.rows; ++y) {
    unsigned char* row = page.ptr<unsigned char>(y);
    for (int x = 0; x < page.cols; ++x) row[x] = lut[row[x]];
  }
}

// Sensor noise, close to Gaussian: the sum of the four 16-bit quarters of one 64-bit draw,
// centred and scaled to unit variance (bounded at +-3.46 sigma). A page has millions of pixels,
// so the draws come from a splitmix64 sequence seeded from `rng` (one multiply-xorshift chain a
// pixel) and the sum is scaled and rounded in 2^-24 fixed point: the noisy page costs a few
// milliseconds, not the tens a Mersenne Twister and a libm rounding call per pixel took.
void AddNoise(cv::Mat& page, double sigma, Rng& rng) {
  constexpr int kFraction = 24;
  // The sum minus its mean (each quarter taken at the centre of its step: mean 2 * 65536 - 2),
  // times scale, is the noise in gray levels.
  const auto scale = static_cast<std::int64_t>(
      std::llround(sigma * std::sqrt(3.0) / 65536.0 * static_cast<double>(1 << kFraction)));
  constexpr std::int64_t kHalf = std::int64_t{1} << (kFraction - 1);
  std::uint64_t state = rng.Next();
  for (int y = 0; y < page.rows; ++y) {
    unsigned char* row = page.ptr<unsigned char>(y);
    for (int x = 0; x < page.cols; ++x) {
      state += kGoldenGamma;
      const std::uint64_t z = SplitMix64Finalise(state);
      const auto sum = static_cast<std::int64_t>((z & 0xFFFF) + ((z >> 16) & 0xFFFF) +
                                                 ((z >> 32) & 0xFFFF) + (z >> 48)) -
                       (2 * 65536 - 2);
      // Round half up: an arithmetic shift floors negative values too.
      const std::int64_t v =
          ((static_cast<std::int64_t>(row[x]) << kFraction) + scale * sum + kHalf) >> kFraction;
      row[x] = static_cast<unsigned char>(std::clamp<std::int64_t>(v, 0, 255));
    }
  }
}

absl::Status Jpeg(cv::Mat& page, int quality) {
  std::vector<unsigned char> bytes;
  const std::vector<int> params = {cv::IMWRITE_JPEG_QUALITY,     quality,
                                   cv::IMWRITE_JPEG_OPTIMIZE,    0,
                                   cv::IMWRITE_JPEG_PROGRESSIVE, 0};
  if (!cv::imencode(".jpg", page, bytes, params)) {
    return absl::InternalError("JPEG encoding failed");
  }
  cv::Mat decoded = cv::imdecode(bytes, cv::IMREAD_GRAYSCALE);
  if (decoded.empty() || decoded.size() != page.size()) {
    return absl::InternalError("JPEG decoding failed");
  }
  page = decoded;
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateDegradeSpec(const DegradeSpec& spec) {
  auto bad = [](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("damage: ", std::string(what)));
  };
  if (!(std::abs(spec.rotation_deg()) <= kMaxRotationDeg)) {
    return bad(absl::StrCat("rotation_deg must be within +-", kMaxRotationDeg));
  }
  if (spec.scale() != 0 && !(spec.scale() >= kMinScale && spec.scale() <= kMaxScale)) {
    return bad(absl::StrCat("scale must be 0 (none) or from ", kMinScale, " to ", kMaxScale));
  }
  if (!(std::abs(spec.shift_x_mm()) <= kMaxShiftMm && std::abs(spec.shift_y_mm()) <= kMaxShiftMm)) {
    return bad(absl::StrCat("shift must be within +-", kMaxShiftMm, " mm"));
  }
  if (!(spec.blur_sigma_px() >= 0 && spec.blur_sigma_px() <= kMaxBlurSigmaPx)) {
    return bad(absl::StrCat("blur_sigma_px must be from 0 to ", kMaxBlurSigmaPx));
  }
  if (!(spec.noise_sigma() >= 0 && spec.noise_sigma() <= kMaxNoiseSigma)) {
    return bad(absl::StrCat("noise_sigma must be from 0 to ", kMaxNoiseSigma));
  }
  if (spec.dust_specks() > kMaxDustSpecks) {
    return bad(absl::StrCat("dust_specks must be at most ", kMaxDustSpecks));
  }
  if (spec.contrast() != 0 && !(spec.contrast() >= kMinContrast && spec.contrast() <= 1)) {
    return bad(absl::StrCat("contrast must be 0 (none) or from ", kMinContrast, " to 1"));
  }
  if (spec.jpeg_quality() > 100) return bad("jpeg_quality must be from 0 (none) to 100");
  if (spec.feed_stretch() != 0 &&
      !(spec.feed_stretch() >= kMinFeedStretch && spec.feed_stretch() <= kMaxFeedStretch)) {
    return bad(absl::StrCat("feed_stretch must be 0 (none) or from ", kMinFeedStretch, " to ",
                            kMaxFeedStretch));
  }
  if (spec.gain() != 0 && !(spec.gain() >= kMinGain && spec.gain() <= kMaxGain)) {
    return bad(absl::StrCat("gain must be 0 (none) or from ", kMinGain, " to ", kMaxGain));
  }
  if (!(std::abs(spec.offset()) <= kMaxOffset)) {
    return bad(absl::StrCat("offset must be within +-", kMaxOffset, " gray levels"));
  }
  if (spec.streak_width_px() > 8) return bad("streak_width_px must be from 0 (random) to 8");
  if (!(spec.streak_transmission() >= 0 && spec.streak_transmission() <= 0.9)) {
    return bad("streak_transmission must be from 0 to 0.9");
  }
  if (!(spec.streak_x_mm() >= 0 && spec.streak_x_mm() <= 1000) ||
      !(spec.scratch_y_mm() >= 0 && spec.scratch_y_mm() <= 1000)) {
    return bad("streak_x_mm and scratch_y_mm must be from 0 to 1000");
  }
  return absl::OkStatus();
}

absl::Status Degrade(cv::Mat& page, const DegradeSpec& spec, int dpi, std::uint64_t seed) {
  if (absl::Status s = ValidateDegradeSpec(spec); !s.ok()) return s;
  if (dpi < kMinDpi || dpi > kMaxDpi) {
    return absl::InvalidArgumentError(
        absl::StrCat("resolution must be from ", kMinDpi, " to ", kMaxDpi, " dpi, not ", dpi));
  }
  if (page.empty() || page.type() != CV_8UC1) {
    return absl::InvalidArgumentError("damage is applied to an 8-bit grayscale page only");
  }
  // One generator per kind of damage: turning one on does not change how another looks.
  try {
    if (spec.fold()) {
      Rng rng(MixSeed(seed, 0xF01D));
      DrawFold(page, dpi, rng);
    }
    if (spec.dust_specks() > 0) {
      Rng rng(MixSeed(seed, 0xD057));
      DrawDust(page, spec.dust_specks(), dpi, rng);
    }
    if (spec.rotation_deg() != 0 || spec.scale() != 0 || spec.shift_x_mm() != 0 ||
        spec.shift_y_mm() != 0 || spec.feed_stretch() != 0) {
      Warp(page, spec, dpi);
    }
    if (spec.upside_down()) {
      cv::Mat rotated;
      cv::rotate(page, rotated, cv::ROTATE_180);
      page = rotated;
    }
    if (spec.blur_sigma_px() > 0) {
      cv::Mat blurred;
      cv::GaussianBlur(page, blurred, cv::Size(0, 0), spec.blur_sigma_px(), spec.blur_sigma_px(),
                       cv::BORDER_REPLICATE);
      page = blurred;
    }
    if (spec.gain() != 0 || spec.offset() != 0) {
      GainOffset(page, spec.gain() == 0 ? 1.0 : spec.gain(), spec.offset());
    }
    if (spec.streak()) {
      Rng rng(MixSeed(seed, 0x57EA));
      if (spec.streak_width_px() > 0) {
        DrawStreakAt(page, static_cast<int>(std::lround(spec.streak_x_mm() * dpi / 25.4)),
                     static_cast<int>(spec.streak_width_px()), spec.streak_transmission());
      } else {
        DrawStreak(page, rng);
      }
    }
    if (spec.scratch_y_mm() > 0) {
      DrawScratch(page, static_cast<int>(std::lround(spec.scratch_y_mm() * dpi / 25.4)));
    }
    if (spec.contrast() > 0) CompressContrast(page, spec.contrast());
    if (spec.noise_sigma() > 0) {
      Rng rng(MixSeed(seed, 0x0015E));
      AddNoise(page, spec.noise_sigma(), rng);
    }
    if (spec.jpeg_quality() > 0) {
      if (absl::Status s = Jpeg(page, static_cast<int>(spec.jpeg_quality())); !s.ok()) return s;
    }
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("applying damage failed: ", e.what()));
  }
  return absl::OkStatus();
}

DegradeSpec SensorDegradeSpec(double noise_sigma) {
  DegradeSpec spec;
  spec.set_rotation_deg(0.7);
  spec.set_blur_sigma_px(0.6);
  spec.set_noise_sigma(noise_sigma);
  return spec;
}

DegradeSpec RandomDegradeSpec(std::uint64_t seed) {
  Rng rng(MixSeed(seed, 0xDE6));
  DegradeSpec spec;
  if (rng.Chance(0.8))
    spec.set_rotation_deg(Round2(rng.Uniform(-kMaxRotationDeg, kMaxRotationDeg)));
  if (rng.Chance(0.2)) spec.set_upside_down(true);
  if (rng.Chance(0.4)) spec.set_scale(Round2(rng.Uniform(0.97, 1.03)));
  if (rng.Chance(0.5)) {
    spec.set_shift_x_mm(Round2(rng.Uniform(-3, 3)));
    spec.set_shift_y_mm(Round2(rng.Uniform(-3, 3)));
  }
  if (rng.Chance(0.5)) spec.set_blur_sigma_px(Round2(rng.Uniform(0.3, 1.5)));
  if (rng.Chance(0.5)) spec.set_noise_sigma(Round2(rng.Uniform(2, 10)));
  if (rng.Chance(0.5)) spec.set_dust_specks(static_cast<std::uint32_t>(rng.UniformInt(5, 60)));
  if (rng.Chance(0.3)) spec.set_fold(true);
  if (rng.Chance(0.25)) spec.set_streak(true);
  if (rng.Chance(0.3)) spec.set_contrast(Round2(rng.Uniform(0.5, 0.9)));
  if (rng.Chance(0.4)) spec.set_jpeg_quality(static_cast<std::uint32_t>(rng.UniformInt(40, 90)));
  return spec;
}

}  // namespace esep::render
