#include "esep/scanner/reader_frame.h"

#include <libdeflate.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace esep::scanner {
namespace {

constexpr char kFrameErrorPayloadUrl[] = "esep.scanner/frame_error";

std::uint32_t LoadLe32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}

void StoreLe32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}

// Header layout (little-endian): magic[4] version[1] type[1] reserved[2] sequence[4] length[4]
// crc32[4]; the CRC covers bytes 0..15 and the payload.
constexpr std::size_t kCrcOffset = 16;

}  // namespace

const char* FrameErrorName(FrameError error) {
  switch (error) {
    case FrameError::kBadMagic:
      return "bad magic";
    case FrameError::kUnsupportedVersion:
      return "unsupported protocol version";
    case FrameError::kBadCrc:
      return "bad CRC";
    case FrameError::kOversizeLength:
      return "oversize length";
    case FrameError::kTruncatedFrame:
      return "truncated frame";
    case FrameError::kUnknownType:
      return "unknown message type";
    case FrameError::kSequenceMismatch:
      return "sequence mismatch";
    case FrameError::kBadPayload:
      return "undecodable payload";
    case FrameError::kImageChunkOutOfOrder:
      return "image chunk out of order";
    case FrameError::kImageTooLarge:
      return "image too large";
    case FrameError::kImageChunkOverflow:
      return "image chunk beyond the announced size";
    case FrameError::kImageHashMismatch:
      return "image hash mismatch";
    case FrameError::kImageIncomplete:
      return "image incomplete";
  }
  return "frame error";
}

absl::Status FrameErrorStatus(FrameError error, const std::string& detail) {
  absl::Status status = absl::DataLossError(
      absl::StrCat("reader protocol error (", FrameErrorName(error), "): ", detail));
  status.SetPayload(kFrameErrorPayloadUrl, absl::Cord(absl::StrCat(static_cast<int>(error))));
  return status;
}

std::optional<FrameError> GetFrameError(const absl::Status& status) {
  auto payload = status.GetPayload(kFrameErrorPayloadUrl);
  if (!payload) return std::nullopt;
  const std::string text(*payload);
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return static_cast<FrameError>(value);
}

std::uint32_t Crc32(std::span<const std::uint8_t> bytes, std::uint32_t crc) {
  // The CRC-32 of zlib and ISO 3309 (the same value zlib's crc32() gives), computed by libdeflate
  // with the CPU's carry-less multiply where present: an image's 4 MB of frames are checked on
  // both sides of the link.
  // No bytes leave the CRC as it is (libdeflate, as zlib, would answer 0 for a null pointer).
  if (bytes.empty()) return crc;
  return libdeflate_crc32(crc, bytes.data(), bytes.size());
}

bool IsKnownFrameType(std::uint32_t type) {
  return type != reader::FRAME_TYPE_UNSPECIFIED &&
         reader::FrameType_IsValid(static_cast<int>(type));
}

std::vector<std::uint8_t> EncodeFrame(reader::FrameType type, std::uint32_t sequence,
                                      std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> frame(kFrameHeaderBytes + payload.size());
  std::memcpy(frame.data(), kFrameMagic, 4);
  frame[4] = kProtocolVersion;
  frame[5] = static_cast<std::uint8_t>(type);
  frame[6] = 0;
  frame[7] = 0;
  StoreLe32(&frame[8], sequence);
  StoreLe32(&frame[12], static_cast<std::uint32_t>(payload.size()));
  if (!payload.empty())
    std::memcpy(frame.data() + kFrameHeaderBytes, payload.data(), payload.size());
  std::uint32_t crc = Crc32(std::span(frame.data(), kCrcOffset));
  crc = Crc32(payload, crc);
  StoreLe32(&frame[kCrcOffset], crc);
  return frame;
}

