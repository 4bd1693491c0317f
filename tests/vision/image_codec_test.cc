// The image codec against libpng (through OpenCV) and zlib: what Esep writes every PNG
// reader opens with the same pixels, and what it reads it reads as libpng does, including rows
// under each of the five filter types, several IDAT chunks and damaged files.
#include "esep/vision/image_codec.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <string>

namespace esep::vision {
namespace {

using Bytes = std::vector<std::uint8_t>;

cv::Mat RandomPage(int width, int height, std::uint32_t seed) {
  std::mt19937 rng(seed);
  cv::Mat page(height, width, CV_8UC1);
  // Mostly white with dark runs and noise, like a scanned ballot.
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::uint32_t r = rng();
      page.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(r % 7 == 0                  ? r >> 8
                                                              : (x / 9 + y / 5) % 11 == 0 ? 20
                                                                                          : 250);
    }
  }
  return page;
}

cv::Mat Libpng(const Bytes& png) { return cv::imdecode(png, cv::IMREAD_GRAYSCALE); }

bool Same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a != b) == 0;
}

void AppendU32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// A chunk written with zlib's CRC-32, independently of the codec under test.
void Chunk(Bytes& out, const std::string& type, const Bytes& data) {
  AppendU32(out, static_cast<std::uint32_t>(data.size()));
  Bytes body(type.begin(), type.end());
  body.insert(body.end(), data.begin(), data.end());
  out.insert(out.end(), body.begin(), body.end());
  AppendU32(out, static_cast<std::uint32_t>(crc32(0, body.data(), static_cast<uInt>(body.size()))));
}

Bytes Ihdr(std::uint32_t width, std::uint32_t height, std::uint8_t depth = 8,
           std::uint8_t colour = 0, std::uint8_t interlace = 0) {
  Bytes ihdr;
  AppendU32(ihdr, width);
  AppendU32(ihdr, height);
  ihdr.insert(ihdr.end(), {depth, colour, 0, 0, interlace});
  return ihdr;
}

Bytes Deflate(const Bytes& raw) {
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  Bytes out(size);
  EXPECT_EQ(compress2(out.data(), &size, raw.data(), static_cast<uLong>(raw.size()), 9), Z_OK);
  out.resize(size);
  return out;
}

const Bytes kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

struct PngParts {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  Bytes filtered;                                          // filter byte + pixels, per row
  std::vector<std::pair<std::string, Bytes>> before_idat;  // extra chunks
  int idat_parts = 1;
};

// A PNG written with zlib from raw filtered rows: the test chooses every filter byte.
Bytes MakePng(const PngParts& parts) {
  Bytes png = kSignature;
  Chunk(png, "IHDR", Ihdr(parts.width, parts.height));
  for (const auto& [type, data] : parts.before_idat) Chunk(png, type, data);
  const Bytes z = Deflate(parts.filtered);
  const std::size_t step = z.size() / static_cast<std::size_t>(parts.idat_parts) + 1;
  for (std::size_t at = 0; at < z.size(); at += step) {
    Chunk(png, "IDAT",
          Bytes(z.begin() + static_cast<std::ptrdiff_t>(at),
                z.begin() + static_cast<std::ptrdiff_t>(std::min(z.size(), at + step))));
  }
  Chunk(png, "IEND", {});
  return png;
}

PngParts RandomFilteredRows(std::uint32_t width, std::uint32_t height, std::uint32_t seed) {
  std::mt19937 rng(seed);
  PngParts parts;
  parts.width = width;
  parts.height = height;
  for (std::uint32_t y = 0; y < height; ++y) {
    parts.filtered.push_back(static_cast<std::uint8_t>(y % 5));  // None, Sub, Up, Average, Paeth
    for (std::uint32_t x = 0; x < width; ++x) {
      parts.filtered.push_back(static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() : 0));
    }
  }
  return parts;
}

absl::StatusCode CodeOf(const Bytes& png) { return DecodeGrayPng(png).status().code(); }

