#ifndef ESEP_SCANNER_READER_H_
#define ESEP_SCANNER_READER_H_

// The ballot reader as the daemon sees it: one abstract interface with a USB implementation
// (usb_reader.h) and a simulated one (simulated_reader.h). Both speak the protocol of
// docs/reader-protocol.md through ProtocolReader, so the daemon's code path is the same.

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/sha256.h"
#include "reader.pb.h"

namespace esep::scanner {

// A scanned sheet: 8-bit grayscale, row-major, width * height bytes.
struct ScannedImage {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t dpi = 0;
  std::uint32_t sheet_number = 0;
  std::vector<std::uint8_t> pixels;
  Sha256Digest sha256{};  // of `pixels`, checked against the reader's announcement
};

struct ScanSettings {
  std::uint32_t dpi = 200;
  std::uint32_t max_sheet_length_mm = 600;
};

// Every call blocks until the reader answers or its timeout passes. Errors:
//   DeadlineExceeded  the reader did not answer in time;
//   Unavailable       the reader is disconnected (a later call reconnects when it is back);
//   DataLoss          the reader's bytes failed a protocol check (GetFrameError says which);
//   FailedPrecondition / Aborted / ResourceExhausted / InvalidArgument  the reader refused the
//                     command (wrong state, jam or double feed, box full, bad setting).
// After any error the link is resynchronised, so the next call starts clean. A Reader is used by
// one thread at a time.
class Reader {
 public:
  virtual ~Reader() = default;

  virtual absl::StatusOr<reader::Identity> Identify() = 0;
  virtual absl::StatusOr<reader::DeviceStatus> GetStatus() = 0;
  virtual absl::Status Configure(const ScanSettings& settings) = 0;
  // Pulls in the sheet waiting at the entry and returns its image; the sheet is then held in
  // the path until Cast() or ReturnToVoter().
  virtual absl::StatusOr<ScannedImage> AcceptAndScan() = 0;
  // Ejects the held sheet to the front and holds it there for the voter.
  virtual absl::Status ReturnToVoter() = 0;
  // Drops the held sheet into the ballot box.
  virtual absl::Status Cast() = 0;
  virtual absl::Status Calibrate() = 0;
  // Returns the reader to IDLE (after a jam has been cleared, for one).
  virtual absl::Status Reset() = 0;
  // The next unsolicited event, or std::nullopt when none arrives within `timeout`.
  virtual absl::StatusOr<std::optional<reader::Event>> PollEvent(
      std::chrono::milliseconds timeout) = 0;
  // A descriptor that poll() finds readable when an event may be waiting, so that the daemon's
  // loop sleeps until the reader or a console has something for it instead of polling the
  // reader at intervals; PollEvent(0) then takes the events. -1 when this reader cannot wake a
  // poll(); the caller then waits in PollEvent. The reader owns the descriptor.
  virtual int EventFd() { return -1; }
};

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_READER_H_
