// UsbReader on libusb's real Linux (usbfs) backend against a reader emulated with umockdev: the
// URBs libusb submits are answered by the reader's protocol engine (emulated_usb_reader.h).
// Runs under umockdev's preload library (ctest starts it with umockdev-wrapper).
#include "esep/scanner/usb_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "emulated_usb_reader.h"

namespace esep::scanner {
namespace {

using std::chrono::milliseconds;
using testing::EmulatedUsbReader;

constexpr char kSerial[] = "EMU-0001";

SheetImage Ballot(std::uint32_t width, std::uint32_t height, std::uint32_t seed) {
  SheetImage sheet;
  sheet.width = width;
  sheet.height = height;
  sheet.dpi = 200;
  sheet.pixels.resize(std::size_t{width} * height);
  std::uint32_t x = seed;
  for (std::uint8_t& p : sheet.pixels) {
    x = x * 1664525u + 1013904223u;
    p = static_cast<std::uint8_t>(x >> 24);
  }
  return sheet;
}

std::shared_ptr<ReaderDevice> NewDevice() {
  DeviceConfig config;
  config.model = "Esep R-1";
  config.serial = kSerial;
  return std::make_shared<ReaderDevice>(config);
}

class UsbReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(EmulatedUsbReader::InMockEnvironment())
        << "run this test under umockdev-wrapper (ctest does)";
    emulator_ = std::make_unique<EmulatedUsbReader>(NewDevice(), kSerial);
    options_.serial = kSerial;
    options_.timeouts.command = milliseconds(300);
    options_.timeouts.motion = milliseconds(600);
    absl::StatusOr<std::unique_ptr<UsbReader>> reader = UsbReader::Open(options_);
    ASSERT_TRUE(reader.ok()) << reader.status();
    reader_ = *std::move(reader);
  }

  void TearDown() override {
    reader_.reset();
    emulator_.reset();
  }

  ReaderDevice& device() { return emulator_->device(); }

  std::unique_ptr<EmulatedUsbReader> emulator_;
  UsbReaderOptions options_;
  std::unique_ptr<UsbReader> reader_;
};

TEST_F(UsbReaderTest, ListsTheReaderWithItsSerial) {
  absl::StatusOr<std::vector<UsbReaderInfo>> readers =
      ListUsbReaders(kDefaultReaderVendorId, kDefaultReaderProductId);
  ASSERT_TRUE(readers.ok()) << readers.status();
  ASSERT_EQ(readers->size(), 1u);
  EXPECT_EQ((*readers)[0].serial, kSerial);
  EXPECT_EQ((*readers)[0].product, "Esep ballot reader (emulated)");
  EXPECT_EQ((*readers)[0].bus, 1);
}

TEST_F(UsbReaderTest, RefusesAReaderWithAnotherSerial) {
  UsbReaderOptions options = options_;
  options.serial = "OTHER";
  absl::StatusOr<std::unique_ptr<UsbReader>> other = UsbReader::Open(options);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound) << other.status();
  EXPECT_NE(std::string(other.status().message()).find(kSerial), std::string::npos);
}

TEST_F(UsbReaderTest, Identifies) {
  absl::StatusOr<reader::Identity> identity = reader_->Identify();
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->model(), "Esep R-1");
  EXPECT_EQ(identity->serial(), kSerial);
  EXPECT_EQ(identity->sensor_width_px(), 2592u);
  EXPECT_EQ(device().commands_received(), 1u);
  // The command and its answer went through usbfs URBs, not around them.
  EXPECT_GE(emulator_->urbs_submitted(), 2);
}

