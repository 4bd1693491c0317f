#ifndef ESEP_SCANNER_SIMULATED_READER_H_
#define ESEP_SCANNER_SIMULATED_READER_H_

// A reader in the process: the device-side protocol engine (ReaderDevice) behind an in-memory
// link, with a simulated voter feeding sheets from a deck of PNG images. The controller's
// protocol code path (ProtocolReader, codec) is the one used for USB readers. Used when no USB
// reader is attached and by tests.

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/scanner/protocol_reader.h"
#include "esep/scanner/reader_device.h"

namespace esep::scanner {

// What happens to one sheet of the deck.
enum class SheetScript {
  kNormal,
  kJam,             // the sheet jams half-way through the image transfer
  kDoubleFeed,      // two sheets stuck together: refused and returned
  kVoterTakesBack,  // the voter pulls the sheet back out before it is scanned
  kCoverOpen,       // the cover is open when the sheet arrives; closed before the next one
};

struct SimulatedReaderOptions {
  DeviceConfig device;
  std::uint32_t image_dpi = 200;  // the deck's resolution; images are not resampled
  ProtocolTimeouts timeouts;
  std::map<std::size_t, SheetScript> script;  // by index in the deck; kNormal when absent
};

class SimulatedReader : public ProtocolReader {
 public:
  // `path` is a PNG file or a directory whose *.png files (in name order) form the deck.
  static absl::StatusOr<std::unique_ptr<SimulatedReader>> Open(const std::string& path,
                                                               SimulatedReaderOptions options);
  // A deck made of `paths` in this order, each a PNG file or a directory as above.
  static absl::StatusOr<std::unique_ptr<SimulatedReader>> Open(
      const std::vector<std::string>& paths, SimulatedReaderOptions options);
  SimulatedReader(std::vector<SheetImage> deck, SimulatedReaderOptions options);

  // Before taking a sheet the simulated world moves on: a voter takes a returned sheet, a
  // scripted cover is closed, and the next sheet of the deck is inserted when the entry is free.
  absl::StatusOr<ScannedImage> AcceptAndScan() override;
  absl::StatusOr<std::optional<reader::Event>> PollEvent(
      std::chrono::milliseconds timeout) override;

  ReaderDevice& device() { return *device_; }
  std::size_t sheets_fed() const { return next_sheet_; }
  std::size_t deck_size() const { return deck_.size(); }

 private:
  void AdvanceWorld();

  std::shared_ptr<ReaderDevice> device_;
  std::vector<SheetImage> deck_;
  std::map<std::size_t, SheetScript> script_;
  std::size_t next_sheet_ = 0;
  bool scripted_cover_open_ = false;
};

// A link to a ReaderDevice in the same process: answers are available at once, so a missing
// answer is a timeout without waiting.
std::unique_ptr<ReaderLink> MakeInProcessLink(std::shared_ptr<ReaderDevice> device);

// Reads a PNG (or any image OpenCV decodes) as 8-bit grayscale.
absl::StatusOr<SheetImage> LoadSheetImage(const std::string& path, std::uint32_t dpi);

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_SIMULATED_READER_H_