TEST(GrayPngTest, WhatEsepWritesLibpngReadsPixelForPixel) {
  for (const auto& [width, height, pad] :
       std::vector<std::tuple<int, int, int>>{{16, 16, 0}, {1654, 2339, 0}, {333, 101, 7}}) {
    const cv::Mat padded = RandomPage(width + pad, height, static_cast<std::uint32_t>(width));
    const cv::Mat page = padded.colRange(0, width);  // a view whose stride exceeds its width
    absl::StatusOr<Bytes> png = EncodeGrayPng(ViewOf(page));
    ASSERT_TRUE(png.ok()) << png.status();
    EXPECT_TRUE(Same(Libpng(*png), page)) << width << " x " << height;
    absl::StatusOr<cv::Mat> back = DecodeGrayPng(*png);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(Same(*back, page));
  }
}

TEST(GrayPngTest, TheSamePixelsGiveTheSameBytes) {
  const cv::Mat page = RandomPage(400, 300, 7);
  const absl::StatusOr<Bytes> first = EncodeGrayPng(ViewOf(page));
  const absl::StatusOr<Bytes> second = EncodeGrayPng(ViewOf(page.clone()));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
  cv::Mat other = page.clone();
  other.at<std::uint8_t>(299, 399) ^= 1;
  EXPECT_NE(*EncodeGrayPng(ViewOf(other)), *first);
}

// Stores hold pages written at level 6 and at level 1 before the stored encoding became
// kPngHuffmanOnly: every level gives a file that both decoders read back to the same pixels.
TEST(GrayPngTest, EveryCompressionLevelDecodesToTheSamePixels) {
  const cv::Mat page = RandomPage(1654, 2339, 11);
  for (const int level : {kPngHuffmanOnly, 0, 1, 6, 12}) {
    absl::StatusOr<Bytes> png = EncodeGrayPng(ViewOf(page), level);
    ASSERT_TRUE(png.ok()) << png.status();
    absl::StatusOr<cv::Mat> back = DecodeGrayPng(*png);
    ASSERT_TRUE(back.ok()) << level << ": " << back.status();
    EXPECT_TRUE(Same(*back, page)) << "level " << level;
    EXPECT_TRUE(Same(Libpng(*png), page)) << "level " << level;
  }
}

// The stored encoding (Huffman codes and runs only) on pages that reach its edges: runs just
// under and over the shortest coded run and around the longest match, a page of one value, a
// page of pure noise, codes that would be longer than 15 bits without the limit, and a view
// whose stride exceeds its width. zlib (through libpng) and libdeflate both read every one.
TEST(GrayPngTest, TheStoredHuffmanEncodingReadsBackOnEveryKindOfPage) {
  std::vector<cv::Mat> pages;
  pages.push_back(cv::Mat(40, 30, CV_8UC1, cv::Scalar(255)));
  pages.push_back(cv::Mat(2339, 1654, CV_8UC1, cv::Scalar(0)));
  cv::Mat runs(70, 1200, CV_8UC1);
  std::mt19937 rng(5);
  for (int y = 0; y < runs.rows; ++y) {
    int x = 0;
    int value = 0;
    for (int run = 1 + y % 9; x < runs.cols; run = (run * 7 + 3) % 300 + 1) {
      for (int i = 0; i < run && x < runs.cols; ++i) runs.at<std::uint8_t>(y, x++) = value;
      value = (value + 37) % 256;
    }
  }
  pages.push_back(runs);
  for (const int run : {7, 8, 9, 257, 258, 259, 260, 261, 516, 517}) {
    cv::Mat page(20, 600, CV_8UC1, cv::Scalar(3));
    page.colRange(10, 10 + run).setTo(200);
    pages.push_back(page);
  }
  cv::Mat noise(300, 500, CV_8UC1);
  cv::randu(noise, 0, 256);
  pages.push_back(noise);
  // Symbol k occurs about 1.6^k times: an optimal Huffman code for it is over 15 bits deep.
  cv::Mat skewed(100, 1000, CV_8UC1);
  std::vector<std::uint8_t> values;
  double count = 1;
  for (int k = 0; k < 30 && values.size() < 100000; ++k, count *= 1.6) {
    values.insert(values.end(), static_cast<std::size_t>(count), static_cast<std::uint8_t>(k * 8));
  }
  values.resize(100000, 255);
  std::shuffle(values.begin(), values.end(), rng);
  std::memcpy(skewed.data, values.data(), values.size());
  pages.push_back(skewed);
  const cv::Mat padded = RandomPage(1660, 200, 4);
  pages.push_back(padded.colRange(0, 1654));
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const cv::Mat& page = pages[i];
    absl::StatusOr<Bytes> png = EncodeGrayPng(ViewOf(page), kPngHuffmanOnly);
    ASSERT_TRUE(png.ok()) << i << ": " << png.status();
    EXPECT_TRUE(Same(Libpng(*png), page)) << "page " << i;
    absl::StatusOr<cv::Mat> back = DecodeGrayPng(*png);
    ASSERT_TRUE(back.ok()) << i << ": " << back.status();
    EXPECT_TRUE(Same(*back, page)) << "page " << i;
    EXPECT_EQ(*EncodeGrayPng(ViewOf(page.clone()), kPngHuffmanOnly), *png) << "page " << i;
  }
}

