#include "esep/scanner/reader_factory.h"

#include "absl/strings/str_cat.h"

namespace esep::scanner {
namespace {

absl::StatusOr<OpenedReader> OpenSimulated(const std::string& deck,
                                           const SimulatedReaderOptions& options,
                                           const std::string& why) {
  absl::StatusOr<std::unique_ptr<SimulatedReader>> reader = SimulatedReader::Open(deck, options);
  if (!reader.ok()) return reader.status();
  OpenedReader opened;
  opened.description = absl::StrCat("simulated reader fed from ", deck, " (",
                                    (*reader)->deck_size(), " sheets", why, ")");
  opened.reader = *std::move(reader);
  opened.simulated = true;
  return opened;
}

}  // namespace

absl::StatusOr<OpenedReader> OpenReader(const ReaderSelection& selection) {
  if (selection.simulated_deck) {
    return OpenSimulated(*selection.simulated_deck, selection.simulated, "");
  }
  absl::StatusOr<std::unique_ptr<UsbReader>> usb = UsbReader::Open(selection.usb);
  if (usb.ok()) {
    OpenedReader opened;
    opened.description =
        absl::StrCat("USB reader ", absl::Hex(selection.usb.vendor_id, absl::kZeroPad4), ":",
                     absl::Hex(selection.usb.product_id, absl::kZeroPad4),
                     selection.usb.serial.empty() ? "" : " serial " + selection.usb.serial);
    opened.reader = *std::move(usb);
    return opened;
  }
  if (absl::IsNotFound(usb.status()) && selection.fallback_deck) {
    return OpenSimulated(*selection.fallback_deck, selection.simulated,
                         "; no USB reader is attached");
  }
  return usb.status();
}

}  // namespace esep::scanner