TEST_F(UsbReaderTest, ScansABallotEndToEndAndCastsIt) {
  const SheetImage sheet = Ballot(1700, 1100, 7);  // 1.8 MB: many chunks, many transfers
  device().InsertSheet(sheet);
  ASSERT_TRUE(reader_->Configure({.dpi = 200, .max_sheet_length_mm = 600}).ok());
  absl::StatusOr<ScannedImage> image = reader_->AcceptAndScan();
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->width, 1700u);
  EXPECT_EQ(image->height, 1100u);
  EXPECT_EQ(image->dpi, 200u);
  EXPECT_TRUE(image->pixels == sheet.pixels);
  EXPECT_EQ(image->sha256, Sha256(std::span<const std::uint8_t>(sheet.pixels)));
  EXPECT_EQ(device().state(), reader::HOLDING);
  ASSERT_TRUE(reader_->Cast().ok());
  EXPECT_EQ(device().sheets_cast(), 1u);
  EXPECT_EQ(reader_->GetStatus()->state(), reader::IDLE);

  // The events came over the interrupt endpoint, in order.
  std::vector<reader::EventKind> events;
  while (true) {
    absl::StatusOr<std::optional<reader::Event>> event = reader_->PollEvent(milliseconds(50));
    ASSERT_TRUE(event.ok()) << event.status();
    if (!event->has_value()) break;
    events.push_back((*event)->kind());
  }
  EXPECT_EQ(events, (std::vector<reader::EventKind>{reader::SHEET_INSERTED, reader::SCAN_STARTED,
                                                    reader::SCAN_FINISHED}));
}

TEST_F(UsbReaderTest, ReturnsTheBallotToTheVoter) {
  device().InsertSheet(Ballot(300, 400, 1));
  ASSERT_TRUE(reader_->AcceptAndScan().ok());
  ASSERT_TRUE(reader_->ReturnToVoter().ok());
  absl::StatusOr<reader::DeviceStatus> status = reader_->GetStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->state(), reader::RETURNED);
  EXPECT_TRUE(status->paper_at_entry());
  EXPECT_EQ(reader_->Cast().code(), absl::StatusCode::kFailedPrecondition);
  device().VoterTakesSheet();
  EXPECT_EQ(reader_->GetStatus()->state(), reader::IDLE);
  EXPECT_EQ(device().sheets_cast(), 0u);
}

TEST_F(UsbReaderTest, JamDuringTheImageTransferEndsJammed) {
  const SheetImage sheet = Ballot(1000, 800, 3);
  device().InsertSheet(sheet);
  device().JamAfterImageBytes(sheet.pixels.size() / 2);
  absl::StatusOr<ScannedImage> image = reader_->AcceptAndScan();
  EXPECT_EQ(image.status().code(), absl::StatusCode::kAborted) << image.status();
  EXPECT_NE(std::string(image.status().message()).find("paper jam"), std::string::npos);
  absl::StatusOr<reader::DeviceStatus> status = reader_->GetStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->state(), reader::JAMMED);
  ASSERT_TRUE(reader_->Reset().ok());
  EXPECT_EQ(reader_->GetStatus()->state(), reader::IDLE);
}

TEST_F(UsbReaderTest, UnplugDuringAScanThenReplugReconnects) {
  const SheetImage sheet = Ballot(1200, 1000, 9);
  device().InsertSheet(sheet);
  emulator_->UnplugAfterResponseBytes(300 * 1024);
  absl::StatusOr<ScannedImage> image = reader_->AcceptAndScan();
  EXPECT_EQ(image.status().code(), absl::StatusCode::kUnavailable) << image.status();
  EXPECT_NE(std::string(image.status().message()).find("disconnected"), std::string::npos);
  EXPECT_FALSE(reader_->connected());
  emulator_->Unplug();  // the kernel's "remove" uevent follows the failed URBs
  // Still gone: a call fails cleanly, it does not hang or crash.
  absl::StatusOr<reader::DeviceStatus> gone = reader_->GetStatus();
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kUnavailable) << gone.status();
  EXPECT_NE(std::string(gone.status().message()).find("no reader"), std::string::npos)
      << gone.status();

  std::shared_ptr<ReaderDevice> fresh = NewDevice();
  fresh->InsertSheet(sheet);
  emulator_->Replug(fresh);
  // The next call reopens the reader.
  absl::StatusOr<reader::DeviceStatus> status = reader_->GetStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(reader_->connected());
  EXPECT_EQ(status->state(), reader::SHEET_AT_ENTRY);
  absl::StatusOr<ScannedImage> again = reader_->AcceptAndScan();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->pixels == sheet.pixels);
}

