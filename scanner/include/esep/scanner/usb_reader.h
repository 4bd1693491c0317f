#ifndef ESEP_SCANNER_USB_READER_H_
#define ESEP_SCANNER_USB_READER_H_

// A ballot reader on USB through libusb-1.0 (docs/reader-protocol.md). Survives the reader
// being unplugged: calls fail with UNAVAILABLE while it is gone and the next call after it is
// back reopens it.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/scanner/protocol_reader.h"

struct libusb_context;

namespace esep::scanner {

// pid.codes test VID with the product id of the development readers.
inline constexpr std::uint16_t kDefaultReaderVendorId = 0x1209;
inline constexpr std::uint16_t kDefaultReaderProductId = 0xE5E9;

struct UsbReaderOptions {
  std::uint16_t vendor_id = kDefaultReaderVendorId;
  std::uint16_t product_id = kDefaultReaderProductId;
  std::string serial;  // when not empty, only the reader with this USB serial number
  ProtocolTimeouts timeouts;
};

struct UsbReaderInfo {
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  std::uint8_t bus = 0;
  std::uint8_t address = 0;
  std::string manufacturer;
  std::string product;
  std::string serial;
  std::string problem;  // why the strings could not be read (permissions, for one), if so
};

// "1209:e5e9" -> {0x1209, 0xe5e9}.
absl::Status ParseVidPid(const std::string& text, std::uint16_t& vendor_id,
                         std::uint16_t& product_id);

// The USB devices with `vendor_id`:`product_id` (0:0 lists every device with a vendor-specific
// interface).
absl::StatusOr<std::vector<UsbReaderInfo>> ListUsbReaders(std::uint16_t vendor_id,
                                                          std::uint16_t product_id);

class UsbReader : public ProtocolReader {
 public:
  // Finds, opens and claims the reader; NotFound with the devices seen when it is not there.
  static absl::StatusOr<std::unique_ptr<UsbReader>> Open(const UsbReaderOptions& options);
  ~UsbReader() override;

  // Closes the current handle (if any) and opens the reader again.
  absl::Status Reconnect();
  bool connected() const;

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

 private:
  UsbReader(libusb_context* context, const UsbReaderOptions& options);
  // Reopens a reader that went away; UNAVAILABLE while it is still gone.
  absl::Status EnsureConnected();
  // Drops the link when `status` says the reader is gone.
  void NoteResult(const absl::Status& status);
  // Runs a ProtocolReader call on a connected reader and notes a disconnection.
  template <typename Result, typename Call>
  Result Run(Call call);

  libusb_context* context_;
  UsbReaderOptions options_;
};

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_USB_READER_H_
