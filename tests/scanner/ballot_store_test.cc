#include "esep/scanner/ballot_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "esep/proto/sha256.h"
#include "test_sheets.h"

namespace esep::scanner {
namespace {

constexpr char kElectionHash[] = "aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233";

class BallotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::ScratchDirectory("esep-store"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  BallotStore::Options Options() const { return {dir_, kElectionHash, "RDR-0001"}; }

  std::unique_ptr<BallotStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<BallotStore>> store = BallotStore::Open(Options(), clock_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Runs one SQL statement on the store's database from outside, as a tamperer would.
  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "esep.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_free(error);
    sqlite3_close(db);
  }

  std::filesystem::path dir_;
  FixedClock clock_{1'637'900'000};
};

std::vector<std::uint8_t> ImageBytes(int n) {
  std::vector<std::uint8_t> bytes(64);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(n * 31 + i);
  return bytes;
}

CastVoteRecord Record(const std::string& image_sha, const std::string& option,
                      ContestOutcome outcome = VALID, bool test = false) {
  CastVoteRecord record;
  record.set_election_hash(kElectionHash);
  record.set_image_sha256(image_sha);
  record.set_test(test);
  ContestReading* contest = record.mutable_interpretation()->add_contests();
  contest->set_contest_id("president");
  contest->set_outcome(outcome);
  if (outcome == VALID) contest->add_selections(option);
  return record;
}

// Feeds ballot n through escrow, decision and drop.
void CastBallot(BallotStore& store, int n, const std::string& option) {
  absl::StatusOr<std::string> sha = store.StoreImage(ImageBytes(n));
  ASSERT_TRUE(sha.ok()) << sha.status();
  absl::StatusOr<std::int64_t> sheet = store.Escrow(*sha);
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  ASSERT_TRUE(store.DecideCast(*sheet, Record(*sha, option)).ok());
  ASSERT_TRUE(store.ConfirmCast(*sheet).ok());
}

TEST_F(BallotStoreTest, CountsCastBallotsOnlyAfterTheDrop) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  absl::StatusOr<std::string> sha = store->StoreImage(ImageBytes(1));
  ASSERT_TRUE(sha.ok());
  absl::StatusOr<std::int64_t> sheet = store->Escrow(*sha);
  ASSERT_TRUE(sheet.ok());
  ASSERT_TRUE(store->DecideCast(*sheet, Record(*sha, "japarov")).ok());
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 0);
  ASSERT_TRUE(store->ConfirmCast(*sheet).ok());
  absl::StatusOr<Tally> tally = store->GetTally(false);
  ASSERT_TRUE(tally.ok());
  EXPECT_EQ(tally->ballots_cast, 1);
  EXPECT_EQ((tally->votes[{"president", "japarov"}]), 1);
  EXPECT_EQ((tally->outcomes[{"president", "VALID"}]), 1);
  EXPECT_EQ(*store->State(*sheet), SheetState::kCast);
  absl::StatusOr<std::vector<CastVoteRecord>> records = store->Records(false);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].record_id().size(), 32u);
  EXPECT_EQ((*records)[0].image_sha256(), *sha);
}

TEST_F(BallotStoreTest, KeepsTestBallotsApartFromTheLiveTally) {
  auto store = OpenStore();
  absl::StatusOr<std::string> sha = store->StoreImage(ImageBytes(2));
  absl::StatusOr<std::int64_t> sheet = store->Escrow(*sha);
  ASSERT_TRUE(store->DecideCast(*sheet, Record(*sha, "tolbaev", VALID, /*test=*/true)).ok());
  ASSERT_TRUE(store->ConfirmCast(*sheet).ok());
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 0);
  EXPECT_EQ(store->GetTally(true)->ballots_cast, 1);
  EXPECT_TRUE(store->Records(false)->empty());
}

TEST_F(BallotStoreTest, OvervoteCastAsIsCountsTheBallotButNoVote) {
  auto store = OpenStore();
  absl::StatusOr<std::string> sha = store->StoreImage(ImageBytes(3));
  absl::StatusOr<std::int64_t> sheet = store->Escrow(*sha);
  CastVoteRecord record = Record(*sha, "", OVERVOTE);
  record.set_cast_as_is(true);
  ASSERT_TRUE(store->DecideCast(*sheet, record).ok());
  ASSERT_TRUE(store->ConfirmCast(*sheet).ok());
  absl::StatusOr<Tally> tally = store->GetTally(false);
  EXPECT_EQ(tally->ballots_cast, 1);
  EXPECT_TRUE(tally->votes.empty());
  EXPECT_EQ((tally->outcomes[{"president", "OVERVOTE"}]), 1);
}

