#ifndef ESEP_VISION_IMAGE_CODEC_H_
#define ESEP_VISION_IMAGE_CODEC_H_

#include <cstdint>
#include <opencv2/core.hpp>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/vision/gray_image.h"

namespace esep::vision {

// The ballot image files: standard PNG (ISO/IEC 15948), 8-bit grayscale, lossless. Any PNG
// reader opens them; this codec exists because of speed. Decoding a page is mostly inflating
// 4 MB of pixels and undoing the row filters; libdeflate inflates about three times faster than
// zlib, which every PNG library in the distribution is built on, and pages stored without row
// filters need no second pass. Replay of a precinct is therefore bound by the interpreter, not
// by reading its images (docs/BENCHMARKS.md).

// Encodes a page as the reader stores it: IHDR, one IDAT, IEND; 8-bit grayscale, not
// interlaced, filter type None on every row, one zlib stream. With `level` 0 to 12 the stream is
// libdeflate's at that level; with kPngHuffmanOnly it holds only Huffman-coded pixels and runs of
// one repeated byte, with codes made for each band of 64 rows and no search for earlier matches.
// The same pixels and level give the same bytes (with the same libdeflate for its levels;
// kPngHuffmanOnly depends on nothing but the pixels). Fails on an invalid view or level.
//
// The stored encoding is kPngHuffmanOnly: a page with a sensor's noise is mostly noise, which no
// match search compresses but an entropy coder does, so it is several times faster than
// libdeflate's fastest level and about a fifth smaller (docs/BENCHMARKS.md, "Storing a scanned
// page"); a clean rendered page is larger than libdeflate makes it. The encoding is no part of
// the format: every PNG reader decodes any of them to the same pixels, and an image's hash
// covers its file's bytes, so stores written at level 6 or 1 keep verifying.
inline constexpr int kPngHuffmanOnly = -1;
inline constexpr int kStoredPngLevel = kPngHuffmanOnly;
absl::StatusOr<std::vector<std::uint8_t>> EncodeGrayPng(const GrayImage& image,
                                                        int level = kStoredPngLevel);

// Decodes a PNG of the kind scanners and Esep write: 8-bit grayscale, not interlaced, any of
// the five row filters, and no chunks but IHDR, IDAT, IEND and the ones that do not change
// pixels (tEXt, zTXt, iTXt, tIME, pHYs). Every chunk's CRC-32, the zlib stream's Adler-32 and
// the exact amount of image data are checked. The pixels are those libpng gives (a fuzz target
// compares the two on every input).
//
// The result is a CV_8UC1 matrix of the image's size whose rows may be one byte longer than its
// width (it is decoded in place, in a buffer of height x (width + 1); a page whose rows all have
// filter type None, as the reader stores pages, is that buffer without its first column, with no
// pass over its pixels after inflating them). With `buffer`, that buffer is reused when it
// already has the size, so a worker reading many pages allocates once; the result then shares
// `buffer`'s memory and the next decode into it overwrites it.
//
// Errors:
//   kUnimplemented: not a PNG, or a well-formed PNG of another kind (colour, another bit depth,
//     interlaced, a palette, transparency or colour-space chunks); the caller may hand the bytes
//     to a general image decoder.
//   kOutOfRange: a side larger than vision::kMaxImageSide, whatever the PNG's kind.
//   kDataLoss: a damaged or malformed PNG; the message says what and where.
absl::StatusOr<cv::Mat> DecodeGrayPng(std::span<const std::uint8_t> bytes,
                                      cv::Mat* buffer = nullptr);

// The GrayImage view of an 8-bit matrix: what the decoders return (rows may be longer than the
// width) or any region of one. The view ends at the last pixel of the last row; empty for an
// empty matrix.
GrayImage ViewOf(const cv::Mat& gray);

// Decodes the bytes of any image file the tools read (ballot scans, calibration sheets, protocol
// photographs) as 8-bit grayscale: 8-bit grayscale PNG with DecodeGrayPng, every other kind
// (colour or 16-bit PNG, JPEG, TIFF, ...) with OpenCV's decoders, converted to gray.
// Errors: kOutOfRange as above, kDataLoss for bytes that are no decodable image.
absl::StatusOr<cv::Mat> DecodeGrayImage(std::span<const std::uint8_t> bytes,
                                        cv::Mat* buffer = nullptr);

}  // namespace esep::vision

#endif  // ESEP_VISION_IMAGE_CODEC_H_
