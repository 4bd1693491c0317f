#include "esep/scanner/usb_reader.h"

#include <libusb.h>

#include <charconv>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"

namespace esep::scanner {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string UsbError(int code) { return libusb_error_name(code); }

std::string VidPid(std::uint16_t vid, std::uint16_t pid) {
  return absl::StrCat(absl::Hex(vid, absl::kZeroPad4), ":", absl::Hex(pid, absl::kZeroPad4));
}

absl::Status Disconnected(const std::string& what) {
  return absl::UnavailableError(
      absl::StrCat("the reader is disconnected (", what,
                   "); check its USB cable and power; Esep reopens it when it is back"));
}

// The endpoints of the reader's vendor-specific interface.
struct ReaderInterface {
  int number = -1;
  std::uint8_t bulk_out = 0;
  std::uint8_t bulk_in = 0;
  std::uint8_t interrupt_in = 0;
};

std::optional<ReaderInterface> FindReaderInterface(libusb_device* device) {
  libusb_config_descriptor* config = nullptr;
  if (libusb_get_active_config_descriptor(device, &config) != 0 &&
      libusb_get_config_descriptor(device, 0, &config) != 0) {
    return std::nullopt;
  }
  std::optional<ReaderInterface> found;
  for (int i = 0; i < config->bNumInterfaces && !found; ++i) {
    const libusb_interface& interface = config->interface[i];
    if (interface.num_altsetting < 1) continue;
    const libusb_interface_descriptor& alt = interface.altsetting[0];
    if (alt.bInterfaceClass != LIBUSB_CLASS_VENDOR_SPEC) continue;
    ReaderInterface candidate;
    candidate.number = alt.bInterfaceNumber;
    for (int e = 0; e < alt.bNumEndpoints; ++e) {
      const libusb_endpoint_descriptor& ep = alt.endpoint[e];
      const int type = ep.bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
      const bool in = (ep.bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) == LIBUSB_ENDPOINT_IN;
      if (type == LIBUSB_TRANSFER_TYPE_BULK && !in && candidate.bulk_out == 0) {
        candidate.bulk_out = ep.bEndpointAddress;
      } else if (type == LIBUSB_TRANSFER_TYPE_BULK && in && candidate.bulk_in == 0) {
        candidate.bulk_in = ep.bEndpointAddress;
      } else if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && in && candidate.interrupt_in == 0) {
        candidate.interrupt_in = ep.bEndpointAddress;
      }
    }
    if (candidate.bulk_out && candidate.bulk_in && candidate.interrupt_in) found = candidate;
  }
  libusb_free_config_descriptor(config);
  return found;
}

std::string ReadString(libusb_device_handle* handle, std::uint8_t index) {
  if (index == 0) return "";
  unsigned char text[256] = {};
  const int n = libusb_get_string_descriptor_ascii(handle, index, text, sizeof(text));
  if (n < 0) return "";
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n));
}

// Bulk IN buffers hold a whole frame and are a multiple of every bulk packet size (512 bytes at
// high speed, 1024 at SuperSpeed), so a packet never straddles the end of a buffer (overflow).
constexpr std::size_t kBulkInBufferBytes = (kMaxFrameBytes + 1023) / 1024 * 1024;

void LIBUSB_CALL OnTransferDone(libusb_transfer* transfer) {
  *static_cast<int*>(transfer->user_data) = 1;
}

// One opened and claimed reader. Every transfer is asynchronous with its own timeout; the
// calling thread runs libusb's event loop until the transfer completes.
class UsbLink : public ReaderLink {
 public:
  UsbLink(libusb_context* context, libusb_device_handle* handle, ReaderInterface interface)
      : context_(context), handle_(handle), interface_(interface) {}

  ~UsbLink() override {
    libusb_release_interface(handle_, interface_.number);
    libusb_close(handle_);
  }

  absl::Status SendCommand(std::span<const std::uint8_t> frame, milliseconds timeout) override {
    std::vector<std::uint8_t> buffer(frame.begin(), frame.end());
    absl::StatusOr<int> sent =
        Transfer(interface_.bulk_out, LIBUSB_TRANSFER_TYPE_BULK, buffer, timeout, "command");
    if (!sent.ok()) return sent.status();
    if (static_cast<std::size_t>(*sent) != frame.size()) {
      return absl::DataLossError(
          absl::StrCat("the reader took ", *sent, " of the ", frame.size(), " bytes of a command"));
    }
    return absl::OkStatus();
  }

