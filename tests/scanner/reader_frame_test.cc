#include "esep/scanner/reader_frame.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace esep::scanner {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes IdentityFrame(std::uint32_t sequence) {
  reader::Identity identity;
  identity.set_model("R-1");
  identity.set_serial("SN42");
  return EncodeMessageFrame(reader::IDENTITY, sequence, identity);
}

void Store32(Bytes& frame, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) frame[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void Reseal(Bytes& frame) {
  std::uint32_t crc = Crc32(std::span(frame.data(), 16));
  crc = Crc32(std::span(frame.data() + 20, frame.size() - 20), crc);
  Store32(frame, 16, crc);
}

// Feeds `bytes` and returns the parser's first result that is not "need more bytes".
absl::StatusOr<std::optional<Frame>> ParseAll(FrameParser& parser, const Bytes& bytes) {
  parser.Feed(bytes);
  return parser.Next();
}

FrameError ErrorOf(const absl::Status& status) {
  EXPECT_FALSE(status.ok());
  std::optional<FrameError> error = GetFrameError(status);
  EXPECT_TRUE(error.has_value()) << status;
  return error.value_or(FrameError::kBadPayload);
}

TEST(Crc32Test, MatchesTheIeeeCheckValue) {
  const std::string check = "123456789";
  EXPECT_EQ(Crc32(std::span(reinterpret_cast<const std::uint8_t*>(check.data()), check.size())),
            0xCBF43926u);
}

TEST(FrameCodecTest, EncodesTheDocumentedHeader) {
  const Bytes frame = EncodeFrame(reader::ACK, 0x01020304, Bytes{0xAA, 0xBB});
  ASSERT_EQ(frame.size(), 22u);
  EXPECT_EQ(std::string(frame.begin(), frame.begin() + 4), "ESRD");
  EXPECT_EQ(frame[4], 1);
  EXPECT_EQ(frame[5], reader::ACK);
  EXPECT_EQ(frame[6], 0);
  EXPECT_EQ(frame[7], 0);
  EXPECT_EQ(frame[8], 0x04);  // little-endian sequence
  EXPECT_EQ(frame[11], 0x01);
  EXPECT_EQ(frame[12], 2);  // length
  EXPECT_EQ(frame[20], 0xAA);
  std::uint32_t crc = Crc32(std::span(frame.data(), 16));
  crc = Crc32(std::span(frame.data() + 20, 2), crc);
  EXPECT_EQ(frame[16], crc & 0xff);
  EXPECT_EQ(frame[19], crc >> 24);
}

TEST(FrameCodecTest, RoundTripsFramesFedOneByteAtATime) {
  Bytes stream = IdentityFrame(7);
  const Bytes second = EncodeFrame(reader::ACK, 8, {});
  stream.insert(stream.end(), second.begin(), second.end());
  FrameParser parser;
  std::vector<Frame> frames;
  for (std::uint8_t b : stream) {
    parser.Feed(Bytes{b});
    absl::StatusOr<std::optional<Frame>> frame = parser.Next();
    ASSERT_TRUE(frame.ok()) << frame.status();
    if (frame->has_value()) frames.push_back(**frame);
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].type, reader::IDENTITY);
  EXPECT_EQ(frames[0].sequence, 7u);
  reader::Identity identity;
  ASSERT_TRUE(DecodePayload(frames[0], identity).ok());
  EXPECT_EQ(identity.serial(), "SN42");
  EXPECT_EQ(frames[1].type, reader::ACK);
  EXPECT_TRUE(frames[1].payload.empty());
  EXPECT_TRUE(parser.Finish().ok());
  EXPECT_EQ(parser.buffered_bytes(), 0u);
}

TEST(FrameCodecTest, RefusesBadMagicAtTheFirstWrongByte) {
  FrameParser parser;
  auto result = ParseAll(parser, Bytes{'E', 'X'});
  EXPECT_EQ(ErrorOf(result.status()), FrameError::kBadMagic);
  EXPECT_NE(std::string(result.status().message()).find("ESRD"), std::string::npos);
  // The parser stays failed until reset.
  parser.Feed(IdentityFrame(1));
  EXPECT_FALSE(parser.Next().ok());
  parser.Reset();
  parser.Feed(IdentityFrame(1));
  auto frame = parser.Next();
  ASSERT_TRUE(frame.ok());
  EXPECT_TRUE(frame->has_value());
}

TEST(FrameCodecTest, RefusesAnotherProtocolVersion) {
  Bytes frame = IdentityFrame(1);
  frame[4] = 2;
  FrameParser parser;
  EXPECT_EQ(ErrorOf(ParseAll(parser, frame).status()), FrameError::kUnsupportedVersion);
}