TEST_F(BallotStoreTest, ReturnedBallotIsNeverCounted) {
  auto store = OpenStore();
  absl::StatusOr<std::string> sha = store->StoreImage(ImageBytes(4));
  absl::StatusOr<std::int64_t> sheet = store->Escrow(*sha);
  ASSERT_TRUE(store->DecideReturn(*sheet, "overvote").ok());
  ASSERT_TRUE(store->ConfirmReturned(*sheet).ok());
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 0);
  EXPECT_EQ(*store->State(*sheet), SheetState::kReturned);
}

TEST_F(BallotStoreTest, RefusesTransitionsOutOfOrderAndChangesNothing) {
  auto store = OpenStore();
  absl::StatusOr<std::string> sha = store->StoreImage(ImageBytes(5));
  absl::StatusOr<std::int64_t> sheet = store->Escrow(*sha);
  EXPECT_EQ(store->ConfirmCast(*sheet).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->ConfirmReturned(*sheet).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store->DecideCast(*sheet, Record(*sha, "japarov")).ok());
  EXPECT_EQ(store->DecideReturn(*sheet, "x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->DecideCast(*sheet, Record(*sha, "japarov")).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store->ConfirmCast(*sheet).ok());
  // A second confirmation of the same drop must not count the ballot twice.
  EXPECT_EQ(store->ConfirmCast(*sheet).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 1);
  EXPECT_EQ(store->Escrow(std::string(64, '0')).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->State(999).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(BallotStoreTest, RefusesRecordOfAnotherElectionAndStoreOfAnotherElection) {
  {
    auto store = OpenStore();
    absl::StatusOr<std::string> sha = store->StoreImage(ImageBytes(6));
    absl::StatusOr<std::int64_t> sheet = store->Escrow(*sha);
    CastVoteRecord record = Record(*sha, "japarov");
    record.set_election_hash(std::string(64, 'f'));
    EXPECT_EQ(store->DecideCast(*sheet, record).code(), absl::StatusCode::kFailedPrecondition);
  }
  BallotStore::Options other = Options();
  other.election_hash = std::string(64, 'b');
  absl::StatusOr<std::unique_ptr<BallotStore>> reopened = BallotStore::Open(other, clock_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(std::string(reopened.status().message()).find("belongs to election"),
            std::string::npos);
}

TEST_F(BallotStoreTest, ForgetsTheLinkFromFeedOrderToRecords) {
  auto store = OpenStore();
  CastBallot(*store, 7, "japarov");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "esep.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM journal WHERE image_sha256 IS NOT NULL",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(BallotStoreTest, StoresImagesContentAddressedWithoutTimes) {
  auto store = OpenStore();
  const std::vector<std::uint8_t> bytes = ImageBytes(8);
  absl::StatusOr<std::string> sha = store->StoreImage(bytes);
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(*sha, ToHex(Sha256(bytes)));
  EXPECT_EQ(*store->StoreImage(bytes), *sha);
  absl::StatusOr<std::string> loaded = store->LoadImage(*sha);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, std::string(bytes.begin(), bytes.end()));
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "images" / *sha).c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A changed image file is detected.
  {
    std::ofstream out(dir_ / "images" / *sha, std::ios::binary | std::ios::trunc);
    out << "tampered";
  }
  EXPECT_EQ(store->LoadImage(*sha).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(store->LoadImage(std::string(64, '1')).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->StoreImage({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(BallotStoreTest, RecoversUnfinishedSheetsAfterRestart) {
  std::int64_t in_escrow = 0, decided_return = 0, decided_cast = 0;
  {
    auto store = OpenStore();
    CastBallot(*store, 10, "japarov");
    in_escrow = *store->Escrow(*store->StoreImage(ImageBytes(11)));
    decided_return = *store->Escrow(*store->StoreImage(ImageBytes(12)));
    ASSERT_TRUE(store->DecideReturn(decided_return, "blank").ok());
    const std::string sha = *store->StoreImage(ImageBytes(13));
    decided_cast = *store->Escrow(sha);
    ASSERT_TRUE(store->DecideCast(decided_cast, Record(sha, "madumarov")).ok());
  }
  auto store = OpenStore();
  EXPECT_EQ(store->recovery().returned, (std::vector<std::int64_t>{in_escrow, decided_return}));
  EXPECT_EQ(store->recovery().awaiting_drop_confirmation, std::vector<std::int64_t>{decided_cast});
  EXPECT_EQ(*store->State(in_escrow), SheetState::kReturned);
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 1);
  ASSERT_TRUE(store->ResolveUnconfirmedCast(decided_cast, /*dropped_into_box=*/true).ok());
  absl::StatusOr<Tally> tally = store->GetTally(false);
  EXPECT_EQ(tally->ballots_cast, 2);
  EXPECT_EQ((tally->votes[{"president", "madumarov"}]), 1);
  EXPECT_TRUE(VerifyEventChain(*store->Events()).ok());
}

TEST_F(BallotStoreTest, UnconfirmedCastThatNeverDroppedIsReturned) {
  std::int64_t sheet = 0;
  {
    auto store = OpenStore();
    const std::string sha = *store->StoreImage(ImageBytes(14));
    sheet = *store->Escrow(sha);
    ASSERT_TRUE(store->DecideCast(sheet, Record(sha, "japarov")).ok());
  }
  auto store = OpenStore();
  ASSERT_TRUE(store->ResolveUnconfirmedCast(sheet, /*dropped_into_box=*/false).ok());
  EXPECT_EQ(*store->State(sheet), SheetState::kReturned);
  EXPECT_EQ(store->GetTally(false)->ballots_cast, 0);
  EXPECT_TRUE(store->Records(false)->empty());
}

TEST_F(BallotStoreTest, EventLogIsHashChainedAndTamperEvident) {
  {
    auto store = OpenStore();
    CastBallot(*store, 20, "japarov");
    ASSERT_TRUE(store->LogEvent("polls_closed", "closed by the commission").ok());
    absl::StatusOr<std::vector<LogEvent>> events = store->Events();
    ASSERT_TRUE(events.ok());
    ASSERT_GE(events->size(), 5u);
    EXPECT_TRUE(VerifyEventChain(*events).ok());
    for (const LogEvent& e : *events) {
      EXPECT_EQ(e.unix_seconds(), 1'637'900'000);
      EXPECT_EQ(e.detail().find("japarov"), std::string::npos) << "selections in the log";
    }
  }
  RawSql("UPDATE events SET detail = 'nothing happened' WHERE sequence = 3");
  {
    absl::StatusOr<std::unique_ptr<BallotStore>> store = BallotStore::OpenReadOnly(dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    const absl::Status status = VerifyEventChain(*(*store)->Events());
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(std::string(status.message()).find("entry 3"), std::string::npos) << status;
    // The reader refuses to count on it, naming the entry.
    absl::StatusOr<std::unique_ptr<BallotStore>> writable = BallotStore::Open(Options(), clock_);
    EXPECT_EQ(writable.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(std::string(writable.status().message()).find("entry 3"), std::string::npos)
        << writable.status();
  }
  RawSql("DELETE FROM events WHERE sequence = 3");
  absl::StatusOr<std::unique_ptr<BallotStore>> store = BallotStore::OpenReadOnly(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_FALSE(VerifyEventChain(*(*store)->Events()).ok());
}

// kill -9 at pseudo-random instants while ballots are being cast; after each restart every
// ballot whose drop was confirmed is counted exactly once, and the books agree with each other.
TEST_F(BallotStoreTest, ReadOnlyOpenChangesNothingAndRefusesAMissingStore) {
  absl::StatusOr<std::unique_ptr<BallotStore>> missing = BallotStore::OpenReadOnly(dir_);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(missing.status().message()).find(dir_.string()), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_)) << "a read-only open created the store";

  auto writer = OpenStore();
  const std::int64_t sheet = *writer->Escrow(*writer->StoreImage(ImageBytes(1)));
  // Read while the writer holds the store open, and with a sheet a recovery would return.
  absl::StatusOr<std::unique_ptr<BallotStore>> reader = BallotStore::OpenReadOnly(dir_);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_TRUE((*reader)->recovery().returned.empty());
  EXPECT_EQ(*(*reader)->State(sheet), SheetState::kEscrow);
  absl::StatusOr<std::vector<LogEvent>> events = (*reader)->Events();
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), writer->Events()->size());
  EXPECT_EQ(events->back().hash(), writer->Events()->back().hash());
  EXPECT_FALSE((*reader)->LogEvent("audit", "must not be written").ok());
  EXPECT_EQ(writer->Events()->size(), events->size());
}

TEST_F(BallotStoreTest, SurvivesKillNineAtAnyPoint) {
  std::mt19937_64 rng(20211128);
  const int kKills = 40;
  for (int kill = 0; kill < kKills; ++kill) {
    int cast_pipe[2];
    ASSERT_EQ(::pipe(cast_pipe), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(cast_pipe[0]);
      absl::StatusOr<std::unique_ptr<BallotStore>> store = BallotStore::Open(Options(), clock_);
      if (!store.ok()) ::_exit(3);
      for (int n = 0;; ++n) {
        absl::StatusOr<std::string> sha = (*store)->StoreImage(ImageBytes(kill * 100000 + n));
        if (!sha.ok()) ::_exit(4);
        absl::StatusOr<std::int64_t> sheet = (*store)->Escrow(*sha);
        if (!sheet.ok()) ::_exit(5);
        if (n % 5 == 4) {
          if (!(*store)->DecideReturn(*sheet, "blank").ok()) ::_exit(6);
          if (!(*store)->ConfirmReturned(*sheet).ok()) ::_exit(7);
          continue;
        }
        if (!(*store)->DecideCast(*sheet, Record(*sha, n % 2 ? "japarov" : "tolbaev")).ok()) {
          ::_exit(8);
        }
        if (!(*store)->ConfirmCast(*sheet).ok()) ::_exit(9);
        if (::write(cast_pipe[1], "c", 1) != 1) ::_exit(10);
      }
    }
    ::close(cast_pipe[1]);
    // Each run first casts one ballot, then dies at a pseudo-random instant of later work.
    char byte = 0;
    ASSERT_EQ(::read(cast_pipe[0], &byte, 1), 1) << "the child died before casting";
    ::usleep(static_cast<useconds_t>(rng() % 8000));
    ::kill(child, SIGKILL);
    ::close(cast_pipe[0]);
    int wstatus = 0;
    ::waitpid(child, &wstatus, 0);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited with " << WEXITSTATUS(wstatus);

    auto store = OpenStore();
    ASSERT_TRUE(store);
    for (std::int64_t sheet : store->recovery().awaiting_drop_confirmation) {
      const bool dropped = rng() % 2 == 0;
      ASSERT_TRUE(store->ResolveUnconfirmedCast(sheet, dropped).ok());
    }
    absl::StatusOr<Tally> tally = store->GetTally(false);
    absl::StatusOr<std::vector<CastVoteRecord>> records = store->Records(false);
    ASSERT_TRUE(tally.ok() && records.ok());
    EXPECT_EQ(tally->ballots_cast, static_cast<std::int64_t>(records->size()));
    std::int64_t votes = 0;
    for (const auto& [key, count] : tally->votes) votes += count;
    EXPECT_EQ(votes, tally->ballots_cast);
    std::int64_t recount = 0;
    for (const CastVoteRecord& r : *records) {
      recount += r.interpretation().contests(0).selections_size();
      EXPECT_TRUE(store->LoadImage(r.image_sha256()).ok()) << "image of a counted ballot lost";
    }
    EXPECT_EQ(recount, votes);
    absl::StatusOr<std::vector<LogEvent>> events = store->Events();
    ASSERT_TRUE(VerifyEventChain(*events).ok());
    std::int64_t cast_events = 0;
    for (const LogEvent& e : *events) cast_events += e.type() == "ballot_cast";
    EXPECT_EQ(cast_events, tally->ballots_cast);
  }
  auto store = OpenStore();
  EXPECT_GE(store->GetTally(false)->ballots_cast, kKills);
}

}  // namespace
}  // namespace esep::scanner
