#ifndef ESEP_TOOLS_ESEP_READER_FLAGS_H_
#define ESEP_TOOLS_ESEP_READER_FLAGS_H_

#include "absl/status/statusor.h"
#include "command_line.h"
#include "esep/scanner/reader_factory.h"

namespace esep::cli {

// The flags that choose a reader, shared by `esep reader` and `esepd`.
inline const FlagSpec kSimFlag = {"sim", true,
                                  "PNG file or deck directory: use a simulated reader"};
inline const FlagSpec kDeviceFlag = {"device", true,
                                     "USB VID:PID in hexadecimal (default 1209:e5e9)"};
inline const FlagSpec kSerialFlag = {"serial", true, "USB serial number of the reader"};

// --sim DECK, or a USB reader by --device VID:PID and/or --serial S. Errors are usage errors.
absl::StatusOr<scanner::ReaderSelection> ReaderSelectionFromFlags(const CommandLine& cl);

}  // namespace esep::cli

#endif  // ESEP_TOOLS_ESEP_READER_FLAGS_H_
