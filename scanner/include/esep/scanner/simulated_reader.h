#ifndef ESEP_SCANNER_SIMULATED_READER_H_
#define ESEP_SCANNER_SIMULATED_READER_H_

// A reader in the process: the device-side protocol engine (ReaderDevice) behind an in-memory
// link, with a simulated voter feeding sheets from a deck of PNG images. The controller's
// protocol code path (ProtocolReader, codec) is the one used for USB readers. Used when no USB
// reader is attached and by tests.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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
  // Where the paper is kept across a crash of the controller (see SimulatedWorld); empty: in
  // memory only, every start begins with the deck's first sheet.
  std::filesystem::path state_file;
  // Whether the voter of a sheet (by deck index) feeds it again after it was returned; unset:
  // nobody does.
  std::function<bool(std::size_t)> voter_feeds_again;
};

// The physical side of a simulated reader: where every sheet of the deck is. Real paper stays
// where it is when the controller crashes; with a state file the simulation keeps it so too,
// rewritten (atomically) after every move of paper and before the controller hears of it.
struct SimulatedWorld {
  std::size_t next_sheet = 0;            // deck index of the next sheet a new voter brings
  std::optional<std::size_t> in_reader;  // the sheet at the entry, in the path or at the front
  reader::DeviceState state = reader::IDLE;
  std::vector<std::size_t> in_hand;  // returned sheets their voters will feed again, in order
  std::vector<std::size_t> box;      // deck indices in the ballot box, in drop order

  bool operator==(const SimulatedWorld&) const = default;
};

absl::StatusOr<SimulatedWorld> ReadSimulatedWorld(const std::filesystem::path& path);
absl::Status WriteSimulatedWorld(const std::filesystem::path& path, const SimulatedWorld& world);

class SimulatedReader : public ProtocolReader {
 public:
  // `path` is a PNG file or a directory whose *.png files (in name order) form the deck.
  static absl::StatusOr<std::unique_ptr<SimulatedReader>> Open(const std::string& path,
                                                               SimulatedReaderOptions options);
  // A deck made of `paths` in this order, each a PNG file or a directory as above.
  static absl::StatusOr<std::unique_ptr<SimulatedReader>> Open(
      const std::vector<std::string>& paths, SimulatedReaderOptions options);
  // A reader over `deck`; with a state file that exists, the paper is put back where it was.
  static absl::StatusOr<std::unique_ptr<SimulatedReader>> Create(std::vector<SheetImage> deck,
                                                                 SimulatedReaderOptions options);
  // Starts with an empty reader and the deck's first sheet (the state file, if any, is
  // overwritten at the first move of paper; use Create() to resume from it).
  SimulatedReader(std::vector<SheetImage> deck, SimulatedReaderOptions options);

  // Before taking a sheet the simulated world moves on: a voter takes a returned sheet, a
  // scripted cover is closed, and the next sheet of the deck is inserted when the entry is free.
  absl::StatusOr<ScannedImage> AcceptAndScan() override;
  absl::StatusOr<std::optional<reader::Event>> PollEvent(
      std::chrono::milliseconds timeout) override;

  ReaderDevice& device() { return *device_; }
  std::size_t sheets_fed() const { return world_.next_sheet; }
  std::size_t deck_size() const { return deck_.size(); }
  const SimulatedWorld& world() const { return world_; }
  // Sheets a voter will still feed: one at the entry, a returned one its voter feeds again, and
  // those in voters' hands (new sheets of the deck not counted).
  std::size_t sheets_waiting() const;

 private:
  void AdvanceWorld();
  // Brings world_ up to date with the device after paper may have moved, and keeps it.
  void PaperMoved();

  std::shared_ptr<ReaderDevice> device_;
  std::vector<SheetImage> deck_;
  std::map<std::size_t, SheetScript> script_;
  std::filesystem::path state_file_;
  std::function<bool(std::size_t)> voter_feeds_again_;
  SimulatedWorld world_;
  SimulatedWorld kept_;  // as last written to the state file
  bool scripted_cover_open_ = false;
};

// A link to a ReaderDevice in the same process: answers are available at once, so a missing
// answer is a timeout without waiting. `after_command` runs after the device executed each
// command and before its answer is read.
std::unique_ptr<ReaderLink> MakeInProcessLink(std::shared_ptr<ReaderDevice> device,
                                              std::function<void()> after_command = nullptr);

// Reads a PNG (or any image OpenCV decodes) as 8-bit grayscale.
absl::StatusOr<SheetImage> LoadSheetImage(const std::string& path, std::uint32_t dpi);

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_SIMULATED_READER_H_
