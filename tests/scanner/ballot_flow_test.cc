#include "esep/scanner/ballot_flow.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "esep/proto/election.h"
#include "esep/scanner/crash_point.h"
#include "esep/scanner/simulated_reader.h"
#include "esep/vision/image_codec.h"
#include "storage_fault.h"
#include "test_sheets.h"

namespace esep::scanner {
namespace {

class BallotFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> e = LoadElectionFile("fixtures/elections/presidential-2021.json");
    ASSERT_TRUE(e.ok()) << e.status();
    election_ = *e;
    dir_ = testing::ScratchDirectory("esep-flow");
    vision::InterpreterOptions live_options;
    live_options.precinct_id = "1001";
    absl::StatusOr<vision::Interpreter> live = vision::Interpreter::Create(election_, live_options);
    ASSERT_TRUE(live.ok()) << live.status();
    live_.emplace(std::move(*live));
    live_options.test_mode = true;
    absl::StatusOr<vision::Interpreter> test = vision::Interpreter::Create(election_, live_options);
    ASSERT_TRUE(test.ok()) << test.status();
    test_.emplace(std::move(*test));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  SheetImage Sheet(std::vector<std::string> marks, bool test = false,
                   std::string precinct = "1001") {
    return testing::PrintedSheet(election_, "president", precinct, marks, FILLED, test, 7);
  }

