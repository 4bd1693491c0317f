#include "esep/scanner/simulated_reader.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "esep/scanner/reader_factory.h"

namespace esep::scanner {
namespace {

namespace fs = std::filesystem;

// A deck of three small synthetic "ballots", written as PNG files the way a deck directory holds
// them, so the simulated reader's PNG path is exercised.
class SimulatedReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("esep-sim-deck-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    for (int i = 0; i < 3; ++i) {
      cv::Mat image(120 + 10 * i, 90, CV_8UC1);
      for (int y = 0; y < image.rows; ++y) {
        for (int x = 0; x < image.cols; ++x) {
          image.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>((x * 3 + y * 5 + i * 40) & 0xff);
        }
      }
      const std::string path = (dir_ / ("ballot-" + std::to_string(i) + ".png")).string();
      ASSERT_TRUE(cv::imwrite(path, image));
      paths_.push_back(path);
    }
    fs::path other = dir_ / "manifest.json";
    FILE* f = std::fopen(other.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SimulatedReader> Open(std::map<std::size_t, SheetScript> script = {}) {
    SimulatedReaderOptions options;
    options.script = std::move(script);
    absl::StatusOr<std::unique_ptr<SimulatedReader>> reader =
        SimulatedReader::Open(dir_.string(), options);
    EXPECT_TRUE(reader.ok()) << reader.status();
    return reader.ok() ? *std::move(reader) : nullptr;
  }

  std::vector<std::uint8_t> PixelsOf(int index) {
    absl::StatusOr<SheetImage> sheet = LoadSheetImage(paths_[index], 200);
    EXPECT_TRUE(sheet.ok());
    return sheet->pixels;
  }

  std::vector<reader::EventKind> DrainEvents(Reader& reader) {
    std::vector<reader::EventKind> kinds;
    while (true) {
      absl::StatusOr<std::optional<reader::Event>> event =
          reader.PollEvent(std::chrono::milliseconds(0));
      EXPECT_TRUE(event.ok()) << event.status();
      if (!event.ok() || !event->has_value()) return kinds;
      kinds.push_back((*event)->kind());
    }
  }

  fs::path dir_;
  std::vector<std::string> paths_;
};

TEST_F(SimulatedReaderTest, IdentifiesAndReportsStatus) {
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->deck_size(), 3u);
  absl::StatusOr<reader::Identity> identity = reader->Identify();
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->serial(), "SIM-0001");
  EXPECT_EQ(identity->protocol_version(), 1u);
  absl::StatusOr<reader::DeviceStatus> status = reader->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->state(), reader::IDLE);
  EXPECT_FALSE(status->paper_in_path());
}

TEST_F(SimulatedReaderTest, ScansTheDeckInOrderWithIdenticalPixels) {
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<ScannedImage> image = reader->AcceptAndScan();
    ASSERT_TRUE(image.ok()) << image.status();
    EXPECT_EQ(image->width, 90u);
    EXPECT_EQ(image->height, 120u + 10 * i);
    EXPECT_EQ(image->pixels, PixelsOf(i));
    EXPECT_EQ(image->sha256, Sha256(std::span<const std::uint8_t>(PixelsOf(i))));
    EXPECT_EQ(image->sheet_number, static_cast<std::uint32_t>(i + 1));
    ASSERT_TRUE(reader->Cast().ok());
  }
  EXPECT_EQ(reader->device().sheets_cast(), 3u);
  // The deck is used up: no sheet at the entry.
  absl::StatusOr<ScannedImage> none = reader->AcceptAndScan();
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition) << none.status();
}

