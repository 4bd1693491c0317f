#ifndef ESEP_TESTS_FUZZ_FUZZ_IMAGE_H_
#define ESEP_TESTS_FUZZ_FUZZ_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "esep/vision/gray_image.h"

namespace esep::fuzz {

// A grayscale image made of fuzz bytes, shared by the image fuzzers: width and height (two
// little-endian 16-bit values, each taken mod 512, plus 1), a flags byte (low 3 bits: extra
// stride; bit 7: repeat the pixels to fill the image rather than pass a possibly truncated
// buffer), then pixels. The pixels are a copy, so ASan sees their exact extent.
struct FuzzImage {
  std::vector<std::uint8_t> buffer;
  int width = 0;
  int height = 0;
  int stride = 0;
  vision::GrayImage view() const { return {buffer, width, height, stride}; }
};

inline std::optional<FuzzImage> ImageFromFuzzBytes(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return std::nullopt;
  FuzzImage image;
  image.width = 1 + ((data[0] | data[1] << 8) % 512);
  image.height = 1 + ((data[2] | data[3] << 8) % 512);
  image.stride = image.width + (data[4] & 7);
  const bool fill = (data[4] & 0x80) != 0;
  const std::uint8_t* pixels = data + 5;
  const std::size_t count = size - 5;
  if (fill && count > 0) {
    image.buffer.resize(static_cast<std::size_t>(image.stride) *
                        static_cast<std::size_t>(image.height));
    for (std::size_t i = 0; i < image.buffer.size(); ++i) image.buffer[i] = pixels[i % count];
  } else {
    image.buffer.assign(pixels, pixels + count);
  }
  return image;
}

}  // namespace esep::fuzz

#endif  // ESEP_TESTS_FUZZ_FUZZ_IMAGE_H_
