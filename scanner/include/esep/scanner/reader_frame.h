#ifndef ESEP_SCANNER_READER_FRAME_H_
#define ESEP_SCANNER_READER_FRAME_H_

// The reader protocol's frame codec (docs/reader-protocol.md): encoding, an incremental parser
// that takes bytes as they arrive from USB, and the reassembly of a chunked image. Every check
// that protects the controller from a faulty or lying reader lives here.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/sha256.h"
#include "reader.pb.h"

namespace esep::scanner {

inline constexpr std::uint8_t kFrameMagic[4] = {'E', 'S', 'R', 'D'};
inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kFrameHeaderBytes = 20;
// The largest payload either side may send; a header announcing more is refused before any
// payload byte is buffered.
inline constexpr std::uint32_t kMaxFramePayloadBytes = 64 * 1024;
inline constexpr std::size_t kMaxFrameBytes = kFrameHeaderBytes + kMaxFramePayloadBytes;
// Pixel bytes per IMAGE_CHUNK frame.
inline constexpr std::uint32_t kMaxImageChunkBytes = 32 * 1024;
// The largest image a reader may announce: 600 dpi across a 330 mm sensor, 1000 mm long is
// 7795 x 23622 pixels = 184 MB; we allow 200 MiB and 32768 pixels in each dimension.
inline constexpr std::uint64_t kMaxImageBytes = 200ull * 1024 * 1024;
inline constexpr std::uint32_t kMaxImageDimension = 32768;

// Why a byte stream or a frame was refused. Each has its own code so tests and logs can tell
// them apart; the Status messages say what a technician can do.
enum class FrameError {
  kBadMagic,
  kUnsupportedVersion,
  kBadCrc,
  kOversizeLength,
  kTruncatedFrame,
  kUnknownType,
  kSequenceMismatch,
  kBadPayload,
  kImageChunkOutOfOrder,
  kImageTooLarge,
  kImageChunkOverflow,
  kImageHashMismatch,
  kImageIncomplete,
};

// The name used in Status messages and logs ("bad CRC").
const char* FrameErrorName(FrameError error);
// A Status carrying `error` (retrievable with GetFrameError) and `detail`.
absl::Status FrameErrorStatus(FrameError error, const std::string& detail);
// The FrameError carried by a Status made by FrameErrorStatus, if any.
std::optional<FrameError> GetFrameError(const absl::Status& status);

struct Frame {
  reader::FrameType type = reader::FRAME_TYPE_UNSPECIFIED;
  std::uint32_t sequence = 0;
  std::vector<std::uint8_t> payload;
};

// CRC-32 (IEEE 802.3, as zlib's crc32) of `bytes`, continuing from `crc`.
std::uint32_t Crc32(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0);

// Whether `type` is one the protocol defines.
bool IsKnownFrameType(std::uint32_t type);

// The whole frame: header, then `payload`. `payload` must not exceed kMaxFramePayloadBytes.
std::vector<std::uint8_t> EncodeFrame(reader::FrameType type, std::uint32_t sequence,
                                      std::span<const std::uint8_t> payload);
// Serializes `message` as the payload.
std::vector<std::uint8_t> EncodeMessageFrame(reader::FrameType type, std::uint32_t sequence,
                                             const google::protobuf::MessageLite& message);

// kSequenceMismatch unless `frame` answers the command sent with `expected`.
absl::Status CheckSequence(const Frame& frame, std::uint32_t expected);

// Decodes `frame.payload` into `message`; kBadPayload when it is not a valid serialization.
absl::Status DecodePayload(const Frame& frame, google::protobuf::MessageLite& message);

// Incremental parser of a byte stream of frames. Feed bytes as they arrive and take frames with
// Next(). After an error the parser stays failed (the stream cannot be trusted to be in step)
// until Reset().
class FrameParser {
 public:
  // Appends received bytes; callers feed one USB transfer at a time and drain it with Next().
  void Feed(std::span<const std::uint8_t> bytes);

  // The next complete frame, std::nullopt when more bytes are needed, or an error.
  absl::StatusOr<std::optional<Frame>> Next();

  // Call when the stream has ended (the device stopped sending): kTruncatedFrame if a partial
  // frame is buffered, OK otherwise.
  absl::Status Finish() const;

  // Drops buffered bytes and a previous error.
  void Reset();

  std::size_t buffered_bytes() const { return buffer_.size() - start_; }

 private:
  std::vector<std::uint8_t> buffer_;
  std::size_t start_ = 0;
  absl::Status failed_;
};

// An image as the reader sends it.
struct ReceivedImage {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t dpi = 0;
  std::uint32_t sheet_number = 0;
  std::vector<std::uint8_t> pixels;  // 8-bit grayscale, row-major, width * height bytes
  Sha256Digest sha256{};
};

// Reassembles an image from an IMAGE_HEADER and the IMAGE_CHUNKs after it, checking sizes, order
// and the hash. Memory is allocated only after the header passes the limits.
class ImageAssembler {
 public:
  absl::Status Start(const reader::ImageHeader& header);
  absl::Status AddChunk(const reader::ImageChunk& chunk);
  bool started() const { return started_; }
  bool complete() const { return started_ && image_.pixels.size() == total_bytes_; }
  std::uint64_t received_bytes() const { return image_.pixels.size(); }
  // The image once complete and its SHA-256 matches the header's.
  absl::StatusOr<ReceivedImage> Finish();

 private:
  bool started_ = false;
  std::uint64_t total_bytes_ = 0;
  std::string expected_sha256_;
  ReceivedImage image_;
};

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_READER_FRAME_H_