  std::unique_ptr<BallotStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<BallotStore>> store =
        BallotStore::Open({dir_, ElectionHash(election_), "SIM-0001"}, clock_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  BallotFlow Flow(Reader& reader, BallotStore& store) {
    return BallotFlow({&reader, &store, &*live_, &*test_, vision::EffectiveReturnPolicy(election_),
                       ElectionHash(election_), "SIM-0001", "1001", "live-1", Software()});
  }
  static SoftwareIdentity Software() {
    SoftwareIdentity software;
    software.set_program("esepd");
    software.set_version("0.1.0");
    software.set_source_commit("0123456789abcdef0123456789abcdef01234567");
    software.set_executable_sha256(std::string(64, 'e'));
    return software;
  }

  Election election_;
  std::filesystem::path dir_;
  FixedClock clock_{1'610'265'600};
  std::optional<vision::Interpreter> live_, test_;
};

TEST_F(BallotFlowTest, CountsValidBallotsAndReturnsProblemBallots) {
  std::vector<SheetImage> deck = {Sheet({"japarov"}), Sheet({"japarov", "tolbaev"}),
                                  Sheet({}),          Sheet({"madumarov"}, /*test=*/true),
                                  Sheet({"tolbaev"}), Sheet({"segizbaev"}, false, "2001")};
  SimulatedReader reader(std::move(deck), {});
  auto store = OpenStore();
  BallotFlow flow = Flow(reader, *store);

  absl::StatusOr<SheetResult> valid = flow.ProcessSheet(false);
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(valid->outcome, SheetOutcome::kCast);

  absl::StatusOr<SheetResult> over = flow.ProcessSheet(false);
  ASSERT_TRUE(over.ok()) << over.status();
  EXPECT_EQ(over->outcome, SheetOutcome::kAwaitingVoter);
  EXPECT_EQ(over->decision.return_reason, "overvote in contest president");
  EXPECT_EQ(flow.ProcessSheet(false).status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<SheetResult> as_is = flow.VoterChoice(/*cast_as_is=*/true);
  ASSERT_TRUE(as_is.ok()) << as_is.status();
  EXPECT_EQ(as_is->outcome, SheetOutcome::kCast);

  absl::StatusOr<SheetResult> blank = flow.ProcessSheet(false);
  ASSERT_TRUE(blank.ok()) << blank.status();
  EXPECT_EQ(blank->outcome, SheetOutcome::kAwaitingVoter);
  absl::StatusOr<SheetResult> taken_back = flow.VoterChoice(/*cast_as_is=*/false);
  ASSERT_TRUE(taken_back.ok()) << taken_back.status();
  EXPECT_EQ(taken_back->outcome, SheetOutcome::kReturned);

  absl::StatusOr<SheetResult> test_ballot = flow.ProcessSheet(false);
  ASSERT_TRUE(test_ballot.ok()) << test_ballot.status();
  EXPECT_EQ(test_ballot->outcome, SheetOutcome::kReturned);
  EXPECT_EQ(test_ballot->interpretation.reason(), TEST_BALLOT_WHILE_LIVE);

  ASSERT_EQ(flow.ProcessSheet(false)->outcome, SheetOutcome::kCast);
  absl::StatusOr<SheetResult> other_precinct = flow.ProcessSheet(false);
  ASSERT_TRUE(other_precinct.ok());
  EXPECT_EQ(other_precinct->interpretation.reason(), WRONG_PRECINCT);
  EXPECT_EQ(other_precinct->outcome, SheetOutcome::kReturned);

  absl::StatusOr<Tally> tally = store->GetTally(false);
  ASSERT_TRUE(tally.ok());
  EXPECT_EQ(tally->ballots_cast, 3);
  EXPECT_EQ((tally->votes[{"president", "japarov"}]), 1);
  EXPECT_EQ((tally->votes[{"president", "tolbaev"}]), 1);
  EXPECT_EQ((tally->outcomes[{"president", "OVERVOTE"}]), 1);
  EXPECT_EQ(store->GetTally(true)->ballots_cast, 0);
  absl::StatusOr<reader::DeviceStatus> status = reader.GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->sheets_cast(), 3u);
}

// The promise to auditors: the stored image, read again by any PNG reader, gives the very record
// that was counted.
TEST_F(BallotFlowTest, StoredImagesReproduceTheirRecordsBitForBit) {
  SimulatedReader reader({Sheet({"arstanbek"}), Sheet({"japarov"})}, {});
  auto store = OpenStore();
  BallotFlow flow = Flow(reader, *store);
  ASSERT_EQ(flow.ProcessSheet(false)->outcome, SheetOutcome::kCast);
  ASSERT_EQ(flow.ProcessSheet(false)->outcome, SheetOutcome::kCast);
  absl::StatusOr<std::vector<CastVoteRecord>> records = store->Records(false);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  for (const CastVoteRecord& record : *records) {
    absl::StatusOr<std::string> png = store->LoadImage(record.image_sha256());
    ASSERT_TRUE(png.ok()) << png.status();
    const cv::Mat pixels = cv::imdecode(
        cv::Mat(1, static_cast<int>(png->size()), CV_8UC1, png->data()), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(pixels.type(), CV_8UC1);
    const vision::GrayImage view = vision::ViewOf(pixels);
    EXPECT_EQ(live_->Interpret(view).SerializeAsString(),
              record.interpretation().SerializeAsString());
    // libpng above, the image codec replay uses here: the same pixels.
    absl::StatusOr<cv::Mat> ours =
        vision::DecodeGrayPng({reinterpret_cast<const std::uint8_t*>(png->data()), png->size()});
    ASSERT_TRUE(ours.ok()) << ours.status();
    EXPECT_EQ(cv::countNonZero(*ours != pixels), 0);
    EXPECT_EQ(record.interpreter_version(), vision::kInterpreterVersion);
    EXPECT_EQ(record.reader_serial(), "SIM-0001");
    EXPECT_EQ(record.style_id(), "president");
    // Every record names the software that read and counted it.
    EXPECT_EQ(record.software().SerializeAsString(), Software().SerializeAsString());
  }
}

TEST_F(BallotFlowTest, TestDeckIsCountedApartAndLiveBallotsAreRefusedDuringTheTest) {
  SimulatedReader reader({Sheet({"japarov"}, /*test=*/true), Sheet({"japarov"})}, {});
  auto store = OpenStore();
  BallotFlow flow = Flow(reader, *store);
  ASSERT_EQ(flow.ProcessSheet(true)->outcome, SheetOutcome::kCast);
  absl::StatusOr<SheetResult> live = flow.ProcessSheet(true);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->outcome, SheetOutcome::kReturned);
  EXPECT_EQ(live->interpretation.reason(), LIVE_BALLOT_IN_TEST);
  EXPECT_EQ(store->GetTally(true)->ballots_cast, 1);
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 0);
}

TEST_F(BallotFlowTest, JamCountsNothingAndTheNextSheetIsRead) {
  SimulatedReaderOptions options;
  options.script[0] = SheetScript::kJam;
  SimulatedReader reader({Sheet({"japarov"}), Sheet({"tolbaev"})}, options);
  auto store = OpenStore();
  BallotFlow flow = Flow(reader, *store);
  absl::StatusOr<SheetResult> jam = flow.ProcessSheet(false);
  EXPECT_FALSE(jam.ok());
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 0);
  ASSERT_TRUE(reader.Reset().ok());
  absl::StatusOr<SheetResult> next = flow.ProcessSheet(false);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->outcome, SheetOutcome::kCast);
  absl::StatusOr<Tally> tally = store->GetTally(false);
  EXPECT_EQ(tally->ballots_cast, 1);
  EXPECT_EQ((tally->votes[{"president", "tolbaev"}]), 1);
}

