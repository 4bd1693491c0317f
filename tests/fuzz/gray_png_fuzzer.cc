// Ballot image files reach replay from bundles and auditors' folders: any bytes must give an image
// or an error, never a crash, and every image the ballot image codec reads must be the image
// libpng reads (through OpenCV), pixel for pixel. The first input byte picks the form of the
// rest, so that mutations reach past the checksums:
//   even: a PNG file whose chunk CRC-32s the harness recomputes before decoding (bit 1 of the
//         byte: leave them as they are);
//   odd:  width and height (one byte each, plus 1), then filtered rows (a filter byte and the
//         pixels per row, cut or padded with zeros), which the harness deflates with zlib
//         and wraps in IHDR, IDAT and IEND.
// Whatever decodes is encoded again and must decode to the same pixels.
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "esep/vision/image_codec.h"

namespace {

using Bytes = std::vector<std::uint8_t>;

std::uint32_t ReadU32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | static_cast<std::uint32_t>(p[3]);
}

void WriteU32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

void AppendChunk(Bytes& out, const char* type, const Bytes& data) {
  const std::size_t at = out.size();
  out.resize(at + 12 + data.size());
  WriteU32(out.data() + at, static_cast<std::uint32_t>(data.size()));
  std::copy(type, type + 4, out.begin() + static_cast<std::ptrdiff_t>(at + 4));
  std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(at + 8));
  WriteU32(out.data() + at + 8 + data.size(),
           static_cast<std::uint32_t>(
               crc32(0, out.data() + at + 4, static_cast<uInt>(data.size() + 4))));
}

// Recomputes the CRC-32 of every whole chunk after the signature.
void FixCrcs(Bytes& png) {
  std::size_t at = 8;
  while (png.size() >= at + 12) {
    const std::uint32_t length = ReadU32(png.data() + at);
    if (length > png.size() - at - 12) break;
    WriteU32(png.data() + at + 8 + length,
             static_cast<std::uint32_t>(crc32(0, png.data() + at + 4, length + 4)));
    at += 12 + length;
  }
}

Bytes PngFromRows(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return {};
  const std::uint32_t width = 1u + data[0];
  const std::uint32_t height = 1u + data[1];
  Bytes rows(data + 2, data + size);
  rows.resize(static_cast<std::size_t>(width + 1) * height, 0);
  uLongf packed_size = compressBound(static_cast<uLong>(rows.size()));
  Bytes packed(packed_size);
  if (compress2(packed.data(), &packed_size, rows.data(), static_cast<uLong>(rows.size()), 1) !=
      Z_OK) {
    std::abort();
  }
  packed.resize(packed_size);
  Bytes ihdr(13, 0);
  WriteU32(ihdr.data(), width);
  WriteU32(ihdr.data() + 4, height);
  ihdr[8] = 8;  // 8-bit grayscale, deflate, adaptive filters, not interlaced
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  AppendChunk(png, "IHDR", ihdr);
  AppendChunk(png, "IDAT", packed);
  AppendChunk(png, "IEND", {});
  return png;
}

bool Same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a != b) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  Bytes png;
  if (mode & 1) {
    png = PngFromRows(data + 1, size - 1);
  } else {
    png.assign(data + 1, data + size);
    if ((mode & 2) == 0) FixCrcs(png);
  }
  const absl::StatusOr<cv::Mat> ours = esep::vision::DecodeGrayPng(png);
  if (!ours.ok()) {
    if (ours.status().message().empty()) std::abort();  // every refusal says why
    return 0;
  }
  if (ours->type() != CV_8UC1) std::abort();
  cv::Mat theirs;
  try {
    theirs = cv::imdecode(png, cv::IMREAD_GRAYSCALE);
  } catch (const cv::Exception&) {
    std::abort();  // libpng refused what the codec read
  }
  if (!Same(*ours, theirs)) std::abort();
  // Pages smaller than a scan cannot be stored; the rest must survive a round trip.
  const esep::vision::GrayImage view = esep::vision::ViewOf(*ours);
  const absl::StatusOr<Bytes> again = esep::vision::EncodeGrayPng(view);
  if (!again.ok()) return 0;
  const absl::StatusOr<cv::Mat> back = esep::vision::DecodeGrayPng(*again);
  if (!back.ok() || !Same(*back, *ours)) std::abort();
  return 0;
}