  absl::Status ReceiveResponse(std::vector<std::uint8_t>& out, milliseconds timeout) override {
    std::vector<std::uint8_t> buffer(kBulkInBufferBytes);
    const Clock::time_point deadline = Clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left <= milliseconds(0)) {
        return absl::DeadlineExceededError(
            absl::StrCat("no answer within ", timeout.count(), " ms"));
      }
      absl::StatusOr<int> n =
          Transfer(interface_.bulk_in, LIBUSB_TRANSFER_TYPE_BULK, buffer, left, "response");
      if (!n.ok()) return n.status();
      if (*n > 0) {
        out.insert(out.end(), buffer.begin(), buffer.begin() + *n);
        return absl::OkStatus();
      }
    }
  }

  absl::Status ReceiveEvent(std::vector<std::uint8_t>& out, milliseconds timeout) override {
    std::vector<std::uint8_t> buffer(1024);
    absl::StatusOr<int> n = Transfer(interface_.interrupt_in, LIBUSB_TRANSFER_TYPE_INTERRUPT,
                                     buffer, std::max(timeout, milliseconds(1)), "event");
    if (absl::IsDeadlineExceeded(n.status())) return absl::OkStatus();
    if (!n.ok()) return n.status();
    out.insert(out.end(), buffer.begin(), buffer.begin() + *n);
    return absl::OkStatus();
  }

  absl::Status Resynchronize() override {
    for (std::uint8_t ep : {interface_.bulk_out, interface_.bulk_in}) {
      const int r = libusb_clear_halt(handle_, ep);
      if (r == LIBUSB_ERROR_NO_DEVICE) return Disconnected("clearing a halt");
    }
    // Drop what the reader still sends for an abandoned command.
    std::vector<std::uint8_t> buffer(kBulkInBufferBytes);
    const Clock::time_point give_up = Clock::now() + milliseconds(2000);
    while (Clock::now() < give_up) {
      absl::StatusOr<int> n = Transfer(interface_.bulk_in, LIBUSB_TRANSFER_TYPE_BULK, buffer,
                                       milliseconds(20), "drain");
      if (absl::IsDeadlineExceeded(n.status())) return absl::OkStatus();
      if (absl::IsUnavailable(n.status())) return n.status();
      if (n.ok() && *n == 0) return absl::OkStatus();
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<int> Transfer(std::uint8_t endpoint, std::uint8_t type,
                               std::vector<std::uint8_t>& buffer, milliseconds timeout,
                               const char* what) {
    libusb_transfer* transfer = libusb_alloc_transfer(0);
    if (transfer == nullptr) return absl::ResourceExhaustedError("cannot allocate a transfer");
    int completed = 0;
    libusb_fill_bulk_transfer(transfer, handle_, endpoint, buffer.data(),
                              static_cast<int>(buffer.size()), OnTransferDone, &completed,
                              static_cast<unsigned int>(std::max<long long>(timeout.count(), 1)));
    transfer->type = type;
    const int submitted = libusb_submit_transfer(transfer);
    if (submitted != 0) {
      libusb_free_transfer(transfer);
      if (submitted == LIBUSB_ERROR_NO_DEVICE) return Disconnected(what);
      return absl::UnavailableError(
          absl::StrCat("cannot start a USB ", what, " transfer: ", UsbError(submitted)));
    }
    // libusb enforces the timeout; the guard below only covers a stuck event loop.
    const Clock::time_point guard = Clock::now() + timeout + milliseconds(1000);
    bool cancelled = false;
    while (!completed) {
      timeval tv{0, 50000};
      const int r = libusb_handle_events_timeout_completed(context_, &tv, &completed);
      if ((r < 0 && r != LIBUSB_ERROR_INTERRUPTED) || Clock::now() > guard) {
        if (!cancelled) {
          libusb_cancel_transfer(transfer);
          cancelled = true;
        }
      }
    }
    const libusb_transfer_status status = transfer->status;
    const int actual = transfer->actual_length;
    libusb_free_transfer(transfer);
    switch (status) {
      case LIBUSB_TRANSFER_COMPLETED:
        return actual;
      case LIBUSB_TRANSFER_TIMED_OUT:
      case LIBUSB_TRANSFER_CANCELLED:
        if (actual > 0) return actual;
        return absl::DeadlineExceededError(
            absl::StrCat("USB ", what, " transfer timed out after ", timeout.count(), " ms"));
      case LIBUSB_TRANSFER_STALL: {
        const int r = libusb_clear_halt(handle_, endpoint);
        if (r == LIBUSB_ERROR_NO_DEVICE) return Disconnected(what);
        return absl::AbortedError(
            absl::StrCat("the reader stalled endpoint 0x", absl::Hex(endpoint, absl::kZeroPad2),
                         " during a ", what, " transfer; the halt was cleared (",
                         r == 0 ? "ok" : UsbError(r), "), retry the command"));
      }
      case LIBUSB_TRANSFER_NO_DEVICE:
        return Disconnected(what);
      case LIBUSB_TRANSFER_OVERFLOW:
        return absl::DataLossError(absl::StrCat("the reader sent more than ", buffer.size(),
                                                " bytes in one ", what, " transfer"));
      case LIBUSB_TRANSFER_ERROR:
      default:
        return absl::UnavailableError(absl::StrCat("USB ", what, " transfer failed (status ",
                                                   static_cast<int>(status), "); check the cable"));
    }
  }

  libusb_context* context_;
  libusb_device_handle* handle_;
  ReaderInterface interface_;
};

struct DeviceListDeleter {
  void operator()(libusb_device** list) const { libusb_free_device_list(list, 1); }
};

absl::StatusOr<std::unique_ptr<ReaderLink>> OpenLink(libusb_context* context,
                                                     const UsbReaderOptions& options) {
  libusb_device** raw = nullptr;
  const ssize_t count = libusb_get_device_list(context, &raw);
  if (count < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot list USB devices: ", UsbError(static_cast<int>(count))));
  }
  std::unique_ptr<libusb_device*, DeviceListDeleter> list(raw);
  std::string seen;
  std::string last_problem;
  for (ssize_t i = 0; i < count; ++i) {
    libusb_device* device = list.get()[i];
    libusb_device_descriptor desc;
    if (libusb_get_device_descriptor(device, &desc) != 0) continue;
    if (desc.idVendor != options.vendor_id || desc.idProduct != options.product_id) continue;
    libusb_device_handle* handle = nullptr;
    const int opened = libusb_open(device, &handle);
    if (opened != 0) {
      last_problem = absl::StrCat(
          "cannot open the reader at bus ", libusb_get_bus_number(device), " address ",
          libusb_get_device_address(device), ": ", UsbError(opened),
          opened == LIBUSB_ERROR_ACCESS ? " (install the udev rule or run as the esep user)" : "");
      continue;
    }
    const std::string serial = ReadString(handle, desc.iSerialNumber);
    absl::StrAppend(&seen, seen.empty() ? "" : ", ", serial.empty() ? "(no serial)" : serial);
    if (!options.serial.empty() && serial != options.serial) {
      libusb_close(handle);
      continue;
    }
    std::optional<ReaderInterface> interface = FindReaderInterface(device);
    if (!interface) {
      libusb_close(handle);
      last_problem =
          "the device has no vendor-specific interface with bulk OUT, bulk IN and "
          "interrupt IN endpoints; it is not an Esep reader";
      continue;
    }
    const int claimed = libusb_claim_interface(handle, interface->number);
    if (claimed != 0) {
      libusb_close(handle);
      if (claimed == LIBUSB_ERROR_NO_DEVICE) return Disconnected("claiming its interface");
      last_problem = absl::StrCat(
          "cannot claim interface ", interface->number, ": ", UsbError(claimed),
          claimed == LIBUSB_ERROR_BUSY ? " (another program uses the reader; stop it)" : "");
      continue;
    }
    return std::unique_ptr<ReaderLink>(std::make_unique<UsbLink>(context, handle, *interface));
  }
  if (!last_problem.empty()) return absl::UnavailableError(last_problem);
  return absl::NotFoundError(
      absl::StrCat("no reader ", VidPid(options.vendor_id, options.product_id),
                   options.serial.empty() ? "" : absl::StrCat(" with serial ", options.serial),
                   " on USB", seen.empty() ? "" : absl::StrCat(" (found serials: ", seen, ")"),
                   "; check the cable and that the reader is powered"));
}

}  // namespace

