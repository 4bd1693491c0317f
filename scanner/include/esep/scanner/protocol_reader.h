#ifndef ESEP_SCANNER_PROTOCOL_READER_H_
#define ESEP_SCANNER_PROTOCOL_READER_H_

// The controller's side of the reader protocol over any transport. UsbReader and
// SimulatedReader differ only in their ReaderLink.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/scanner/reader.h"
#include "esep/scanner/reader_frame.h"

namespace esep::scanner {

// The three pipes of the reader's interface: commands out, responses in, events in.
class ReaderLink {
 public:
  virtual ~ReaderLink() = default;
  // Sends one whole command frame.
  virtual absl::Status SendCommand(std::span<const std::uint8_t> frame,
                                   std::chrono::milliseconds timeout) = 0;
  // Appends at least one byte received on the response pipe to `out`, or fails:
  // DeadlineExceeded when nothing arrived within `timeout`.
  virtual absl::Status ReceiveResponse(std::vector<std::uint8_t>& out,
                                       std::chrono::milliseconds timeout) = 0;
  // Appends one event frame's bytes to `out`; OK with nothing appended when no event arrived
  // within `timeout`.
  virtual absl::Status ReceiveEvent(std::vector<std::uint8_t>& out,
                                    std::chrono::milliseconds timeout) = 0;
  // Called before a command when the link may be out of step (after a timeout or a protocol
  // error): clears stalls and drops whatever stale bytes the device still has queued.
  virtual absl::Status Resynchronize() = 0;
  // Readable when the event pipe may hold bytes (Reader::EventFd); -1 when the link cannot say.
  virtual int EventFd() { return -1; }
};

struct ProtocolTimeouts {
  std::chrono::milliseconds command{2000};  // a command's answer (or each chunk of an image)
  std::chrono::milliseconds motion{5000};   // until a cast or return is acknowledged
};

class ProtocolReader : public Reader {
 public:
  ProtocolReader(std::unique_ptr<ReaderLink> link, ProtocolTimeouts timeouts);

  absl::StatusOr<reader::Identity> Identify() override;
  absl::StatusOr<reader::DeviceStatus> GetStatus() override;
  absl::Status Configure(const ScanSettings& settings) override;
  absl::StatusOr<ScannedImage> AcceptAndScan() override;
  absl::Status ReturnToVoter() override;
  absl::Status Cast() override;
  absl::Status Calibrate() override;
  absl::Status Reset() override;
  absl::StatusOr<std::optional<reader::Event>> PollEvent(
      std::chrono::milliseconds timeout) override;
  int EventFd() override { return link_ != nullptr ? link_->EventFd() : -1; }

  // Replaces the link (after a reconnect); the next command resynchronises.
  void ReplaceLink(std::unique_ptr<ReaderLink> link);
  ReaderLink* link() { return link_.get(); }
  const ReaderLink* link() const { return link_.get(); }

 private:
  // Sends a command and returns the frames of its answer up to the final one.
  absl::StatusOr<Frame> Transact(reader::FrameType type,
                                 const google::protobuf::MessageLite& request,
                                 reader::FrameType expected, std::chrono::milliseconds timeout);
  absl::Status SendRequest(reader::FrameType type, const google::protobuf::MessageLite& request);
  // The next frame of the current command's answer. A reader ERROR frame becomes its Status.
  absl::StatusOr<Frame> ReceiveFrame(std::chrono::milliseconds timeout);
  absl::Status ExpectAck(reader::FrameType type, std::chrono::milliseconds timeout);
  // Records that the stream can no longer be trusted; the next command resynchronises.
  absl::Status Fail(absl::Status status);

  std::unique_ptr<ReaderLink> link_;
  ProtocolTimeouts timeouts_;
  FrameParser responses_;
  FrameParser events_;
  std::uint32_t sequence_ = 0;
  reader::FrameType current_command_ = reader::FRAME_TYPE_UNSPECIFIED;
  bool needs_resync_ = false;
};

// The Status for an ERROR frame from the reader.
absl::Status ReaderErrorStatus(const reader::Error& error);

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_PROTOCOL_READER_H_
