#ifndef ESEP_VISION_GRAY_IMAGE_H_
#define ESEP_VISION_GRAY_IMAGE_H_

#include <cstdint>
#include <span>

#include "absl/status/status.h"

namespace esep::vision {

// Largest accepted image side in pixels: an A4 page at 1200 dpi is 9921 x 14031, so anything
// past this is a corrupted header, not a scan.
inline constexpr int kMaxImageSide = 12000;
// Smallest accepted image side in pixels.
inline constexpr int kMinImageSide = 16;

// A non-owning view of an 8-bit grayscale image: row r starts at pixels[r * stride].
struct GrayImage {
  std::span<const std::uint8_t> pixels;
  int width = 0;
  int height = 0;
  int stride = 0;
};

// Checks the view before any pixel is read: sizes in range, stride >= width, and a buffer long
// enough for every row. The message says what is wrong.
absl::Status ValidateGrayImage(const GrayImage& image);

}  // namespace esep::vision

#endif  // ESEP_VISION_GRAY_IMAGE_H_