absl::Status ParseVidPid(const std::string& text, std::uint16_t& vendor_id,
                         std::uint16_t& product_id) {
  const std::size_t colon = text.find(':');
  auto parse = [](std::string_view part, std::uint16_t& out) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value, 16);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value > 0xffff) {
      return false;
    }
    out = static_cast<std::uint16_t>(value);
    return true;
  };
  if (colon == std::string::npos || !parse(std::string_view(text).substr(0, colon), vendor_id) ||
      !parse(std::string_view(text).substr(colon + 1), product_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a USB id VID:PID in hexadecimal, e.g. 1209:e5e9"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<UsbReaderInfo>> ListUsbReaders(std::uint16_t vendor_id,
                                                          std::uint16_t product_id) {
  libusb_context* context = nullptr;
  if (const int r = libusb_init(&context); r != 0) {
    return absl::UnavailableError(absl::StrCat("cannot initialise libusb: ", UsbError(r)));
  }
  std::vector<UsbReaderInfo> readers;
  libusb_device** raw = nullptr;
  const ssize_t count = libusb_get_device_list(context, &raw);
  for (ssize_t i = 0; i < count; ++i) {
    libusb_device* device = raw[i];
    libusb_device_descriptor desc;
    if (libusb_get_device_descriptor(device, &desc) != 0) continue;
    const bool any = vendor_id == 0 && product_id == 0;
    if (any ? !FindReaderInterface(device)
            : desc.idVendor != vendor_id || desc.idProduct != product_id) {
      continue;
    }
    UsbReaderInfo info;
    info.vendor_id = desc.idVendor;
    info.product_id = desc.idProduct;
    info.bus = libusb_get_bus_number(device);
    info.address = libusb_get_device_address(device);
    libusb_device_handle* handle = nullptr;
    if (const int r = libusb_open(device, &handle); r == 0) {
      info.manufacturer = ReadString(handle, desc.iManufacturer);
      info.product = ReadString(handle, desc.iProduct);
      info.serial = ReadString(handle, desc.iSerialNumber);
      libusb_close(handle);
    } else {
      info.problem = absl::StrCat("cannot open: ", UsbError(r));
    }
    readers.push_back(std::move(info));
  }
  if (count >= 0) libusb_free_device_list(raw, 1);
  libusb_exit(context);
  if (count < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot list USB devices: ", UsbError(static_cast<int>(count))));
  }
  return readers;
}

UsbReader::UsbReader(libusb_context* context, const UsbReaderOptions& options)
    : ProtocolReader(nullptr, options.timeouts), context_(context), options_(options) {}

UsbReader::~UsbReader() {
  ReplaceLink(nullptr);
  libusb_exit(context_);
}

absl::StatusOr<std::unique_ptr<UsbReader>> UsbReader::Open(const UsbReaderOptions& options) {
  libusb_context* context = nullptr;
  if (const int r = libusb_init(&context); r != 0) {
    // No USB subsystem at all (a container without /dev/bus/usb): no reader is attached.
    return absl::NotFoundError(
        absl::StrCat("no USB reader: cannot initialise libusb (", UsbError(r), ")"));
  }
  std::unique_ptr<UsbReader> reader(new UsbReader(context, options));
  if (absl::Status s = reader->Reconnect(); !s.ok()) return s;
  return reader;
}

bool UsbReader::connected() const { return link() != nullptr; }

absl::Status UsbReader::Reconnect() {
  ReplaceLink(nullptr);
  absl::StatusOr<std::unique_ptr<ReaderLink>> link = OpenLink(context_, options_);
  if (!link.ok()) return link.status();
  ReplaceLink(*std::move(link));
  // Whatever the reader had queued before is stale.
  return this->link()->Resynchronize();
}

absl::Status UsbReader::EnsureConnected() {
  if (link() != nullptr) return absl::OkStatus();
  absl::Status status = Reconnect();
  if (!status.ok() && !absl::IsUnavailable(status)) {
    return Disconnected(std::string(status.message()));
  }
  return status;
}

void UsbReader::NoteResult(const absl::Status& status) {
  if (absl::IsUnavailable(status)) ReplaceLink(nullptr);
}

namespace {
const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}
}  // namespace

