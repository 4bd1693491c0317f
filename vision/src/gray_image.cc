#include "esep/vision/gray_image.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace esep::vision {

absl::Status ValidateGrayImage(const GrayImage& image) {
  if (image.pixels.empty() || image.width <= 0 || image.height <= 0) {
    return absl::InvalidArgumentError("the image is empty");
  }
  if (image.width > kMaxImageSide || image.height > kMaxImageSide) {
    return absl::InvalidArgumentError(absl::StrCat("the image is ", image.width, " x ",
                                                   image.height, " pixels; at most ", kMaxImageSide,
                                                   " on a side is accepted"));
  }
  if (image.width < kMinImageSide || image.height < kMinImageSide) {
    return absl::InvalidArgumentError(absl::StrCat("the image is ", image.width, " x ",
                                                   image.height, " pixels; a ballot scan has at ",
                                                   "least ", kMinImageSide, " on a side"));
  }
  if (image.stride < image.width) {
    return absl::InvalidArgumentError(
        absl::StrCat("row stride ", image.stride, " is less than the width ", image.width));
  }
  const std::uint64_t needed =
      static_cast<std::uint64_t>(image.height - 1) * static_cast<std::uint64_t>(image.stride) +
      static_cast<std::uint64_t>(image.width);
  if (image.pixels.size() < needed) {
    return absl::InvalidArgumentError(absl::StrCat("the image buffer holds ", image.pixels.size(),
                                                   " bytes; ", needed, " are needed"));
  }
  return absl::OkStatus();
}

}  // namespace esep::vision
