#include "emulated_usb_reader.h"

#include <errno.h>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <umockdev.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace esep::scanner::testing {
namespace {

constexpr char kDevNode[] = "/dev/bus/usb/001/001";
constexpr char kSysPath[] = "/sys/devices/usb1";

// Device descriptor (1209:e5e9, strings 1..3), one configuration with one vendor-specific
// interface: bulk OUT 0x01, bulk IN 0x81 (512 bytes), interrupt IN 0x82 (64 bytes).
constexpr char kSysfsEntry[] =
    "P: /devices/usb1\n"
    "N: bus/usb/001/001\n"
    "E: SUBSYSTEM=usb\n"
    "E: DRIVER=usb\n"
    "E: BUSNUM=001\n"
    "E: DEVNUM=001\n"
    "E: DEVNAME=/dev/bus/usb/001/001\n"
    "E: DEVTYPE=usb_device\n"
    "A: bConfigurationValue=1\\n\n"
    "A: busnum=1\\n\n"
    "A: devnum=1\\n\n"
    "A: speed=480\\n\n"
    "H: descriptors="
    "12010002000000400912e9e5000101020301"
    "090227000101008032"
    "0904000003ff000000"
    "07050102000200"
    "07058102000200"
    "0705820340000a\n";

std::vector<std::uint8_t> StringDescriptor(const std::string& text) {
  std::vector<std::uint8_t> d = {static_cast<std::uint8_t>(2 + 2 * text.size()), 3};
  for (char c : text) {
    d.push_back(static_cast<std::uint8_t>(c));
    d.push_back(0);
  }
  return d;
}

}  // namespace

bool EmulatedUsbReader::InMockEnvironment() {
  // umockdev_in_mock_environment() only becomes true once a test bed exists; what matters here
  // is that the preload library intercepts the process's calls.
  const char* preload = std::getenv("LD_PRELOAD");
  return preload != nullptr && std::strstr(preload, "libumockdev-preload") != nullptr;
}

EmulatedUsbReader::EmulatedUsbReader(std::shared_ptr<ReaderDevice> device, std::string serial)
    : serial_(std::move(serial)), device_(std::move(device)) {
  testbed_ = umockdev_testbed_new();
  handler_ = umockdev_ioctl_base_new();
  g_signal_connect_after(handler_, "handle-ioctl", G_CALLBACK(&EmulatedUsbReader::OnIoctl), this);
  GError* error = nullptr;
  // The handler first, so the device node answers as soon as it exists.
  if (!umockdev_testbed_attach_ioctl(testbed_, kDevNode, handler_, &error)) {
    std::fprintf(stderr, "umockdev: cannot attach the ioctl handler: %s\n",
                 error ? error->message : "?");
    std::abort();
  }
  if (!umockdev_testbed_add_from_string(testbed_, kSysfsEntry, &error)) {
    std::fprintf(stderr, "umockdev: cannot add the reader: %s\n", error ? error->message : "?");
    std::abort();
  }
}

EmulatedUsbReader::~EmulatedUsbReader() {
  umockdev_testbed_detach_ioctl(testbed_, kDevNode, nullptr);
  {
    std::lock_guard lock(mutex_);
    for (auto* list : {&bulk_in_, &interrupt_in_, &completed_}) {
      for (PendingUrb& urb : *list) Release(urb);
      list->clear();
    }
  }
  g_clear_object(&handler_);
  g_clear_object(&testbed_);
}

void EmulatedUsbReader::Unplug() {
  {
    std::lock_guard lock(mutex_);
    UnplugLocked();
  }
  // The kernel announces the removal; libusb's hotplug monitor drops the device from its list.
  if (on_bus_) {
    umockdev_testbed_uevent(testbed_, kSysPath, "remove");
    on_bus_ = false;
  }
}

void EmulatedUsbReader::UnplugAfterResponseBytes(std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  unplug_after_bytes_ = response_bytes_sent_ + bytes;
}

void EmulatedUsbReader::UnplugLocked() {
  unplugged_ = true;
  for (auto* list : {&bulk_in_, &interrupt_in_}) {
    while (!list->empty()) {
      Complete(list->front(), -ESHUTDOWN, 0);
      list->pop_front();
    }
  }
}

