#ifndef ESEP_SCANNER_READER_FACTORY_H_
#define ESEP_SCANNER_READER_FACTORY_H_

// Chooses the reader the daemon and the CLI drive: a USB reader, or the simulated reader when
// one is asked for or, where the configuration allows it, when no USB reader is attached.

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "esep/scanner/reader.h"
#include "esep/scanner/simulated_reader.h"
#include "esep/scanner/usb_reader.h"

namespace esep::scanner {

struct ReaderSelection {
  // Use the simulated reader fed from this PNG file or deck directory, and no USB reader.
  std::optional<std::string> simulated_deck;
  UsbReaderOptions usb;
  // When no USB reader is found (NOT_FOUND), fall back to the simulated reader fed from this
  // deck. For training and demonstration set-ups; an election configuration leaves it unset.
  std::optional<std::string> fallback_deck;
  SimulatedReaderOptions simulated;
};

struct OpenedReader {
  std::unique_ptr<Reader> reader;
  bool simulated = false;
  std::string description;  // "USB reader 1209:e5e9 serial R1-0042" or "simulated reader ..."
};

absl::StatusOr<OpenedReader> OpenReader(const ReaderSelection& selection);

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_READER_FACTORY_H_