TEST(GrayPngTest, TheStoredEncodingIsHuffmanOnly) {
  EXPECT_EQ(kStoredPngLevel, kPngHuffmanOnly);
  const cv::Mat page = RandomPage(300, 200, 8);
  EXPECT_EQ(*EncodeGrayPng(ViewOf(page)), *EncodeGrayPng(ViewOf(page), kPngHuffmanOnly));
}

TEST(GrayPngTest, EncodingRefusesALevelLibdeflateDoesNotHave) {
  const cv::Mat page = RandomPage(64, 64, 3);
  for (const int level : {-2, 13}) {
    const absl::StatusOr<Bytes> png = EncodeGrayPng(ViewOf(page), level);
    EXPECT_EQ(png.status().code(), absl::StatusCode::kInvalidArgument) << level;
  }
}

TEST(GrayPngTest, EncodingRefusesAnInvalidView) {
  const Bytes pixels(100, 255);
  EXPECT_EQ(EncodeGrayPng({pixels, 10, 10, 10}).status().code(),
            absl::StatusCode::kInvalidArgument);  // smaller than any page
  EXPECT_EQ(EncodeGrayPng({pixels, 20, 20, 20}).status().code(),
            absl::StatusCode::kInvalidArgument);  // buffer too short
}

TEST(GrayPngTest, ReadsLibpngFilesAtEveryCompressionSetting) {
  const cv::Mat page = RandomPage(701, 523, 3);
  for (int level = 0; level <= 9; level += 3) {
    for (const int strategy : {cv::IMWRITE_PNG_STRATEGY_DEFAULT, cv::IMWRITE_PNG_STRATEGY_FILTERED,
                               cv::IMWRITE_PNG_STRATEGY_RLE}) {
      Bytes png;
      ASSERT_TRUE(
          cv::imencode(".png", page, png,
                       {cv::IMWRITE_PNG_COMPRESSION, level, cv::IMWRITE_PNG_STRATEGY, strategy}));
      absl::StatusOr<cv::Mat> back = DecodeGrayPng(png);
      ASSERT_TRUE(back.ok()) << "level " << level << ": " << back.status();
      EXPECT_TRUE(Same(*back, page)) << "level " << level << " strategy " << strategy;
    }
  }
}

TEST(GrayPngTest, EveryFilterTypeAndSplitImageDataDecodeAsLibpngDoes) {
  for (std::uint32_t seed = 1; seed <= 6; ++seed) {
    PngParts parts = RandomFilteredRows(17 + seed * 13, 20 + seed * 3, seed);
    parts.idat_parts = static_cast<int>(seed);
    const Bytes png = MakePng(parts);
    const cv::Mat expected = Libpng(png);
    ASSERT_FALSE(expected.empty());
    absl::StatusOr<cv::Mat> ours = DecodeGrayPng(png);
    ASSERT_TRUE(ours.ok()) << ours.status();
    EXPECT_TRUE(Same(*ours, expected)) << "seed " << seed;
  }
}

