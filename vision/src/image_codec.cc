#include "esep/vision/image_codec.h"

#include <libdeflate.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "huffman_deflate.h"

namespace esep::vision {
namespace {

constexpr std::array<std::uint8_t, 8> kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
constexpr std::size_t kIhdrLength = 13;
constexpr std::uint32_t kMaxChunkLength = 0x7fffffffu;  // ISO/IEC 15948, 5.3

constexpr std::uint8_t kFilterNone = 0;
constexpr std::uint8_t kFilterSub = 1;
constexpr std::uint8_t kFilterUp = 2;
constexpr std::uint8_t kFilterAverage = 3;
constexpr std::uint8_t kFilterPaeth = 4;

std::uint32_t ReadBigEndian32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | static_cast<std::uint32_t>(p[3]);
}

void AppendBigEndian32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 24));
  out.push_back(static_cast<std::uint8_t>(value >> 16));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

// Length, type, data and the CRC-32 of type and data.
void AppendChunk(std::vector<std::uint8_t>& out, std::string_view type,
                 std::span<const std::uint8_t> data) {
  AppendBigEndian32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t type_at = out.size();
  out.insert(out.end(), type.begin(), type.end());
  out.insert(out.end(), data.begin(), data.end());
  AppendBigEndian32(out, libdeflate_crc32(0, out.data() + type_at, out.size() - type_at));
}

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};
struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

bool IsPixelNeutralChunk(std::string_view type) {
  return type == "tEXt" || type == "zTXt" || type == "iTXt" || type == "tIME" || type == "pHYs";
}