TEST(FrameCodecTest, RefusesABadCrcInPayloadOrHeader) {
  Bytes payload_flip = IdentityFrame(1);
  payload_flip.back() ^= 0x10;
  FrameParser parser;
  EXPECT_EQ(ErrorOf(ParseAll(parser, payload_flip).status()), FrameError::kBadCrc);

  Bytes sequence_flip = IdentityFrame(1);
  sequence_flip[9] ^= 0x01;  // the CRC covers the header too
  FrameParser parser2;
  EXPECT_EQ(ErrorOf(ParseAll(parser2, sequence_flip).status()), FrameError::kBadCrc);
}

TEST(FrameCodecTest, RefusesAnOversizeLengthBeforeBufferingThePayload) {
  Bytes frame = EncodeFrame(reader::IMAGE_CHUNK, 1, {});
  Store32(frame, 12, kMaxFramePayloadBytes + 1);
  FrameParser parser;
  // Only the header is there: the length alone is enough to refuse.
  EXPECT_EQ(ErrorOf(ParseAll(parser, frame).status()), FrameError::kOversizeLength);

  Bytes huge = EncodeFrame(reader::IMAGE_CHUNK, 1, {});
  Store32(huge, 12, 0xFFFFFFFFu);
  FrameParser parser2;
  EXPECT_EQ(ErrorOf(ParseAll(parser2, huge).status()), FrameError::kOversizeLength);
}

TEST(FrameCodecTest, AcceptsAPayloadOfExactlyTheLimit) {
  const Bytes payload(kMaxFramePayloadBytes, 0x5A);
  FrameParser parser;
  auto frame = ParseAll(parser, EncodeFrame(reader::IMAGE_CHUNK, 3, payload));
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_TRUE(frame->has_value());
  EXPECT_EQ((*frame)->payload.size(), kMaxFramePayloadBytes);
}

TEST(FrameCodecTest, ReportsATruncatedFrameWhenTheStreamEnds) {
  const Bytes frame = IdentityFrame(1);
  FrameParser parser;
  parser.Feed(std::span(frame.data(), frame.size() - 3));
  auto next = parser.Next();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  const absl::Status finish = parser.Finish();
  EXPECT_EQ(ErrorOf(finish), FrameError::kTruncatedFrame);
  EXPECT_NE(std::string(finish.message()).find(std::to_string(frame.size())), std::string::npos)
      << finish;

  FrameParser header_only;
  header_only.Feed(std::span(frame.data(), 7));
  EXPECT_EQ(ErrorOf(header_only.Finish()), FrameError::kTruncatedFrame);
}

TEST(FrameCodecTest, RefusesUnknownMessageTypes) {
  for (std::uint8_t type : {0x00, 0x09, 0x7e, 0xff}) {
    Bytes frame = IdentityFrame(1);
    frame[5] = type;
    Reseal(frame);
    FrameParser parser;
    EXPECT_EQ(ErrorOf(ParseAll(parser, frame).status()), FrameError::kUnknownType) << int{type};
  }
}

TEST(FrameCodecTest, ChecksTheSequenceOfAnAnswer) {
  FrameParser parser;
  auto frame = ParseAll(parser, IdentityFrame(5));
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_TRUE(CheckSequence(**frame, 5).ok());
  EXPECT_EQ(ErrorOf(CheckSequence(**frame, 6)), FrameError::kSequenceMismatch);
}

TEST(FrameCodecTest, RefusesAnUndecodablePayload) {
  Frame frame;
  frame.type = reader::IDENTITY;
  frame.payload = {0xFF, 0xFF, 0xFF};
  reader::Identity identity;
  EXPECT_EQ(ErrorOf(DecodePayload(frame, identity)), FrameError::kBadPayload);
}

reader::ImageHeader HeaderFor(const Bytes& pixels, std::uint32_t width, std::uint32_t height) {
  reader::ImageHeader header;
  header.set_width(width);
  header.set_height(height);
  header.set_dpi(200);
  header.set_total_bytes(pixels.size());
  const Sha256Digest digest = Sha256(std::span<const std::uint8_t>(pixels));
  header.set_sha256(std::string(digest.begin(), digest.end()));
  return header;
}

reader::ImageChunk Chunk(const Bytes& pixels, std::size_t offset, std::size_t n) {
  reader::ImageChunk chunk;
  chunk.set_offset(offset);
  chunk.set_data(std::string(pixels.begin() + static_cast<std::ptrdiff_t>(offset),
                             pixels.begin() + static_cast<std::ptrdiff_t>(offset + n)));
  return chunk;
}