void EmulatedUsbReader::Replug(std::shared_ptr<ReaderDevice> device) {
  {
    std::lock_guard lock(mutex_);
    device_ = std::move(device);
    unplugged_ = false;
    stall_next_response_ = false;
  }
  if (!on_bus_) {
    umockdev_testbed_uevent(testbed_, kSysPath, "add");
    on_bus_ = true;
  }
}

void EmulatedUsbReader::StallNextResponse() {
  std::lock_guard lock(mutex_);
  stall_next_response_ = true;
}

int EmulatedUsbReader::halts_cleared() const {
  std::lock_guard lock(mutex_);
  return halts_cleared_;
}

int EmulatedUsbReader::urbs_submitted() const {
  std::lock_guard lock(mutex_);
  return urbs_submitted_;
}

int EmulatedUsbReader::OnIoctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, void* self) {
  return static_cast<EmulatedUsbReader*>(self)->HandleIoctl(client) ? TRUE : FALSE;
}

void EmulatedUsbReader::Release(PendingUrb& urb) {
  if (urb.buffer) g_object_unref(urb.buffer);
  if (urb.urb) g_object_unref(urb.urb);
  urb = PendingUrb();
}

void EmulatedUsbReader::Complete(PendingUrb urb, int status, int actual_length) {
  auto* u = reinterpret_cast<usbdevfs_urb*>(urb.urb->data);
  u->status = status;
  u->actual_length = actual_length;
  completed_.push_back(urb);
}

bool EmulatedUsbReader::HandleIoctl(UMockdevIoctlClient* client) {
  const unsigned long request = umockdev_ioctl_client_get_request(client);
  UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
  std::lock_guard lock(mutex_);
  switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
      UMockdevIoctlData* caps = umockdev_ioctl_data_resolve(arg, 0, sizeof(std::uint32_t), nullptr);
      *reinterpret_cast<std::uint32_t*>(caps->data) =
          USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
          USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_ZERO_PACKET;
      g_object_unref(caps);
      umockdev_ioctl_client_complete(client, 0, 0);
      return true;
    }
    case USBDEVFS_CLEAR_HALT:
      if (unplugged_) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
      } else {
        ++halts_cleared_;
        stall_next_response_ = false;
        umockdev_ioctl_client_complete(client, 0, 0);
      }
      return true;
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_SETINTERFACE:
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_RESET:
    case USBDEVFS_RESETEP:
      if (unplugged_) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
      } else {
        umockdev_ioctl_client_complete(client, 0, 0);
      }
      return true;
    case USBDEVFS_GETDRIVER:
      umockdev_ioctl_client_complete(client, -1, unplugged_ ? ENODEV : ENODATA);
      return true;
    case USBDEVFS_SUBMITURB:
      SubmitUrb(client, arg);
      return true;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
      ReapUrb(client, arg);
      return true;
    case USBDEVFS_DISCARDURB:
      DiscardUrb(client, arg);
      return true;
    default:
      return false;
  }
}