TEST_F(BallotFlowTest, UnconfirmedCastIsSettledByTheReadersSensors) {
  std::int64_t sheet = 0;
  {
    auto store = OpenStore();
    const std::string sha = *store->StoreImage(std::vector<std::uint8_t>{1, 2, 3});
    sheet = *store->Escrow(sha);
    CastVoteRecord record;
    record.set_election_hash(ElectionHash(election_));
    ContestReading* c = record.mutable_interpretation()->add_contests();
    c->set_contest_id("president");
    c->set_outcome(VALID);
    c->add_selections("japarov");
    ASSERT_TRUE(store->DecideCast(sheet, record).ok());
  }  // power lost before the drop was confirmed
  auto store = OpenStore();
  ASSERT_EQ(store->recovery().awaiting_drop_confirmation, std::vector<std::int64_t>{sheet});
  SimulatedReader reader({}, {});  // the path is empty: the sheet went into the box
  BallotFlow flow = Flow(reader, *store);
  absl::StatusOr<std::vector<std::int64_t>> settled = flow.ReconcileUnconfirmedCasts();
  ASSERT_TRUE(settled.ok()) << settled.status();
  EXPECT_EQ(*settled, std::vector<std::int64_t>{sheet});
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 1);
  EXPECT_TRUE(flow.ReconcileUnconfirmedCasts()->empty());
}

std::vector<std::string>* g_sites = nullptr;