std::vector<std::uint8_t> EncodeMessageFrame(reader::FrameType type, std::uint32_t sequence,
                                             const google::protobuf::MessageLite& message) {
  const std::string payload = message.SerializeAsString();
  return EncodeFrame(
      type, sequence,
      std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
}

absl::Status CheckSequence(const Frame& frame, std::uint32_t expected) {
  if (frame.sequence == expected) return absl::OkStatus();
  return FrameErrorStatus(
      FrameError::kSequenceMismatch,
      absl::StrCat("a ", reader::FrameType_Name(frame.type), " frame answers command ",
                   frame.sequence, " but command ", expected,
                   " was sent; the link is out of step and will be reset"));
}

absl::Status DecodePayload(const Frame& frame, google::protobuf::MessageLite& message) {
  if (!message.ParseFromArray(frame.payload.data(), static_cast<int>(frame.payload.size()))) {
    return FrameErrorStatus(FrameError::kBadPayload,
                            absl::StrCat("the ", frame.payload.size(), "-byte payload of a ",
                                         reader::FrameType_Name(frame.type),
                                         " frame is not a valid ", message.GetTypeName()));
  }
  return absl::OkStatus();
}

void FrameParser::Feed(std::span<const std::uint8_t> bytes) {
  if (!failed_.ok()) return;
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

absl::StatusOr<std::optional<Frame>> FrameParser::Next() {
  if (!failed_.ok()) return failed_;
  const std::size_t available = buffer_.size() - start_;
  const std::uint8_t* p = buffer_.data() + start_;
  auto fail = [&](FrameError error, const std::string& detail) {
    failed_ = FrameErrorStatus(error, detail);
    return failed_;
  };
  // Check what can be checked as soon as the bytes are there, so that a stream of garbage is
  // refused at its first bytes rather than after a whole header.
  for (std::size_t i = 0; i < std::min<std::size_t>(available, 4); ++i) {
    if (p[i] != kFrameMagic[i]) {
      return fail(FrameError::kBadMagic,
                  absl::StrCat("a frame starts with byte 0x", absl::Hex(p[i], absl::kZeroPad2),
                               " at position ", i,
                               " instead of \"ESRD\"; the device is not an Esep reader or the "
                               "link lost step"));
    }
  }
  if (available >= 5 && p[4] != kProtocolVersion) {
    return fail(FrameError::kUnsupportedVersion,
                absl::StrCat("the reader speaks protocol version ", p[4],
                             "; this controller "
                             "speaks version ",
                             kProtocolVersion,
                             ": update the reader firmware "
                             "or the controller"));
  }
  if (available < kFrameHeaderBytes) return std::optional<Frame>();
  const std::uint32_t length = LoadLe32(p + 12);
  if (length > kMaxFramePayloadBytes) {
    return fail(FrameError::kOversizeLength,
                absl::StrCat("a frame announces ", length, " payload bytes; the limit is ",
                             kMaxFramePayloadBytes));
  }
  if (!IsKnownFrameType(p[5])) {
    return fail(FrameError::kUnknownType,
                absl::StrCat("frame type 0x", absl::Hex(p[5], absl::kZeroPad2),
                             " is not part of protocol version ", kProtocolVersion));
  }
  if (available < kFrameHeaderBytes + length) return std::optional<Frame>();
  std::uint32_t crc = Crc32(std::span(p, kCrcOffset));
  crc = Crc32(std::span(p + kFrameHeaderBytes, length), crc);
  const std::uint32_t announced = LoadLe32(p + kCrcOffset);
  if (crc != announced) {
    return fail(
        FrameError::kBadCrc,
        absl::StrCat("a ", reader::FrameType_Name(static_cast<reader::FrameType>(p[5])),
                     " frame of ", length, " bytes has CRC-32 0x", absl::Hex(crc, absl::kZeroPad8),
                     " but announces 0x", absl::Hex(announced, absl::kZeroPad8),
                     "; check the USB cable and its connectors"));
  }
  Frame frame;
  frame.type = static_cast<reader::FrameType>(p[5]);
  frame.sequence = LoadLe32(p + 8);
  frame.payload.assign(p + kFrameHeaderBytes, p + kFrameHeaderBytes + length);
  start_ += kFrameHeaderBytes + length;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > kMaxFrameBytes) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  return std::optional<Frame>(std::move(frame));
}

absl::Status FrameParser::Finish() const {
  if (!failed_.ok()) return failed_;
  const std::size_t available = buffer_.size() - start_;
  if (available == 0) return absl::OkStatus();
  std::string expected = "a 20-byte header";
  if (available >= kFrameHeaderBytes) {
    expected = absl::StrCat(kFrameHeaderBytes + LoadLe32(buffer_.data() + start_ + 12), " bytes");
  }
  return FrameErrorStatus(FrameError::kTruncatedFrame,
                          absl::StrCat("the reader stopped after ", available,
                                       " bytes of a frame that needs ", expected));
}

void FrameParser::Reset() {
  buffer_.clear();
  start_ = 0;
  failed_ = absl::OkStatus();
}

absl::Status ImageAssembler::Start(const reader::ImageHeader& header) {
  *this = ImageAssembler();
  if (header.width() == 0 || header.height() == 0 || header.width() > kMaxImageDimension ||
      header.height() > kMaxImageDimension) {
    return FrameErrorStatus(
        FrameError::kImageTooLarge,
        absl::StrCat("the reader announces a ", header.width(), " x ", header.height(),
                     " image; each side must be 1 to ", kMaxImageDimension, " pixels"));
  }
  const std::uint64_t pixels = std::uint64_t{header.width()} * header.height();
  if (header.total_bytes() != pixels || header.total_bytes() > kMaxImageBytes) {
    return FrameErrorStatus(FrameError::kImageTooLarge,
                            absl::StrCat("the reader announces ", header.total_bytes(),
                                         " bytes for a ", header.width(), " x ", header.height(),
                                         " grayscale image (limit ", kMaxImageBytes, " bytes)"));
  }
  if (header.sha256().size() != 32) {
    return FrameErrorStatus(FrameError::kBadPayload,
                            absl::StrCat("the image header's SHA-256 has ", header.sha256().size(),
                                         " bytes instead of 32"));
  }
  started_ = true;
  total_bytes_ = header.total_bytes();
  expected_sha256_ = header.sha256();
  image_.width = header.width();
  image_.height = header.height();
  image_.dpi = header.dpi();
  image_.sheet_number = header.sheet_number();
  image_.pixels.reserve(total_bytes_);
  return absl::OkStatus();
}

absl::Status ImageAssembler::AddChunk(const reader::ImageChunk& chunk) {
  if (!started_) {
    return FrameErrorStatus(FrameError::kImageChunkOutOfOrder,
                            "an image chunk arrived before the image header");
  }
  if (chunk.offset() != image_.pixels.size()) {
    return FrameErrorStatus(FrameError::kImageChunkOutOfOrder,
                            absl::StrCat("an image chunk starts at byte ", chunk.offset(), " but ",
                                         image_.pixels.size(), " bytes have arrived so far"));
  }
  if (chunk.data().size() > kMaxImageChunkBytes ||
      chunk.data().size() > total_bytes_ - image_.pixels.size()) {
    return FrameErrorStatus(
        FrameError::kImageChunkOverflow,
        absl::StrCat("an image chunk of ", chunk.data().size(), " bytes at offset ", chunk.offset(),
                     " runs past the announced ", total_bytes_, " bytes"));
  }
  // As bytes, so that the copy is one memmove.
  const auto* data = reinterpret_cast<const std::uint8_t*>(chunk.data().data());
  image_.pixels.insert(image_.pixels.end(), data, data + chunk.data().size());
  return absl::OkStatus();
}

absl::StatusOr<ReceivedImage> ImageAssembler::Finish() {
  if (!complete()) {
    return FrameErrorStatus(FrameError::kImageIncomplete,
                            absl::StrCat("the image ended after ", image_.pixels.size(), " of ",
                                         total_bytes_, " bytes"));
  }
  image_.sha256 = Sha256(std::span<const std::uint8_t>(image_.pixels));
  if (std::memcmp(image_.sha256.data(), expected_sha256_.data(), 32) != 0) {
    return FrameErrorStatus(
        FrameError::kImageHashMismatch,
        absl::StrCat(
            "the received image hashes to ", ToHex(image_.sha256), " but the reader announced ",
            ToHex(std::span(reinterpret_cast<const std::uint8_t*>(expected_sha256_.data()), 32)),
            "; the image was corrupted in transfer"));
  }
  started_ = false;
  return std::move(image_);
}

}  // namespace esep::scanner