TEST_F(SimulatedReaderTest, ReportsEventsOfAScanAndAReturn) {
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(reader->AcceptAndScan().ok());
  ASSERT_TRUE(reader->ReturnToVoter().ok());
  EXPECT_EQ(reader->GetStatus()->state(), reader::RETURNED);
  EXPECT_TRUE(reader->GetStatus()->paper_at_entry());
  // Casting a returned sheet is refused: it is in the voter's hand.
  EXPECT_EQ(reader->Cast().code(), absl::StatusCode::kFailedPrecondition);
  std::vector<reader::EventKind> events = DrainEvents(*reader);
  // Polling lets the simulated voter take the sheet back and feed the next one.
  EXPECT_EQ(events, (std::vector<reader::EventKind>{reader::SHEET_INSERTED, reader::SCAN_STARTED,
                                                    reader::SCAN_FINISHED, reader::SHEET_REMOVED,
                                                    reader::SHEET_INSERTED}));
  EXPECT_EQ(reader->device().sheets_cast(), 0u);
}

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

// esepd sleeps in poll() on the reader's event descriptor: it must be readable exactly while an
// event waits, so that a sheet at the entry wakes the loop and a drained reader lets it sleep.
TEST_F(SimulatedReaderTest, TheEventDescriptorIsReadableExactlyWhileAnEventWaits) {
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  const int fd = reader->EventFd();
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(Readable(fd));
  ASSERT_TRUE(reader->AcceptAndScan().ok());  // the voter feeds a sheet; it is scanned
  EXPECT_TRUE(Readable(fd));
  ASSERT_TRUE(reader->Cast().ok());
  // Polling lets the simulated voter feed the next sheet: its insertion is the last event.
  EXPECT_EQ(DrainEvents(*reader),
            (std::vector<reader::EventKind>{reader::SHEET_INSERTED, reader::SCAN_STARTED,
                                            reader::SCAN_FINISHED, reader::SHEET_INSERTED}));
  EXPECT_FALSE(Readable(fd));
  reader->device().OpenCover();
  EXPECT_TRUE(Readable(fd));
  EXPECT_EQ(DrainEvents(*reader), std::vector<reader::EventKind>{reader::COVER_OPENED});
  EXPECT_FALSE(Readable(fd));
}

TEST_F(SimulatedReaderTest, PaperStaysWhereItWasAcrossARestart) {
  SimulatedReaderOptions options;
  options.state_file = dir_ / "paper";
  options.voter_feeds_again = [](std::size_t index) { return index == 1; };
  {
    absl::StatusOr<std::unique_ptr<SimulatedReader>> reader =
        SimulatedReader::Open(dir_.string(), options);
    ASSERT_TRUE(reader.ok()) << reader.status();
    ASSERT_TRUE((*reader)->AcceptAndScan().ok());
    ASSERT_TRUE((*reader)->Cast().ok());  // sheet 0 in the box
    ASSERT_TRUE((*reader)->AcceptAndScan().ok());
    ASSERT_TRUE((*reader)->ReturnToVoter().ok());  // sheet 1 at the front; its voter feeds it again
    ASSERT_TRUE((*reader)->AcceptAndScan().ok());  // sheet 1 again, held in the path
  }                                                // the controller dies here
  absl::StatusOr<SimulatedWorld> world = ReadSimulatedWorld(options.state_file);
  ASSERT_TRUE(world.ok()) << world.status();
  EXPECT_EQ(world->box, std::vector<std::size_t>{0});
  EXPECT_EQ(world->in_reader, std::optional<std::size_t>(1));
  EXPECT_EQ(world->state, reader::HOLDING);
  EXPECT_EQ(world->next_sheet, 2u);

  absl::StatusOr<std::unique_ptr<SimulatedReader>> reader =
      SimulatedReader::Open(dir_.string(), options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  absl::StatusOr<reader::DeviceStatus> status = (*reader)->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->paper_in_path());
  EXPECT_EQ(status->sheets_cast(), 1u);
  ASSERT_TRUE((*reader)->Cast().ok());
  absl::StatusOr<ScannedImage> next = (*reader)->AcceptAndScan();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->pixels, PixelsOf(2));
  EXPECT_EQ((*reader)->world().box, (std::vector<std::size_t>{0, 1}));
}