Bytes Gradient(std::size_t n) {
  Bytes pixels(n);
  for (std::size_t i = 0; i < n; ++i) pixels[i] = static_cast<std::uint8_t>(i * 7);
  return pixels;
}

TEST(ImageAssemblerTest, ReassemblesAnImageAndChecksItsHash) {
  const Bytes pixels = Gradient(40 * 30);
  ImageAssembler assembler;
  ASSERT_TRUE(assembler.Start(HeaderFor(pixels, 40, 30)).ok());
  ASSERT_TRUE(assembler.AddChunk(Chunk(pixels, 0, 500)).ok());
  EXPECT_FALSE(assembler.complete());
  ASSERT_TRUE(assembler.AddChunk(Chunk(pixels, 500, 700)).ok());
  EXPECT_TRUE(assembler.complete());
  absl::StatusOr<ReceivedImage> image = assembler.Finish();
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->pixels, pixels);
  EXPECT_EQ(image->width, 40u);
  EXPECT_EQ(image->dpi, 200u);
}

TEST(ImageAssemblerTest, RefusesChunksOutOfOrder) {
  const Bytes pixels = Gradient(100);
  ImageAssembler assembler;
  EXPECT_EQ(ErrorOf(assembler.AddChunk(Chunk(pixels, 0, 10))), FrameError::kImageChunkOutOfOrder);
  ASSERT_TRUE(assembler.Start(HeaderFor(pixels, 10, 10)).ok());
  ASSERT_TRUE(assembler.AddChunk(Chunk(pixels, 0, 10)).ok());
  EXPECT_EQ(ErrorOf(assembler.AddChunk(Chunk(pixels, 20, 10))), FrameError::kImageChunkOutOfOrder);
  EXPECT_EQ(ErrorOf(assembler.AddChunk(Chunk(pixels, 0, 10))), FrameError::kImageChunkOutOfOrder);
}

TEST(ImageAssemblerTest, RefusesAChunkBeyondTheAnnouncedSize) {
  const Bytes pixels = Gradient(100);
  ImageAssembler assembler;
  ASSERT_TRUE(assembler.Start(HeaderFor(Bytes(pixels.begin(), pixels.begin() + 90), 9, 10)).ok());
  EXPECT_EQ(ErrorOf(assembler.AddChunk(Chunk(pixels, 0, 100))), FrameError::kImageChunkOverflow);
}

TEST(ImageAssemblerTest, RefusesImagesBeyondTheLimitsBeforeAllocating) {
  ImageAssembler assembler;
  reader::ImageHeader header;
  header.set_sha256(std::string(32, '\0'));
  header.set_width(kMaxImageDimension + 1);
  header.set_height(1);
  header.set_total_bytes(kMaxImageDimension + 1);
  EXPECT_EQ(ErrorOf(assembler.Start(header)), FrameError::kImageTooLarge);
  header.set_width(kMaxImageDimension);
  header.set_height(kMaxImageDimension);
  header.set_total_bytes(std::uint64_t{kMaxImageDimension} * kMaxImageDimension);
  EXPECT_EQ(ErrorOf(assembler.Start(header)), FrameError::kImageTooLarge);
  // A size that does not match width x height is a lie too.
  header.set_width(10);
  header.set_height(10);
  header.set_total_bytes(1000);
  EXPECT_EQ(ErrorOf(assembler.Start(header)), FrameError::kImageTooLarge);
  header.set_width(0);
  header.set_total_bytes(0);
  EXPECT_EQ(ErrorOf(assembler.Start(header)), FrameError::kImageTooLarge);
}

TEST(ImageAssemblerTest, RefusesAnImageWhoseHashDiffers) {
  Bytes pixels = Gradient(100);
  ImageAssembler assembler;
  ASSERT_TRUE(assembler.Start(HeaderFor(pixels, 10, 10)).ok());
  pixels[50] ^= 0xFF;
  ASSERT_TRUE(assembler.AddChunk(Chunk(pixels, 0, 100)).ok());
  EXPECT_EQ(ErrorOf(assembler.Finish().status()), FrameError::kImageHashMismatch);
}

TEST(ImageAssemblerTest, RefusesToFinishAnIncompleteImage) {
  const Bytes pixels = Gradient(100);
  ImageAssembler assembler;
  ASSERT_TRUE(assembler.Start(HeaderFor(pixels, 10, 10)).ok());
  ASSERT_TRUE(assembler.AddChunk(Chunk(pixels, 0, 60)).ok());
  EXPECT_EQ(ErrorOf(assembler.Finish().status()), FrameError::kImageIncomplete);
}

}  // namespace
}  // namespace esep::scanner
