#ifndef ESEP_RENDER_DEGRADE_H_
#define ESEP_RENDER_DEGRADE_H_

#include <cstdint>
#include <opencv2/core.hpp>

#include "absl/status/status.h"
#include "esep/proto/deck.pb.h"

namespace esep::render {

// Bounds of the damage a DegradeSpec may ask for.
inline constexpr double kMaxRotationDeg = 5.0;
inline constexpr double kMinScale = 0.9, kMaxScale = 1.1;
inline constexpr double kMaxShiftMm = 10.0;
inline constexpr double kMaxBlurSigmaPx = 4.0;
inline constexpr double kMaxNoiseSigma = 40.0;
inline constexpr std::uint32_t kMaxDustSpecks = 500;
inline constexpr double kMinContrast = 0.4;
inline constexpr double kMinFeedStretch = 0.9, kMaxFeedStretch = 1.1;
inline constexpr double kMinGain = 0.3, kMaxGain = 1.5;
inline constexpr double kMaxOffset = 80.0;

// Checks every field of `spec` against the bounds above.
absl::Status ValidateDegradeSpec(const DegradeSpec& spec);

// Applies every damage `spec` sets to a page imaged at `dpi`, in the order it happens to a sheet:
// on the paper (fold, dust), its placement in the reader (skew, scale and shift as one affine
// warp, then stretch along the feed; fed upside down), the optics (blur), the sensor (gain and
// offset, vertical streak, low contrast, noise)
// and the image file (JPEG). A skewed, scaled or shifted sheet lies on a white scan area that
// grows to hold all of it, as a reader images more than the sheet; the page may therefore come
// back larger. Same page, spec, dpi and seed: same pixels.
absl::Status Degrade(cv::Mat& page, const DegradeSpec& spec, int dpi, std::uint64_t seed);

// A random combination of damage within what a working reader must cope with: skew up to 5
// degrees, scale 0.97-1.03, shift up to 3 mm, blur, noise, dust, a fold, a streak, low contrast,
// JPEG; values rounded to two decimals so that manifests read well.
DegradeSpec RandomDegradeSpec(std::uint64_t seed);

// What a working reader's sensor does to every page, and nothing else: 0.7 degrees of skew, a
// little blur (sigma 0.6 px) and Gaussian noise of `noise_sigma` gray levels. The performance
// benchmarks read such pages as realistic ones (docs/BENCHMARKS.md).
DegradeSpec SensorDegradeSpec(double noise_sigma);

}  // namespace esep::render

#endif  // ESEP_RENDER_DEGRADE_H_