TEST_F(SimulatedReaderTest, RefusesAStateFileForAnotherDeck) {
  SimulatedReaderOptions options;
  options.state_file = dir_ / "paper";
  SimulatedWorld world;
  world.box = {7};
  ASSERT_TRUE(WriteSimulatedWorld(options.state_file, world).ok());
  absl::StatusOr<std::unique_ptr<SimulatedReader>> reader =
      SimulatedReader::Open(dir_.string(), options);
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kDataLoss) << reader.status();
}

TEST_F(SimulatedReaderTest, JamMidImageEndsJammedUntilReset) {
  auto reader = Open({{0, SheetScript::kJam}});
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<ScannedImage> image = reader->AcceptAndScan();
  EXPECT_EQ(image.status().code(), absl::StatusCode::kAborted) << image.status();
  EXPECT_NE(std::string(image.status().message()).find("jam"), std::string::npos);
  EXPECT_EQ(reader->GetStatus()->state(), reader::JAMMED);
  EXPECT_EQ(reader->Cast().code(), absl::StatusCode::kAborted);
  std::vector<reader::EventKind> events = DrainEvents(*reader);
  EXPECT_EQ(events, (std::vector<reader::EventKind>{reader::SHEET_INSERTED, reader::SCAN_STARTED,
                                                    reader::JAMMED_EVENT}));
  ASSERT_TRUE(reader->Reset().ok());
  EXPECT_EQ(reader->GetStatus()->state(), reader::IDLE);
  absl::StatusOr<ScannedImage> next = reader->AcceptAndScan();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->pixels, PixelsOf(1));
}

TEST_F(SimulatedReaderTest, DoubleFeedReturnsTheSheets) {
  auto reader = Open({{0, SheetScript::kDoubleFeed}});
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<ScannedImage> image = reader->AcceptAndScan();
  EXPECT_EQ(image.status().code(), absl::StatusCode::kAborted) << image.status();
  EXPECT_EQ(reader->GetStatus()->state(), reader::RETURNED);
  const std::vector<reader::EventKind> events = DrainEvents(*reader);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[2], reader::DOUBLE_FEED_EVENT);
}

TEST_F(SimulatedReaderTest, VoterTakingTheSheetBackLeavesNothingToScan) {
  auto reader = Open({{0, SheetScript::kVoterTakesBack}});
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<ScannedImage> image = reader->AcceptAndScan();
  EXPECT_EQ(image.status().code(), absl::StatusCode::kFailedPrecondition) << image.status();
  EXPECT_EQ(DrainEvents(*reader),
            (std::vector<reader::EventKind>{reader::SHEET_INSERTED, reader::SHEET_REMOVED,
                                            reader::SHEET_INSERTED}));
  absl::StatusOr<ScannedImage> next = reader->AcceptAndScan();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->pixels, PixelsOf(1));
}

TEST_F(SimulatedReaderTest, OpenCoverRefusesTheScanUntilClosed) {
  auto reader = Open({{0, SheetScript::kCoverOpen}});
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<ScannedImage> image = reader->AcceptAndScan();
  EXPECT_EQ(image.status().code(), absl::StatusCode::kFailedPrecondition) << image.status();
  EXPECT_NE(std::string(image.status().message()).find("cover"), std::string::npos);
  EXPECT_TRUE(reader->GetStatus()->cover_open());
  absl::StatusOr<ScannedImage> again = reader->AcceptAndScan();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->pixels, PixelsOf(0));
  const std::vector<reader::EventKind> events = DrainEvents(*reader);
  EXPECT_EQ(events[1], reader::COVER_OPENED);
  EXPECT_EQ(events[2], reader::COVER_CLOSED);
}