void EmulatedUsbReader::SubmitUrb(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
  ++urbs_submitted_;
  if (unplugged_) {
    umockdev_ioctl_client_complete(client, -1, ENODEV);
    return;
  }
  PendingUrb pending;
  pending.urb = umockdev_ioctl_data_resolve(arg, 0, sizeof(usbdevfs_urb), nullptr);
  auto* urb = reinterpret_cast<usbdevfs_urb*>(pending.urb->data);
  pending.buffer = umockdev_ioctl_data_resolve(pending.urb, offsetof(usbdevfs_urb, buffer),
                                               static_cast<gsize>(urb->buffer_length), nullptr);
  std::uint8_t* data = pending.buffer->data;
  const int length = urb->buffer_length;

  if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
    // Only GET_DESCRIPTOR(STRING) is needed: libusb reads the other descriptors from sysfs.
    const std::uint8_t request_type = data[0];
    const std::uint8_t request = data[1];
    const int value = data[2] | data[3] << 8;
    const int max = std::min(data[6] | data[7] << 8, length - 8);
    std::vector<std::uint8_t> reply;
    if (request_type == 0x80 && request == 6 && (value >> 8) == 3) {
      switch (value & 0xff) {
        case 0:
          reply = {4, 3, 0x09, 0x04};
          break;
        case 1:
          reply = StringDescriptor("Esep");
          break;
        case 2:
          reply = StringDescriptor("Esep ballot reader (emulated)");
          break;
        case 3:
          reply = StringDescriptor(serial_);
          break;
        default:
          break;
      }
    }
    if (reply.empty()) {
      Complete(pending, -EPIPE, 0);  // a stall, as a device refuses a control request
    } else {
      const int n = std::min<int>(max, static_cast<int>(reply.size()));
      std::memcpy(data + 8, reply.data(), static_cast<std::size_t>(n));
      Complete(pending, 0, n);
    }
    umockdev_ioctl_client_complete(client, 0, 0);
    return;
  }
  if ((urb->endpoint & 0x80) == 0) {
    device_->ReceiveCommandBytes(
        std::span<const std::uint8_t>(data, static_cast<std::size_t>(length)));
    Complete(pending, 0, length);
  } else if (urb->type == USBDEVFS_URB_TYPE_INTERRUPT) {
    interrupt_in_.push_back(pending);
  } else if (stall_next_response_) {
    Complete(pending, -EPIPE, 0);
  } else {
    bulk_in_.push_back(pending);
  }
  umockdev_ioctl_client_complete(client, 0, 0);
}

void EmulatedUsbReader::Pump() {
  if (unplugged_) return;
  while (!bulk_in_.empty() && device_->pending_response_bytes() > 0) {
    if (unplug_after_bytes_ && response_bytes_sent_ >= *unplug_after_bytes_) {
      unplug_after_bytes_.reset();
      UnplugLocked();
      return;
    }
    PendingUrb urb = bulk_in_.front();
    bulk_in_.pop_front();
    const auto n = device_->ReadResponse(
        std::span<std::uint8_t>(urb.buffer->data, static_cast<std::size_t>(urb.buffer->data_len)));
    response_bytes_sent_ += n;
    Complete(urb, 0, static_cast<int>(n));
  }
  while (!interrupt_in_.empty()) {
    std::optional<std::vector<std::uint8_t>> event = device_->TakeEventFrame();
    if (!event) break;
    PendingUrb urb = interrupt_in_.front();
    interrupt_in_.pop_front();
    const std::size_t n = std::min<std::size_t>(event->size(), urb.buffer->data_len);
    std::memcpy(urb.buffer->data, event->data(), n);
    Complete(urb, n < event->size() ? -EOVERFLOW : 0, static_cast<int>(n));
  }
}

void EmulatedUsbReader::ReapUrb(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
  Pump();
  if (completed_.empty()) {
    umockdev_ioctl_client_complete(client, -1, unplugged_ ? ENODEV : EAGAIN);
    return;
  }
  PendingUrb urb = completed_.front();
  completed_.pop_front();
  UMockdevIoctlData* pointer = umockdev_ioctl_data_resolve(arg, 0, sizeof(void*), nullptr);
  umockdev_ioctl_data_set_ptr(pointer, 0, urb.urb);
  g_object_unref(pointer);
  umockdev_ioctl_client_complete(client, 0, 0);
  Release(urb);
}

void EmulatedUsbReader::DiscardUrb(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
  const auto address = reinterpret_cast<gulong>(*reinterpret_cast<void**>(arg->data));
  for (auto* list : {&bulk_in_, &interrupt_in_}) {
    for (auto it = list->begin(); it != list->end(); ++it) {
      if (it->urb->client_addr == address) {
        PendingUrb urb = *it;
        list->erase(it);
        Complete(urb, -ENOENT, 0);
        umockdev_ioctl_client_complete(client, 0, 0);
        return;
      }
    }
  }
  umockdev_ioctl_client_complete(client, -1, EINVAL);
}

}  // namespace esep::scanner::testing