template <typename Result, typename Call>
Result UsbReader::Run(Call call) {
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;
  Result result = call();
  NoteResult(StatusOf(result));
  return result;
}

absl::StatusOr<reader::Identity> UsbReader::Identify() {
  return Run<absl::StatusOr<reader::Identity>>([&] { return ProtocolReader::Identify(); });
}
absl::StatusOr<reader::DeviceStatus> UsbReader::GetStatus() {
  return Run<absl::StatusOr<reader::DeviceStatus>>([&] { return ProtocolReader::GetStatus(); });
}
absl::Status UsbReader::Configure(const ScanSettings& settings) {
  return Run<absl::Status>([&] { return ProtocolReader::Configure(settings); });
}
absl::StatusOr<ScannedImage> UsbReader::AcceptAndScan() {
  return Run<absl::StatusOr<ScannedImage>>([&] { return ProtocolReader::AcceptAndScan(); });
}
absl::Status UsbReader::ReturnToVoter() {
  return Run<absl::Status>([&] { return ProtocolReader::ReturnToVoter(); });
}
absl::Status UsbReader::Cast() {
  return Run<absl::Status>([&] { return ProtocolReader::Cast(); });
}
absl::Status UsbReader::Calibrate() {
  return Run<absl::Status>([&] { return ProtocolReader::Calibrate(); });
}
absl::Status UsbReader::Reset() {
  return Run<absl::Status>([&] { return ProtocolReader::Reset(); });
}
absl::StatusOr<std::optional<reader::Event>> UsbReader::PollEvent(
    std::chrono::milliseconds timeout) {
  return Run<absl::StatusOr<std::optional<reader::Event>>>(
      [&] { return ProtocolReader::PollEvent(timeout); });
}

}  // namespace esep::scanner