TEST_F(SimulatedReaderTest, RefusesUnsupportedSettings) {
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->Configure({.dpi = 333, .max_sheet_length_mm = 600}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reader->Configure({.dpi = 200, .max_sheet_length_mm = 5}).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(reader->Configure({.dpi = 300, .max_sheet_length_mm = 400}).ok());
  EXPECT_EQ(reader->GetStatus()->dpi(), 300u);
  EXPECT_TRUE(reader->Calibrate().ok());
  EXPECT_TRUE(reader->GetStatus()->calibrated());
}

TEST_F(SimulatedReaderTest, ProtocolFaultsGiveClearErrorsAndTheLinkRecovers) {
  struct Case {
    LinkFault fault;
    absl::StatusCode code;
    std::optional<FrameError> error;
  };
  const Case cases[] = {
      {LinkFault::kBadCrc, absl::StatusCode::kDataLoss, FrameError::kBadCrc},
      {LinkFault::kOversizeLength, absl::StatusCode::kDataLoss, FrameError::kOversizeLength},
      {LinkFault::kTruncated, absl::StatusCode::kDataLoss, FrameError::kTruncatedFrame},
      {LinkFault::kUnknownType, absl::StatusCode::kDataLoss, FrameError::kUnknownType},
      {LinkFault::kWrongSequence, absl::StatusCode::kDataLoss, FrameError::kSequenceMismatch},
  };
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  for (const Case& c : cases) {
    reader->device().InjectLinkFault(c.fault);
    absl::StatusOr<reader::Identity> identity = reader->Identify();
    EXPECT_EQ(identity.status().code(), c.code) << identity.status();
    EXPECT_EQ(GetFrameError(identity.status()), c.error) << identity.status();
    absl::StatusOr<reader::Identity> again = reader->Identify();
    EXPECT_TRUE(again.ok()) << again.status();
  }
}

TEST_F(SimulatedReaderTest, CorruptImagesAreRefusedAndTheSheetCanGoBack) {
  struct Case {
    ImageFault fault;
    FrameError error;
  };
  const Case cases[] = {
      {ImageFault::kCorruptPixel, FrameError::kImageHashMismatch},
      {ImageFault::kSkippedChunk, FrameError::kImageChunkOutOfOrder},
      {ImageFault::kExtraBytes, FrameError::kImageChunkOverflow},
  };
  SimulatedReaderOptions options;
  options.device.chunk_bytes = 1000;  // many chunks per sheet
  absl::StatusOr<std::unique_ptr<SimulatedReader>> opened =
      SimulatedReader::Open(dir_.string(), options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  SimulatedReader& reader = **opened;
  for (const Case& c : cases) {
    reader.device().InjectImageFault(c.fault);
    absl::StatusOr<ScannedImage> image = reader.AcceptAndScan();
    EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss) << image.status();
    EXPECT_EQ(GetFrameError(image.status()), c.error) << image.status();
    // The sheet is held; the controller hands it back for the voter to feed again.
    ASSERT_TRUE(reader.ReturnToVoter().ok());
    EXPECT_EQ(reader.GetStatus()->state(), reader::RETURNED);
  }
}

TEST_F(SimulatedReaderTest, AFullBoxRefusesTheNextSheet) {
  SimulatedReaderOptions options;
  options.device.box_capacity = 2;
  absl::StatusOr<std::unique_ptr<SimulatedReader>> opened =
      SimulatedReader::Open(dir_.string(), options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  SimulatedReader& reader = **opened;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(reader.AcceptAndScan().ok());
    ASSERT_TRUE(reader.Cast().ok());
  }
  EXPECT_TRUE(reader.GetStatus()->box_full());
  EXPECT_EQ(reader.GetStatus()->state(), reader::BOX_FULL);
  const std::vector<reader::EventKind> events = DrainEvents(reader);
  EXPECT_EQ(events.back(), reader::BOX_FULL_EVENT);
  // No sheet goes in until the box is emptied.
  EXPECT_EQ(reader.AcceptAndScan().status().code(), absl::StatusCode::kResourceExhausted);
  reader.device().EmptyBox();
  absl::StatusOr<ScannedImage> image = reader.AcceptAndScan();
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->pixels, PixelsOf(2));
}

