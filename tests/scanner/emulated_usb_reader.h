#ifndef ESEP_TESTS_SCANNER_EMULATED_USB_READER_H_
#define ESEP_TESTS_SCANNER_EMULATED_USB_READER_H_

// An Esep ballot reader emulated below libusb: umockdev puts a USB device node and its sysfs
// entry (descriptors included) into a test bed, and this class answers the usbfs ioctls that
// libusb's Linux backend issues on it (SUBMITURB, REAPURBNDELAY, DISCARDURB, CLEAR_HALT, ...)
// with the reader's protocol engine (ReaderDevice). UsbReader and libusb run unmodified; the
// process must run under umockdev's preload library (umockdev-wrapper).

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "esep/scanner/reader_device.h"

typedef struct _UMockdevTestbed UMockdevTestbed;
typedef struct _UMockdevIoctlBase UMockdevIoctlBase;
typedef struct _UMockdevIoctlClient UMockdevIoctlClient;
typedef struct _UMockdevIoctlData UMockdevIoctlData;

namespace esep::scanner::testing {

class EmulatedUsbReader {
 public:
  // Plugs in a reader 1209:e5e9 with USB serial number `serial` at bus 1, address 1.
  EmulatedUsbReader(std::shared_ptr<ReaderDevice> device, std::string serial);
  ~EmulatedUsbReader();
  EmulatedUsbReader(const EmulatedUsbReader&) = delete;
  EmulatedUsbReader& operator=(const EmulatedUsbReader&) = delete;

  // Whether the process runs under umockdev's preload library.
  static bool InMockEnvironment();

  ReaderDevice& device() { return *device_; }

  // The cable is pulled: URBs in flight end with ESHUTDOWN, every later ioctl fails with ENODEV,
  // and a "remove" uevent takes the device off libusb's device list.
  void Unplug();
  // The URB side of an unplug, once `bytes` more response bytes have gone to the host (in the
  // middle of a scan); Unplug() then sends the uevent.
  void UnplugAfterResponseBytes(std::uint64_t bytes);
  // The cable is back ("add" uevent), with `device` (a freshly powered reader) behind it.
  void Replug(std::shared_ptr<ReaderDevice> device);
  // The next bulk IN URB ends with a stall (EPIPE) until the host clears the halt.
  void StallNextResponse();
  int halts_cleared() const;
  int urbs_submitted() const;

 private:
  struct PendingUrb {
    UMockdevIoctlData* urb = nullptr;     // the usbdevfs_urb, referenced
    UMockdevIoctlData* buffer = nullptr;  // its data buffer, referenced
  };

  static int OnIoctl(UMockdevIoctlBase* handler, UMockdevIoctlClient* client, void* self);
  bool HandleIoctl(UMockdevIoctlClient* client);
  void SubmitUrb(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
  void ReapUrb(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
  void DiscardUrb(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
  // Moves IN URBs that the device can now fill to completed_.
  void Pump();
  void UnplugLocked();
  void Complete(PendingUrb urb, int status, int actual_length);
  static void Release(PendingUrb& urb);

  UMockdevTestbed* testbed_ = nullptr;
  UMockdevIoctlBase* handler_ = nullptr;
  bool on_bus_ = true;  // touched by the test thread only
  std::string serial_;

  mutable std::mutex mutex_;
  std::shared_ptr<ReaderDevice> device_;
  std::deque<PendingUrb> bulk_in_;
  std::deque<PendingUrb> interrupt_in_;
  std::deque<PendingUrb> completed_;
  bool unplugged_ = false;
  bool stall_next_response_ = false;
  int halts_cleared_ = 0;
  int urbs_submitted_ = 0;
  std::uint64_t response_bytes_sent_ = 0;
  std::optional<std::uint64_t> unplug_after_bytes_;
};

}  // namespace esep::scanner::testing

#endif  // ESEP_TESTS_SCANNER_EMULATED_USB_READER_H_