TEST_F(BallotFlowTest, SheetHeldAtRestartIsRecordedReturnedBeforeItIsEjected) {
  const std::filesystem::path paper = dir_.string() + ".paper";
  std::int64_t sheet = 0;
  {
    SimulatedReaderOptions options;
    options.state_file = paper;
    SimulatedReader reader({Sheet({"japarov"})}, options);
    auto store = OpenStore();
    ASSERT_TRUE(reader.AcceptAndScan().ok());  // the sheet is held in the path
    const std::string sha = *store->StoreImage(std::vector<std::uint8_t>{4, 5, 6});
    sheet = *store->Escrow(sha);
    CastVoteRecord record;
    record.set_election_hash(ElectionHash(election_));
    ASSERT_TRUE(store->DecideCast(sheet, record).ok());
  }  // power lost before the reader was told to drop it
  SimulatedReaderOptions options;
  options.state_file = paper;
  absl::StatusOr<std::unique_ptr<SimulatedReader>> reader =
      SimulatedReader::Create({Sheet({"japarov"})}, options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_TRUE((*reader)->GetStatus()->paper_in_path());
  auto store = OpenStore();
  BallotFlow flow = Flow(**reader, *store);
  std::vector<std::string> sites;
  g_sites = &sites;
  SetCrashHook([](const char* site) { g_sites->push_back(site); });
  absl::StatusOr<std::vector<std::int64_t>> settled = flow.ReconcileUnconfirmedCasts();
  SetCrashHook(nullptr);
  ASSERT_TRUE(settled.ok()) << settled.status();
  EXPECT_EQ(*settled, std::vector<std::int64_t>{sheet});
  EXPECT_EQ(*store->State(sheet), SheetState::kReturned);
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 0);
  EXPECT_EQ((*reader)->GetStatus()->state(), reader::RETURNED);
  // A crash between the two must find the journal settled and the sheet still in the path.
  const auto committed = std::find(sites.begin(), sites.end(), "store.transaction.committed");
  const auto ejected = std::find(sites.begin(), sites.end(), "sim.reader.paper_moved");
  ASSERT_NE(committed, sites.end());
  ASSERT_NE(ejected, sites.end());
  EXPECT_LT(committed, ejected);
  std::filesystem::remove(paper);
}

TEST_F(BallotFlowTest, SheetInEscrowAtRestartGoesBackToTheVoter) {
  const std::filesystem::path paper = dir_.string() + ".paper";
  SimulatedWorld world;
  world.next_sheet = 1;
  world.in_reader = 0;
  world.state = reader::HOLDING;  // imaged and journaled in escrow when the power went
  ASSERT_TRUE(WriteSimulatedWorld(paper, world).ok());
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Escrow(*store->StoreImage(std::vector<std::uint8_t>{7})).ok());
  }
  auto store = OpenStore();
  ASSERT_EQ(store->recovery().returned.size(), 1u);
  SimulatedReaderOptions options;
  options.state_file = paper;
  absl::StatusOr<std::unique_ptr<SimulatedReader>> reader =
      SimulatedReader::Create({Sheet({"japarov"})}, options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  BallotFlow flow = Flow(**reader, *store);
  ASSERT_TRUE(flow.ReconcileUnconfirmedCasts().ok());
  EXPECT_EQ((*reader)->GetStatus()->state(), reader::RETURNED);
  EXPECT_EQ(ReadSimulatedWorld(paper)->state, reader::RETURNED);
  std::filesystem::remove(paper);
}

CastVoteRecord JaparovRecord(const Election& election, const std::string& image_sha) {
  CastVoteRecord record;
  record.set_election_hash(ElectionHash(election));
  record.set_image_sha256(image_sha);
  ContestReading* c = record.mutable_interpretation()->add_contests();
  c->set_contest_id("president");
  c->set_outcome(VALID);
  c->add_selections("japarov");
  return record;
}

// The reader's count of sheets cast decides, not "is any paper in the path": a sheet that
// reached the box is counted although the next voter's sheet is in the path at the restart.
TEST_F(BallotFlowTest, SheetInTheBoxIsCountedThoughAnotherSheetIsInThePath) {
  SimulatedReader reader({Sheet({"japarov"}), Sheet({"tolbaev"})}, {});
  std::int64_t sheet = 0;
  {
    auto store = OpenStore();
    ASSERT_TRUE(reader.AcceptAndScan().ok());
    const std::string sha = *store->StoreImage(std::vector<std::uint8_t>{1, 2, 3});
    sheet = *store->Escrow(sha);
    ASSERT_TRUE(
        store->DecideCast(sheet, JaparovRecord(election_, sha), reader.GetStatus()->sheets_cast())
            .ok());
    ASSERT_TRUE(reader.Cast().ok());           // in the box; the store never heard of it
    ASSERT_TRUE(reader.AcceptAndScan().ok());  // the next sheet is in the path
  }
  ASSERT_TRUE(reader.GetStatus()->paper_in_path());
  auto store = OpenStore();
  BallotFlow flow = Flow(reader, *store);
  absl::StatusOr<std::vector<std::int64_t>> settled = flow.ReconcileUnconfirmedCasts();
  ASSERT_TRUE(settled.ok()) << settled.status();
  EXPECT_EQ(*store->State(sheet), SheetState::kCast);
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 1);
  EXPECT_EQ(reader.world().box.size(), 1u);
  // The sheet in the path is not counted: it goes back to its voter.
  EXPECT_EQ(reader.GetStatus()->state(), reader::RETURNED);
}

