#include "reader_flags.h"

namespace esep::cli {

absl::StatusOr<scanner::ReaderSelection> ReaderSelectionFromFlags(const CommandLine& cl) {
  scanner::ReaderSelection selection;
  selection.simulated_deck = cl.Get("sim");
  if (selection.simulated_deck && (cl.Has("device") || cl.Has("serial"))) {
    return absl::InvalidArgumentError("--sim cannot be combined with --device or --serial");
  }
  if (std::optional<std::string> device = cl.Get("device")) {
    if (absl::Status s =
            scanner::ParseVidPid(*device, selection.usb.vendor_id, selection.usb.product_id);
        !s.ok()) {
      return s;
    }
  }
  selection.usb.serial = cl.Get("serial").value_or("");
  return selection;
}

}  // namespace esep::cli