// Chunk types are four ASCII letters (ISO/IEC 15948, 5.4); the fifth bit of the first says
// whether a decoder may ignore it.
bool IsChunkType(std::string_view type) {
  for (const char c : type) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

std::uint8_t Paeth(int left, int up, int up_left) {
  const int p = left + up - up_left;
  const int pa = std::abs(p - left);
  const int pb = std::abs(p - up);
  const int pc = std::abs(p - up_left);
  if (pa <= pb && pa <= pc) return static_cast<std::uint8_t>(left);
  if (pb <= pc) return static_cast<std::uint8_t>(up);
  return static_cast<std::uint8_t>(up_left);
}

// out[x] += prior[x]; the rows do not overlap, so the loop is vectorised.
void AddRow(std::uint8_t* __restrict out, const std::uint8_t* __restrict prior, int width) {
  for (int x = 0; x < width; ++x) out[x] = static_cast<std::uint8_t>(out[x] + prior[x]);
}

// Undoes one row's filter (one byte per pixel). `prior` is the previous output row, all zero
// above the first row. `out` may be `in` less one byte: each in[x] is read before out[x] is
// written, and out[x] is never read as input.
bool Unfilter(std::uint8_t filter, const std::uint8_t* in, const std::uint8_t* prior,
              std::uint8_t* out, int width) {
  switch (filter) {
    case kFilterNone:
      std::memmove(out, in, static_cast<std::size_t>(width));
      return true;
    case kFilterSub: {
      std::uint8_t left = 0;
      for (int x = 0; x < width; ++x) left = out[x] = static_cast<std::uint8_t>(in[x] + left);
      return true;
    }
    case kFilterUp:
      std::memmove(out, in, static_cast<std::size_t>(width));
      AddRow(out, prior, width);
      return true;
    case kFilterAverage: {
      int left = 0;
      for (int x = 0; x < width; ++x) {
        out[x] = static_cast<std::uint8_t>(in[x] + ((left + prior[x]) >> 1));
        left = out[x];
      }
      return true;
    }
    case kFilterPaeth: {
      int left = 0;
      int up_left = 0;
      for (int x = 0; x < width; ++x) {
        out[x] = static_cast<std::uint8_t>(in[x] + Paeth(left, prior[x], up_left));
        left = out[x];
        up_left = prior[x];
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<std::vector<std::uint8_t>> EncodeGrayPng(const GrayImage& image, int level) {
  if (absl::Status valid = ValidateGrayImage(image); !valid.ok()) return valid;
  if (level < kPngHuffmanOnly || level > 12) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compression level ", level, " is not one of libdeflate's 0 to 12 nor kPngHuffmanOnly"));
  }
  const std::size_t width = static_cast<std::size_t>(image.width);
  const std::size_t height = static_cast<std::size_t>(image.height);
  std::vector<std::uint8_t> ihdr;
  AppendBigEndian32(ihdr, static_cast<std::uint32_t>(width));
  AppendBigEndian32(ihdr, static_cast<std::uint32_t>(height));
  ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});  // bit depth 8, grayscale, deflate, adaptive, none

  std::vector<std::uint8_t> png(kSignature.begin(), kSignature.end());
  AppendChunk(png, "IHDR", ihdr);
  if (level == kPngHuffmanOnly) {
    // The IDAT chunk is written in place: its length, its type, the stream, then its CRC-32.
    const std::size_t length_at = png.size();
    AppendBigEndian32(png, 0);
    const std::string_view idat = "IDAT";
    png.insert(png.end(), idat.begin(), idat.end());
    internal::AppendHuffmanZlib(image, png);
    const std::size_t data_size = png.size() - length_at - 8;
    if (data_size > kMaxChunkLength) return absl::InternalError("the image data is too large");
    for (int i = 0; i < 4; ++i) {
      png[length_at + static_cast<std::size_t>(i)] =
          static_cast<std::uint8_t>(data_size >> (24 - 8 * i));
    }
    AppendBigEndian32(png, libdeflate_crc32(0, png.data() + length_at + 4, data_size + 4));
    AppendChunk(png, "IEND", {});
    return png;
  }
  std::vector<std::uint8_t> filtered((width + 1) * height);
  for (std::size_t y = 0; y < height; ++y) {
    std::uint8_t* row = filtered.data() + y * (width + 1);
    row[0] = kFilterNone;
    std::memcpy(row + 1, image.pixels.data() + y * static_cast<std::size_t>(image.stride), width);
  }
  const std::unique_ptr<libdeflate_compressor, CompressorDeleter> compressor(
      libdeflate_alloc_compressor(level));
  if (compressor == nullptr) return absl::ResourceExhaustedError("cannot allocate a compressor");
  std::vector<std::uint8_t> zlib(libdeflate_zlib_compress_bound(compressor.get(), filtered.size()));
  const std::size_t zlib_size = libdeflate_zlib_compress(compressor.get(), filtered.data(),
                                                         filtered.size(), zlib.data(), zlib.size());
  if (zlib_size == 0) return absl::InternalError("libdeflate could not compress the image");
  zlib.resize(zlib_size);
  png.reserve(png.size() + 2 * 12 + zlib.size());
  AppendChunk(png, "IDAT", zlib);
  AppendChunk(png, "IEND", {});
  return png;
}

absl::StatusOr<cv::Mat> DecodeGrayPng(std::span<const std::uint8_t> bytes, cv::Mat* buffer) {
  if (bytes.size() < kSignature.size() ||
      std::memcmp(bytes.data(), kSignature.data(), kSignature.size()) != 0) {
    return absl::UnimplementedError("not a PNG file");
  }
  int width = 0;
  int height = 0;
  bool seen_ihdr = false;
  bool seen_iend = false;
  bool idat_ended = false;
  std::vector<std::span<const std::uint8_t>> idat;
  std::size_t idat_size = 0;
  std::string_view other_kind;  // the first chunk that makes this a PNG of another kind
  std::size_t at = kSignature.size();
  while (!seen_iend) {
    if (bytes.size() - at < 12) {
      return absl::DataLossError(
          absl::StrCat("PNG ends inside a chunk header at byte ", at, " (no IEND chunk)"));
    }
    const std::uint32_t length = ReadBigEndian32(bytes.data() + at);
    const std::string_view type(reinterpret_cast<const char*>(bytes.data() + at + 4), 4);
    if (length > kMaxChunkLength || !IsChunkType(type)) {
      return absl::DataLossError(absl::StrCat("malformed PNG chunk header at byte ", at));
    }
    if (bytes.size() - at - 12 < length) {
      return absl::DataLossError(
          absl::StrCat("PNG chunk ", std::string(type), " at byte ", at, " is cut off"));
    }
    const std::span<const std::uint8_t> data = bytes.subspan(at + 8, length);
    const std::uint32_t crc = ReadBigEndian32(data.data() + length);
    if (libdeflate_crc32(0, bytes.data() + at + 4, length + 4u) != crc) {
      return absl::DataLossError(
          absl::StrCat("PNG chunk ", std::string(type), " at byte ", at, " fails its CRC-32"));
    }
    if (!seen_ihdr && type != "IHDR") {
      return absl::DataLossError("PNG does not start with an IHDR chunk");
    }
    if (type == "IHDR") {
      if (seen_ihdr || length != kIhdrLength) {
        return absl::DataLossError("PNG has a malformed or second IHDR chunk");
      }
      seen_ihdr = true;
      const std::uint32_t w = ReadBigEndian32(data.data());
      const std::uint32_t h = ReadBigEndian32(data.data() + 4);
      const std::uint8_t bit_depth = data[8];
      const std::uint8_t colour_type = data[9];
      if (w == 0 || h == 0 || w > kMaxChunkLength || h > kMaxChunkLength || data[10] != 0 ||
          data[11] != 0 || data[12] > 1) {
        return absl::DataLossError("PNG IHDR holds an invalid size or method");
      }
      // Refused whatever its kind, before any other decoder could allocate for it.
      if (w > static_cast<std::uint32_t>(kMaxImageSide) ||
          h > static_cast<std::uint32_t>(kMaxImageSide)) {
        return absl::OutOfRangeError(absl::StrCat("PNG of ", w, " x ", h,
                                                  " pixels: a side exceeds ", kMaxImageSide,
                                                  ", larger than any ballot scan"));
      }
      if (bit_depth != 8 || colour_type != 0 || data[12] != 0) other_kind = "IHDR";
      width = static_cast<int>(w);
      height = static_cast<int>(h);
    } else if (type == "IDAT") {
      if (idat_ended) return absl::DataLossError("PNG IDAT chunks are not consecutive");
      idat.push_back(data);
      idat_size += length;
    } else if (type == "IEND") {
      if (length != 0) return absl::DataLossError("PNG IEND chunk is not empty");
      seen_iend = true;
    } else if (!IsPixelNeutralChunk(type) && other_kind.empty()) {
      other_kind = type;
    }
    if (type != "IDAT" && !idat.empty()) idat_ended = true;
    at += 12 + length;
  }
  if (!other_kind.empty()) {
    return absl::UnimplementedError(absl::StrCat("a PNG of another kind than 8-bit grayscale (",
                                                 std::string(other_kind), " chunk)"));
  }
  if (at != bytes.size()) {
    return absl::DataLossError(
        absl::StrCat("PNG has ", bytes.size() - at, " bytes after its IEND chunk"));
  }
  if (idat.empty()) return absl::DataLossError("PNG has no image data (IDAT)");

  std::vector<std::uint8_t> joined;
  std::span<const std::uint8_t> zlib = idat.front();
  if (idat.size() > 1) {
    joined.reserve(idat_size);
    for (const std::span<const std::uint8_t> part : idat) {
      joined.insert(joined.end(), part.begin(), part.end());
    }
    zlib = joined;
  }
  // libdeflate always inflates with a 32 KiB window; zlib, as libpng uses it, with the window the
  // stream declares. A stream declaring a smaller one (small images written by libpng) is left
  // to libpng, so that no stream reads differently here and there.
  if (!zlib.empty() && (zlib[0] >> 4) < 7) {
    return absl::UnimplementedError("a PNG whose zlib stream declares a window under 32 KiB");
  }
  const std::size_t row_bytes = static_cast<std::size_t>(width) + 1;
  cv::Mat own;
  cv::Mat& rows = buffer != nullptr ? *buffer : own;
  rows.create(height, width + 1, CV_8UC1);  // keeps the memory when the size is the same
  const std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> decompressor(
      libdeflate_alloc_decompressor());
  if (decompressor == nullptr) {
    return absl::ResourceExhaustedError("cannot allocate a decompressor");
  }
  std::size_t consumed = 0;
  switch (libdeflate_zlib_decompress_ex(decompressor.get(), zlib.data(), zlib.size(), rows.data,
                                        row_bytes * static_cast<std::size_t>(height), &consumed,
                                        nullptr)) {
    case LIBDEFLATE_SUCCESS:
      break;
    case LIBDEFLATE_SHORT_OUTPUT:
      return absl::DataLossError("PNG image data is shorter than its IHDR size");
    case LIBDEFLATE_INSUFFICIENT_SPACE:
      return absl::DataLossError("PNG image data is longer than its IHDR size");
    default:
      return absl::DataLossError("PNG image data is not a valid zlib stream or fails its Adler-32");
  }
  if (consumed != zlib.size()) {
    return absl::DataLossError("PNG image data has bytes after the end of its zlib stream");
  }

  // Rows with filter type None on every row (as the reader stores pages) are the pixels already:
  // the result is the buffer without its first column.
  bool all_none = true;
  for (int y = 0; y < height && all_none; ++y)
    all_none = rows.ptr<std::uint8_t>(y)[0] == kFilterNone;
  if (all_none) return rows.colRange(1, width + 1);
  // Row y arrives as a filter byte and `width` filtered bytes at rows.ptr(y); its pixels are
  // written one byte to the left, over the filter byte, reading each byte before it is overwritten.
  const std::vector<std::uint8_t> zero_row(static_cast<std::size_t>(width), 0);
  const std::uint8_t* prior = zero_row.data();
  for (int y = 0; y < height; ++y) {
    std::uint8_t* row = rows.ptr<std::uint8_t>(y);
    if (!Unfilter(row[0], row + 1, prior, row, width)) {
      return absl::DataLossError(
          absl::StrCat("PNG row ", y, " has an unknown filter type ", static_cast<int>(row[0])));
    }
    prior = row;
  }
  return rows.colRange(0, width);
}

GrayImage ViewOf(const cv::Mat& gray) {
  if (gray.empty()) return {};
  const std::size_t extent =
      gray.step[0] * static_cast<std::size_t>(gray.rows - 1) + static_cast<std::size_t>(gray.cols);
  return {std::span<const std::uint8_t>(gray.data, extent), gray.cols, gray.rows,
          static_cast<int>(gray.step[0])};
}

absl::StatusOr<cv::Mat> DecodeGrayImage(std::span<const std::uint8_t> bytes, cv::Mat* buffer) {
  absl::StatusOr<cv::Mat> png = DecodeGrayPng(bytes, buffer);
  if (png.ok() || !absl::IsUnimplemented(png.status())) return png;
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return absl::OutOfRangeError("an image file of 2 GiB or more, larger than any ballot scan");
  }
  cv::Mat gray;
  try {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                      const_cast<std::uint8_t*>(bytes.data()));
    gray = cv::imdecode(raw, cv::IMREAD_GRAYSCALE);
  } catch (const cv::Exception& e) {
    return absl::DataLossError(absl::StrCat("not a decodable image: ", e.what()));
  }
  if (gray.empty() || gray.type() != CV_8UC1) return absl::DataLossError("not a decodable image");
  if (gray.cols > kMaxImageSide || gray.rows > kMaxImageSide) {
    return absl::OutOfRangeError(absl::StrCat("image of ", gray.cols, " x ", gray.rows,
                                              " pixels: a side exceeds ", kMaxImageSide,
                                              ", larger than any ballot scan"));
  }
  return gray;
}

}  // namespace esep::vision