TEST_F(UsbReaderTest, ExplicitReconnectAfterReplug) {
  emulator_->Unplug();
  EXPECT_EQ(reader_->Identify().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(reader_->Reconnect().code(), absl::StatusCode::kNotFound);  // off the device list
  emulator_->Replug(NewDevice());
  ASSERT_TRUE(reader_->Reconnect().ok());
  EXPECT_TRUE(reader_->Identify().ok());
}

struct FaultCase {
  const char* name;
  LinkFault fault;
  FrameError error;
};

void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.name; }

class UsbReaderFaultTest : public UsbReaderTest, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(UsbReaderFaultTest, FailsWithThePreciseErrorAndRecovers) {
  device().InjectLinkFault(GetParam().fault);
  absl::StatusOr<reader::Identity> identity = reader_->Identify();
  EXPECT_EQ(identity.status().code(), absl::StatusCode::kDataLoss) << identity.status();
  EXPECT_EQ(GetFrameError(identity.status()), GetParam().error) << identity.status();
  // The reader stays usable: the link resynchronises before the next command.
  absl::StatusOr<reader::Identity> again = reader_->Identify();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->serial(), kSerial);
}

INSTANTIATE_TEST_SUITE_P(
    LinkFaults, UsbReaderFaultTest,
    ::testing::Values(
        FaultCase{"BadCrc", LinkFault::kBadCrc, FrameError::kBadCrc},
        FaultCase{"OversizeLength", LinkFault::kOversizeLength, FrameError::kOversizeLength},
        FaultCase{"TruncatedFrame", LinkFault::kTruncated, FrameError::kTruncatedFrame},
        FaultCase{"UnknownType", LinkFault::kUnknownType, FrameError::kUnknownType},
        FaultCase{"WrongSequence", LinkFault::kWrongSequence, FrameError::kSequenceMismatch}),
    [](const ::testing::TestParamInfo<FaultCase>& p) { return p.param.name; });

TEST_F(UsbReaderTest, ASilentReaderTimesOutAndIsUsableAfterwards) {
  device().SetAnswering(false);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<reader::DeviceStatus> status = reader_->GetStatus();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status.status().code(), absl::StatusCode::kDeadlineExceeded) << status.status();
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(3000));
  device().SetAnswering(true);
  absl::StatusOr<reader::DeviceStatus> again = reader_->GetStatus();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->state(), reader::IDLE);
}

TEST_F(UsbReaderTest, ClearsAStalledEndpoint) {
  const int before = emulator_->halts_cleared();
  emulator_->StallNextResponse();
  absl::StatusOr<reader::Identity> identity = reader_->Identify();
  EXPECT_EQ(identity.status().code(), absl::StatusCode::kAborted) << identity.status();
  EXPECT_NE(std::string(identity.status().message()).find("stalled"), std::string::npos);
  EXPECT_GT(emulator_->halts_cleared(), before);
  absl::StatusOr<reader::Identity> again = reader_->Identify();
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST_F(UsbReaderTest, AnImageThatDoesNotMatchItsHashIsRefused) {
  device().InsertSheet(Ballot(800, 600, 5));
  device().InjectImageFault(ImageFault::kCorruptPixel);
  absl::StatusOr<ScannedImage> image = reader_->AcceptAndScan();
  EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss) << image.status();
  EXPECT_EQ(GetFrameError(image.status()), FrameError::kImageHashMismatch) << image.status();
  ASSERT_TRUE(reader_->ReturnToVoter().ok());
  EXPECT_EQ(device().state(), reader::RETURNED);
}

TEST_F(UsbReaderTest, PollReturnsNothingWhenNoEventArrives) {
  absl::StatusOr<std::optional<reader::Event>> event = reader_->PollEvent(milliseconds(30));
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_FALSE(event->has_value());
  device().OpenCover();
  event = reader_->PollEvent(milliseconds(200));
  ASSERT_TRUE(event.ok()) << event.status();
  ASSERT_TRUE(event->has_value());
  EXPECT_EQ((*event)->kind(), reader::COVER_OPENED);
  EXPECT_EQ(reader_->AcceptAndScan().status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace esep::scanner