// A sheet decided to cast but handed back (the drop never ran) is not counted, although the
// path is empty at the restart.
TEST_F(BallotFlowTest, SheetDecidedButHandedBackIsNotCounted) {
  SimulatedReader reader({Sheet({"japarov"})}, {});
  std::int64_t sheet = 0;
  {
    auto store = OpenStore();
    ASSERT_TRUE(reader.AcceptAndScan().ok());
    const std::string sha = *store->StoreImage(std::vector<std::uint8_t>{7, 8, 9});
    sheet = *store->Escrow(sha);
    ASSERT_TRUE(
        store->DecideCast(sheet, JaparovRecord(election_, sha), reader.GetStatus()->sheets_cast())
            .ok());
    ASSERT_TRUE(reader.ReturnToVoter().ok());
  }
  ASSERT_FALSE(reader.GetStatus()->paper_in_path());
  auto store = OpenStore();
  BallotFlow flow = Flow(reader, *store);
  ASSERT_TRUE(flow.ReconcileUnconfirmedCasts().ok());
  EXPECT_EQ(*store->State(sheet), SheetState::kReturned);
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 0);
  EXPECT_TRUE(reader.world().box.empty());
}

fault::StorageFault g_arm_at_drop = fault::StorageFault::kNone;
std::string g_arm_dir;

// The store's file system turns read-only (or fails) between the drop and its record: the sheet
// is in the box, the reader takes no further paper, and the restart counts that sheet once.
TEST_F(BallotFlowTest, StorageFailingAtTheDropStopsTheReaderAndLosesNoBallot) {
  for (fault::StorageFault mode : {fault::StorageFault::kReadOnly, fault::StorageFault::kIoError,
                                   fault::StorageFault::kFull}) {
    SCOPED_TRACE(fault::StorageFaultName(mode));
    std::filesystem::remove_all(dir_);
    SimulatedReader reader({Sheet({"japarov"}), Sheet({"tolbaev"}), Sheet({"madumarov"})}, {});
    {
      auto store = OpenStore();
      BallotFlow flow = Flow(reader, *store);
      g_arm_at_drop = mode;
      g_arm_dir = std::filesystem::absolute(dir_).string();
      SetCrashHook([](const char* site) {
        if (std::string_view(site) == "flow.cast.dropped") {
          fault::ArmStorageFault(g_arm_dir, g_arm_at_drop, 0);
        }
      });
      absl::StatusOr<SheetResult> first = flow.ProcessSheet(false);
      SetCrashHook(nullptr);
      ASSERT_FALSE(first.ok());
      EXPECT_NE(std::string(first.status().message()).find("is in the box"), std::string::npos)
          << first.status();
      EXPECT_FALSE(flow.storage_fault().ok());
      // The next voter's sheet: the reader does not take it.
      const std::size_t fed = reader.sheets_fed();
      absl::StatusOr<SheetResult> next = flow.ProcessSheet(false);
      EXPECT_FALSE(next.ok());
      EXPECT_NE(std::string(next.status().message()).find("takes no paper"), std::string::npos)
          << next.status();
      EXPECT_EQ(reader.sheets_fed(), fed) << "paper was taken after the storage failed";
      EXPECT_FALSE(reader.GetStatus()->paper_in_path());
      fault::DisarmStorageFault();
    }
    // The technician repaired the storage; esepd starts again with the same reader.
    auto store = OpenStore();
    ASSERT_TRUE(store);
    BallotFlow flow = Flow(reader, *store);
    ASSERT_TRUE(flow.ReconcileUnconfirmedCasts().ok());
    EXPECT_EQ(store->GetTally(false)->ballots_cast, 1);
    EXPECT_EQ(reader.world().box.size(), 1u);
    absl::StatusOr<SheetResult> resumed = flow.ProcessSheet(false);
    ASSERT_TRUE(resumed.ok()) << resumed.status();
    EXPECT_EQ(store->GetTally(false)->ballots_cast, 2);
    EXPECT_EQ(reader.world().box.size(), 2u);
  }
}