TEST_F(SimulatedReaderTest, ASilentReaderTimesOut) {
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  reader->device().SetAnswering(false);
  absl::StatusOr<reader::DeviceStatus> status = reader->GetStatus();
  EXPECT_EQ(status.status().code(), absl::StatusCode::kDeadlineExceeded) << status.status();
  reader->device().SetAnswering(true);
  EXPECT_TRUE(reader->GetStatus().ok());
}

TEST(ReaderDeviceTest, AnswersAnUndecodableCommandWithBadFrame) {
  ReaderDevice device;
  std::vector<std::uint8_t> garbage = {'X', 'Y', 'Z', 0, 1, 2};
  device.ReceiveCommandBytes(garbage);
  std::vector<std::uint8_t> bytes(device.pending_response_bytes());
  ASSERT_FALSE(bytes.empty());
  device.ReadResponse(bytes);
  FrameParser parser;
  parser.Feed(bytes);
  absl::StatusOr<std::optional<Frame>> frame = parser.Next();
  ASSERT_TRUE(frame.ok() && frame->has_value()) << frame.status();
  EXPECT_EQ((*frame)->type, reader::ERROR);
  EXPECT_EQ((*frame)->sequence, 0u);
  reader::Error error;
  ASSERT_TRUE(DecodePayload(**frame, error).ok());
  EXPECT_EQ(error.code(), reader::BAD_FRAME);
  EXPECT_EQ(ReaderErrorStatus(error).code(), absl::StatusCode::kDataLoss);
  // The reader reads the next good command.
  device.ReceiveCommandBytes(EncodeMessageFrame(reader::GET_STATUS, 1, reader::StatusRequest()));
  EXPECT_EQ(device.commands_received(), 1u);
  EXPECT_GT(device.pending_response_bytes(), 0u);
}

TEST_F(SimulatedReaderTest, FactoryFallsBackToTheSimulatorOnlyWhenAllowed) {
  ReaderSelection selection;
  selection.usb.vendor_id = 0x1209;
  selection.usb.product_id = 0xE5E9;
  selection.usb.serial = "NO-SUCH-READER";  // whatever is attached, this one is not
  absl::StatusOr<OpenedReader> none = OpenReader(selection);
  EXPECT_FALSE(none.ok());
  selection.fallback_deck = dir_.string();
  absl::StatusOr<OpenedReader> opened = OpenReader(selection);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_TRUE(opened->simulated);
  EXPECT_NE(opened->description.find("no USB reader"), std::string::npos);
  EXPECT_TRUE(opened->reader->AcceptAndScan().ok());

  ReaderSelection sim;
  sim.simulated_deck = paths_[2];
  absl::StatusOr<OpenedReader> forced = OpenReader(sim);
  ASSERT_TRUE(forced.ok()) << forced.status();
  absl::StatusOr<ScannedImage> image = forced->reader->AcceptAndScan();
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->pixels, PixelsOf(2));
}

TEST_F(SimulatedReaderTest, TakesADeckAsAListOfFiles) {
  absl::StatusOr<std::unique_ptr<SimulatedReader>> reader =
      SimulatedReader::Open(std::vector<std::string>{paths_[2], paths_[0]}, {});
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->deck_size(), 2u);
  absl::StatusOr<ScannedImage> first = (*reader)->AcceptAndScan();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->pixels, PixelsOf(2));
  ASSERT_TRUE((*reader)->Cast().ok());
  absl::StatusOr<ScannedImage> second = (*reader)->AcceptAndScan();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->pixels, PixelsOf(0));
}

TEST_F(SimulatedReaderTest, ReportsAMissingDeck) {
  absl::StatusOr<std::unique_ptr<SimulatedReader>> reader =
      SimulatedReader::Open((dir_ / "nope.png").string(), SimulatedReaderOptions());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace esep::scanner
