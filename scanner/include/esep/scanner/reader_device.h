#ifndef ESEP_SCANNER_READER_DEVICE_H_
#define ESEP_SCANNER_READER_DEVICE_H_

// The reader's side of the protocol: the firmware logic of an Esep ballot reader (state machine,
// answers, image chunking) with the physical world (sheets, cover, box) and faults under a
// script's control. SimulatedReader runs it in process; the emulated USB device in the tests
// answers libusb's URBs with it. One implementation of the reader, so both agree.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "esep/proto/sha256.h"
#include "esep/scanner/reader_frame.h"
#include "reader.pb.h"

namespace esep::scanner {

// A sheet as the sensor will see it: 8-bit grayscale, width * height bytes.
struct SheetImage {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t dpi = 200;
  std::vector<std::uint8_t> pixels;
  // The SHA-256 of `pixels` when known (a deck page hashed once when loaded); the device
  // computes it at each scan otherwise, as a reader's firmware does.
  std::optional<Sha256Digest> sha256;
};

struct DeviceConfig {
  std::string model = "Esep simulated reader";
  std::string serial = "SIM-0001";
  std::string firmware = "esep-sim 1";
  std::uint32_t sensor_width_px = 2592;  // 330 mm at 200 dpi
  std::uint32_t optical_dpi = 200;
  std::vector<std::uint32_t> supported_dpi = {100, 150, 200, 300};
  std::uint32_t box_capacity = 1000;
  std::uint32_t chunk_bytes = kMaxImageChunkBytes;
};

// A corruption of the next response frame the reader sends, as a faulty cable or firmware would.
enum class LinkFault {
  kNone,
  kBadCrc,          // one payload bit flipped
  kOversizeLength,  // the header announces more than kMaxFramePayloadBytes
  kTruncated,       // only the first half of the frame is sent, then silence
  kUnknownType,     // a type byte the protocol does not define (CRC correct)
  kWrongSequence,   // the answer carries another command's sequence number (CRC correct)
};

// A fault in the next image the reader sends, as faulty firmware or memory would produce it.
enum class ImageFault {
  kNone,
  kCorruptPixel,  // one pixel differs from the hashed image
  kSkippedChunk,  // the second chunk is left out
  kExtraBytes,    // the last chunk carries more bytes than announced
};

class ReaderDevice {
 public:
  explicit ReaderDevice(DeviceConfig config = DeviceConfig());
  ~ReaderDevice();
  ReaderDevice(const ReaderDevice&) = delete;
  ReaderDevice& operator=(const ReaderDevice&) = delete;

  // --- the physical world ---
  // A voter inserts a sheet at the entry (SHEET_INSERTED). `double_feed`: two sheets stuck
  // together, detected when the scan starts.
  void InsertSheet(SheetImage sheet, bool double_feed = false);
  // The voter takes a returned sheet from the front (SHEET_REMOVED).
  void VoterTakesSheet();
  void OpenCover();
  void CloseCover();
  // The commission empties the box.
  void EmptyBox();
  // Power comes back after a loss: the paper is where it was when the motors stopped. `sheet` is
  // the sheet in the reader (at the entry, in the path or at the front), absent when `state`
  // holds none; a sheet stopped mid-scan rests in the path (HOLDING). The box holds
  // `sheets_cast` sheets. Pending faults, answers and events are gone.
  void PowerOnWith(std::optional<SheetImage> sheet, reader::DeviceState state,
                   std::uint32_t sheets_cast);
  // The next scan jams after sending `bytes` image bytes.
  void JamAfterImageBytes(std::uint64_t bytes);
  // The next response frame is corrupted as `fault` says.
  void InjectLinkFault(LinkFault fault);
  // The next image is sent with `fault`.
  void InjectImageFault(ImageFault fault);
  // false: the reader takes commands but never answers (hung firmware) until set true again.
  void SetAnswering(bool answering);

  // --- the transport ---
  // Bytes the controller wrote to the command pipe.
  void ReceiveCommandBytes(std::span<const std::uint8_t> bytes);
  std::size_t pending_response_bytes() const;
  // Moves up to out.size() queued response bytes into `out`; returns how many.
  std::size_t ReadResponse(std::span<std::uint8_t> out);
  // Discards queued responses (a CLEAR_HALT or a re-plug loses what was in flight).
  void DropResponses();
  // The next event frame, if any.
  std::optional<std::vector<std::uint8_t>> TakeEventFrame();
  // Readable exactly while an event frame waits for TakeEventFrame(), as an interrupt endpoint
  // with data would be: a controller's loop sleeps in poll() on it. Owned by the device; -1
  // where the system gave no descriptor.
  int event_fd() const { return event_fd_; }

  reader::DeviceState state() const;
  std::uint32_t sheets_cast() const;
  std::uint32_t commands_received() const;

 private:
  void HandleFrame(const Frame& frame);
  void Scan(std::uint32_t sequence);
  void Respond(reader::FrameType type, std::uint32_t sequence,
               const google::protobuf::MessageLite& message);
  void RespondError(std::uint32_t sequence, reader::ErrorCode code, const std::string& message);
  void Ack(std::uint32_t sequence);
  void Emit(reader::EventKind kind);
  void SetState(reader::DeviceState state) { state_ = state; }
  // Makes event_fd() readable when events_ holds a frame and not readable when it is empty.
  void SignalEventsLocked();
  reader::DeviceStatus StatusLocked() const;

  mutable std::mutex mutex_;
  DeviceConfig config_;
  FrameParser commands_;
  // Response bytes not yet read: responses_[responses_read_ ...].
  std::vector<std::uint8_t> responses_;
  std::size_t responses_read_ = 0;
  std::deque<std::vector<std::uint8_t>> events_;
  int event_fd_ = -1;
  bool event_signalled_ = false;
  std::uint32_t event_sequence_ = 0;

  reader::DeviceState state_ = reader::IDLE;
  std::optional<SheetImage> sheet_;
  bool double_feed_ = false;
  bool cover_open_ = false;
  bool calibrated_ = false;
  std::uint32_t dpi_ = 200;
  std::uint32_t max_sheet_length_mm_ = 600;
  std::uint32_t sheets_scanned_ = 0;
  std::uint32_t sheets_cast_ = 0;
  std::uint32_t commands_received_ = 0;
  std::optional<std::uint64_t> jam_after_bytes_;
  LinkFault link_fault_ = LinkFault::kNone;
  ImageFault image_fault_ = ImageFault::kNone;
  bool answering_ = true;
  bool truncated_ = false;  // a truncated frame went out; stay silent until the next command
};

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_READER_DEVICE_H_