// A disk that fills up at any point of a sheet's way: the paper in the box always equals the
// ballots counted after the restart, and the reader takes no sheet once it has failed.
TEST_F(BallotFlowTest, FullDiskAtAnySizeLosesNoBallot) {
  const int kSheets = 4;
  std::vector<SheetImage> deck;
  for (int i = 0; i < kSheets; ++i) {
    deck.push_back(
        testing::PrintedSheet(election_, "president", "1001", {"japarov"}, FILLED, false, 20 + i));
  }
  // The bytes an undisturbed run writes, to place the fills across it.
  std::int64_t day_bytes = 0;
  {
    const std::string dir = std::filesystem::absolute(dir_).string();
    fault::ArmStorageFault(dir, fault::StorageFault::kFull, std::int64_t{1} << 40);
    SimulatedReader reader(deck, {});
    auto store = OpenStore();
    BallotFlow flow = Flow(reader, *store);
    for (int i = 0; i < kSheets; ++i) ASSERT_TRUE(flow.ProcessSheet(false).ok());
    day_bytes = (std::int64_t{1} << 40) - fault::StorageBudgetLeft();
    fault::DisarmStorageFault();
  }
  ASSERT_GT(day_bytes, 0);
  int stopped = 0;
  for (int step = 0; step < 24; ++step) {
    const std::int64_t budget = day_bytes * step / 24;
    SCOPED_TRACE(::testing::Message() << "disk full after " << budget << " bytes");
    std::filesystem::remove_all(dir_);
    SimulatedReader reader(deck, {});
    std::size_t fed_at_fault = 0;
    {
      auto store = OpenStore();
      BallotFlow flow = Flow(reader, *store);
      fault::ArmStorageFault(std::filesystem::absolute(dir_).string(), fault::StorageFault::kFull,
                             budget);
      for (int i = 0; i < kSheets; ++i) {
        absl::StatusOr<SheetResult> r = flow.ProcessSheet(false);
        if (r.ok()) continue;
        if (flow.storage_fault().ok()) ADD_FAILURE() << r.status();
        fed_at_fault = reader.sheets_fed();
        ASSERT_TRUE(flow.HandBackAfterStorageFault().ok());
        EXPECT_FALSE(flow.ProcessSheet(false).ok());
        EXPECT_EQ(reader.sheets_fed(), fed_at_fault) << "paper taken after the disk filled";
        ++stopped;
        break;
      }
      fault::DisarmStorageFault();
    }
    auto store = OpenStore();
    ASSERT_TRUE(store);
    BallotFlow flow = Flow(reader, *store);
    ASSERT_TRUE(flow.ReconcileUnconfirmedCasts().ok());
    EXPECT_EQ(store->GetTally(false)->ballots_cast,
              static_cast<std::int64_t>(reader.world().box.size()))
        << "paper in the box and ballots counted differ";
    EXPECT_EQ(store->Records(false)->size(), reader.world().box.size());
  }
  EXPECT_GT(stopped, 12) << "most fills should land inside the day";
}

}  // namespace
}  // namespace esep::scanner