TEST(GrayPngTest, TextAndResolutionChunksAreRead) {
  PngParts parts = RandomFilteredRows(40, 30, 11);
  parts.before_idat = {{"pHYs", {0, 0, 0x1e, 0xc3, 0, 0, 0x1e, 0xc3, 1}},
                       {"tEXt", {'S', 'o', 'f', 't', 'w', 'a', 'r', 'e', 0, 'x'}}};
  const Bytes png = MakePng(parts);
  absl::StatusOr<cv::Mat> ours = DecodeGrayPng(png);
  ASSERT_TRUE(ours.ok()) << ours.status();
  EXPECT_TRUE(Same(*ours, Libpng(png)));
}

TEST(GrayPngTest, OtherImageKindsAreLeftToAGeneralDecoder) {
  const cv::Mat page = RandomPage(64, 48, 5);
  Bytes colour;
  cv::Mat bgr;
  cv::merge(std::vector<cv::Mat>{page, page, page}, bgr);
  ASSERT_TRUE(cv::imencode(".png", bgr, colour));
  EXPECT_EQ(CodeOf(colour), absl::StatusCode::kUnimplemented);
  Bytes deep;
  cv::Mat wide;
  page.convertTo(wide, CV_16U, 256);
  ASSERT_TRUE(cv::imencode(".png", wide, deep));
  EXPECT_EQ(CodeOf(deep), absl::StatusCode::kUnimplemented);
  Bytes jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", page, jpeg));
  EXPECT_EQ(CodeOf(jpeg), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(CodeOf({}), absl::StatusCode::kUnimplemented);

  PngParts parts = RandomFilteredRows(40, 30, 12);
  parts.before_idat = {{"gAMA", {0, 0, 0xb1, 0x8f}}};  // could change pixels: libpng's call
  EXPECT_EQ(CodeOf(MakePng(parts)), absl::StatusCode::kUnimplemented);
  parts.before_idat = {{"tRNS", {0, 0}}};
  EXPECT_EQ(CodeOf(MakePng(parts)), absl::StatusCode::kUnimplemented);
  Bytes interlaced = kSignature;
  Chunk(interlaced, "IHDR", Ihdr(40, 30, 8, 0, 1));
  Chunk(interlaced, "IEND", {});
  EXPECT_EQ(CodeOf(interlaced), absl::StatusCode::kUnimplemented);
}

TEST(GrayPngTest, AWorkersBufferIsReusedForPagesOfTheSameSize) {
  const cv::Mat first = RandomPage(300, 200, 1);
  const cv::Mat second = RandomPage(300, 200, 2);
  const cv::Mat other_size = RandomPage(250, 200, 3);
  cv::Mat buffer;
  absl::StatusOr<cv::Mat> a = DecodeGrayPng(*EncodeGrayPng(ViewOf(first)), &buffer);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(Same(*a, first));
  const std::uint8_t* memory = buffer.data;
  absl::StatusOr<cv::Mat> b = DecodeGrayPng(*EncodeGrayPng(ViewOf(second)), &buffer);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(Same(*b, second));
  EXPECT_EQ(buffer.data, memory);
  EXPECT_EQ(b->datastart, memory);  // a view of the buffer (without its filter bytes)
  absl::StatusOr<cv::Mat> c = DecodeGrayPng(*EncodeGrayPng(ViewOf(other_size)), &buffer);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(Same(*c, other_size));
  EXPECT_TRUE(Same(*b, second));  // b keeps the memory it shares alive
}

TEST(GrayImageTest, OtherKindsAreDecodedByOpenCvAsGray) {
  const cv::Mat page = RandomPage(64, 48, 5);
  cv::Mat bgr;
  cv::merge(std::vector<cv::Mat>{page, page, page}, bgr);
  for (const std::string ext : {".png", ".tiff", ".bmp"}) {
    Bytes colour;
    ASSERT_TRUE(cv::imencode(ext, bgr, colour));
    absl::StatusOr<cv::Mat> gray = DecodeGrayImage(colour);
    ASSERT_TRUE(gray.ok()) << ext << ": " << gray.status();
    EXPECT_TRUE(Same(*gray, page)) << ext;
  }
  absl::StatusOr<cv::Mat> own = DecodeGrayImage(*EncodeGrayPng(ViewOf(page)));
  ASSERT_TRUE(own.ok());
  EXPECT_TRUE(Same(*own, page));
}

TEST(GrayImageTest, BytesThatAreNoImageAreDataLoss) {
  EXPECT_EQ(DecodeGrayImage({}).status().code(), absl::StatusCode::kDataLoss);
  const Bytes text = {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'};
  EXPECT_EQ(DecodeGrayImage(text).status().code(), absl::StatusCode::kDataLoss);
  Bytes png = *EncodeGrayPng(ViewOf(RandomPage(32, 32, 9)));
  png[png.size() - 20] ^= 1;  // a damaged ballot PNG is not handed to another decoder
  const absl::Status status = DecodeGrayImage(png).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("CRC"), std::string::npos) << status;
}

TEST(GrayPngTest, APageLargerThanAnyScanIsRefusedBeforeItsPixels) {
  Bytes png = kSignature;
  Chunk(png, "IHDR", Ihdr(kMaxImageSide + 1, 100));
  Chunk(png, "IEND", {});
  EXPECT_EQ(CodeOf(png), absl::StatusCode::kOutOfRange);
  Bytes colour = kSignature;  // not handed to OpenCV either
  Chunk(colour, "IHDR", Ihdr(100, kMaxImageSide + 1, 8, 2));
  Chunk(colour, "IEND", {});
  EXPECT_EQ(CodeOf(colour), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(DecodeGrayImage(colour).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(GrayPngTest, DamageIsDataLossAndSaysWhere) {
  const PngParts parts = RandomFilteredRows(50, 40, 21);
  const Bytes good = MakePng(parts);
  ASSERT_TRUE(DecodeGrayPng(good).ok());

  Bytes flipped = good;
  flipped[good.size() - 20] ^= 0x10;  // inside IDAT: its CRC fails
  absl::Status status = DecodeGrayPng(flipped).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("IDAT"), std::string::npos) << status;
  EXPECT_NE(status.message().find("CRC"), std::string::npos) << status;

  for (std::size_t cut : {good.size() - 1, good.size() - 12, std::size_t{20}, std::size_t{9}}) {
    EXPECT_EQ(CodeOf(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut))),
              absl::StatusCode::kDataLoss)
        << "cut at " << cut;
  }
  Bytes iend_with_data = Bytes(good.begin(), good.end() - 12);
  Chunk(iend_with_data, "IEND", {0});
  EXPECT_EQ(CodeOf(iend_with_data), absl::StatusCode::kDataLoss);

  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(CodeOf(trailing), absl::StatusCode::kDataLoss);

  PngParts bad_filter = parts;
  bad_filter.filtered[51 * 7] = 5;  // row 7
  status = DecodeGrayPng(MakePng(bad_filter)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("row 7"), std::string::npos) << status;

  PngParts short_data = parts;
  short_data.filtered.resize(short_data.filtered.size() - 1);
  EXPECT_EQ(CodeOf(MakePng(short_data)), absl::StatusCode::kDataLoss);
  PngParts long_data = parts;
  long_data.filtered.push_back(0);
  EXPECT_EQ(CodeOf(MakePng(long_data)), absl::StatusCode::kDataLoss);

  Bytes no_data = kSignature;
  Chunk(no_data, "IHDR", Ihdr(50, 40));
  Chunk(no_data, "IEND", {});
  EXPECT_EQ(CodeOf(no_data), absl::StatusCode::kDataLoss);

  Bytes split = kSignature;  // IDAT, tEXt, IDAT
  Chunk(split, "IHDR", Ihdr(50, 40));
  const Bytes z = Deflate(parts.filtered);
  Chunk(split, "IDAT", Bytes(z.begin(), z.begin() + 10));
  Chunk(split, "tEXt", {'a', 0, 'b'});
  Chunk(split, "IDAT", Bytes(z.begin() + 10, z.end()));
  Chunk(split, "IEND", {});
  EXPECT_EQ(CodeOf(split), absl::StatusCode::kDataLoss);

  Bytes ihdr_later = kSignature;
  Chunk(ihdr_later, "tEXt", {'a', 0, 'b'});
  Chunk(ihdr_later, "IHDR", Ihdr(50, 40));
  EXPECT_EQ(CodeOf(ihdr_later), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace esep::vision
