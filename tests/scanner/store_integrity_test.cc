// The tally store refuses to be counted on when it is damaged, rolled back, swapped or removed:
// SQLite's integrity check, the books against each other, the images against their hashes, and
// the witness kept outside the database.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "esep/proto/sha256.h"
#include "esep/scanner/ballot_store.h"
#include "test_sheets.h"

namespace esep::scanner {
namespace {

constexpr char kElectionHash[] = "aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233";

std::vector<std::uint8_t> ImageBytes(int n) {
  std::vector<std::uint8_t> bytes(3000);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(n * 31 + i);
  return bytes;
}

class StoreIntegrityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::ScratchDirectory("esep-integrity");
    dir_ = root_ / "store";
    witness_ = root_ / "witness-medium" / "witness";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  BallotStore::Options Options(bool create = true) const {
    BallotStore::Options options{dir_, kElectionHash, "RDR-0001"};
    options.create = create;
    options.witness = witness_;
    return options;
  }

  absl::StatusOr<std::unique_ptr<BallotStore>> Open(bool create = false) {
    return BallotStore::Open(Options(create), clock_);
  }

  // A store with `n` ballots cast, closed cleanly.
  void MakeStore(int n) {
    absl::StatusOr<std::unique_ptr<BallotStore>> store = Open(/*create=*/true);
    ASSERT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < n; ++i) Cast(**store, i);
  }

  static void Cast(BallotStore& store, int n) {
    absl::StatusOr<std::string> sha = store.StoreImage(ImageBytes(n));
    ASSERT_TRUE(sha.ok()) << sha.status();
    absl::StatusOr<std::int64_t> sheet = store.Escrow(*sha);
    ASSERT_TRUE(sheet.ok()) << sheet.status();
    CastVoteRecord record;
    record.set_election_hash(kElectionHash);
    record.set_image_sha256(*sha);
    ContestReading* contest = record.mutable_interpretation()->add_contests();
    contest->set_contest_id("president");
    contest->set_outcome(VALID);
    contest->add_selections(n % 2 ? "japarov" : "tolbaev");
    ASSERT_TRUE(store.DecideCast(*sheet, record, n).ok());
    ASSERT_TRUE(store.ConfirmCast(*sheet).ok());
  }

  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "esep.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_free(error);
    sqlite3_close(db);
  }

  std::int64_t RootPage(const std::string& table) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_ / "esep.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_schema WHERE name = ?", -1, &q, nullptr);
    sqlite3_bind_text(q, 1, table.c_str(), -1, SQLITE_TRANSIENT);
    std::int64_t page = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    sqlite3_close(db);
    return page;
  }

  // Overwrites `length` bytes at `offset` of a file, as a failing disk sector would.
  static void Scribble(const std::filesystem::path& file, std::int64_t offset, int length) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f);
    f.seekp(offset);
    for (int i = 0; i < length; ++i) f.put(static_cast<char>(0xA5 ^ i));
  }

  static void ExpectRefused(const absl::StatusOr<std::unique_ptr<BallotStore>>& store,
                            const std::string& says) {
    ASSERT_FALSE(store.ok()) << "a damaged store was opened";
    EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
    EXPECT_NE(std::string(store.status().message()).find(says), std::string::npos)
        << store.status();
  }

  // The highest sequence in the witness file's slots
  // ("esep-witness-1 ELECTION SEQUENCE HEAD CHECKSUM").
  std::uint64_t WitnessSequence() const {
    std::ifstream in(witness_);
    std::uint64_t highest = 0;
    std::string magic, election, head, checksum;
    std::uint64_t sequence = 0;
    while (in >> magic >> election >> sequence >> head >> checksum) {
      highest = std::max(highest, sequence);
    }
    return highest;
  }

  std::filesystem::path root_;
  std::filesystem::path dir_;
  std::filesystem::path witness_;
  FixedClock clock_{1'637'900'000};
};

TEST_F(StoreIntegrityTest, AHealthyStoreOpensAndChecksClean) {
  MakeStore(5);
  absl::StatusOr<std::unique_ptr<BallotStore>> store = Open();
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->GetTally(false)->ballots_cast, 5);
  EXPECT_TRUE((*store)->CheckWithWitness(witness_, kElectionHash).ok());
}

// Escrows and confirmations are flushed with the next decision: the witness never records a head
// that may not be on the disk yet, and a store ahead of its witness opens and checks clean.
TEST_F(StoreIntegrityTest, TheWitnessFollowsOnlyWhatADecisionFlushed) {
  absl::StatusOr<std::unique_ptr<BallotStore>> store = Open(/*create=*/true);
  ASSERT_TRUE(store.ok()) << store.status();
  Cast(**store, 1);
  const std::uint64_t after_first = WitnessSequence();
  ASSERT_GT(after_first, 0u);
  absl::StatusOr<std::string> sha = (*store)->StoreImage(ImageBytes(2));
  ASSERT_TRUE(sha.ok()) << sha.status();
  absl::StatusOr<std::int64_t> sheet = (*store)->Escrow(*sha);
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  EXPECT_EQ(WitnessSequence(), after_first);
  ASSERT_TRUE((*store)->DecideReturn(*sheet, "blank").ok());
  EXPECT_EQ(WitnessSequence(), after_first + 3);  // the first ballot cast, escrowed, decided
  ASSERT_TRUE((*store)->ConfirmReturned(*sheet).ok());
  EXPECT_EQ(WitnessSequence(), after_first + 3);
  store->reset();
  absl::StatusOr<std::unique_ptr<BallotStore>> reopened = Open();
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(*(*reopened)->State(*sheet), SheetState::kReturned);
  EXPECT_EQ((*reopened)->GetTally(false)->ballots_cast, 1);
  EXPECT_TRUE((*reopened)->CheckWithWitness(witness_, kElectionHash).ok());
}

// The break: after a kill, losing the write-ahead log reset the store to "0 ballots" and the
// event log still verified. The witness saw the lost entries.
TEST_F(StoreIntegrityTest, AStoreRolledBackByALostWriteAheadLogIsRefused) {
  MakeStore(2);
  const pid_t child = ::fork();
  if (child == 0) {
    absl::StatusOr<std::unique_ptr<BallotStore>> store = Open();
    if (!store.ok()) ::_exit(2);
    for (int i = 10; i < 14; ++i) Cast(**store, i);
    ::_exit(::testing::Test::HasFailure() ? 3 : 0);  // killed: the log stays in the WAL
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_TRUE(std::filesystem::exists(dir_ / "esep.db-wal"));
  std::filesystem::remove(dir_ / "esep.db-wal");
  std::filesystem::remove(dir_ / "esep.db-shm");
  ExpectRefused(Open(), "rolled back");
}

TEST_F(StoreIntegrityTest, ARemovedDatabaseIsRefusedNotMadeAnew) {
  MakeStore(3);
  std::filesystem::remove(dir_ / "esep.db");
  ExpectRefused(Open(), "is missing");
  // Even when a set-up is asked for, the witness keeps it from starting over.
  ExpectRefused(Open(/*create=*/true), "is missing");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "esep.db"));
}

TEST_F(StoreIntegrityTest, AMissingStoreIsMadeOnlyAtSetUp) {
  absl::StatusOr<std::unique_ptr<BallotStore>> store = Open(/*create=*/false);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(store.status().message()).find("--new-reader"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "esep.db"));
}

TEST_F(StoreIntegrityTest, AStoreWithoutItsWitnessIsRefused) {
  MakeStore(1);
  std::filesystem::remove(witness_);
  ExpectRefused(Open(), "lost its witness");
}

TEST_F(StoreIntegrityTest, AnotherStoreSwappedInIsRefused) {
  MakeStore(3);
  const std::filesystem::path ours = root_ / "ours.db";
  std::filesystem::copy_file(dir_ / "esep.db", ours);
  // Another store of the same election, with the same number of entries but other ones.
  std::filesystem::remove_all(dir_);
  std::filesystem::remove(witness_);
  MakeStore(3);
  std::filesystem::remove(witness_);
  {
    absl::StatusOr<std::unique_ptr<BallotStore>> store = Open(/*create=*/true);
    ASSERT_FALSE(store.ok());  // no witness for an existing store
  }
  std::filesystem::remove_all(dir_);
  MakeStore(4);
  std::filesystem::copy_file(ours, dir_ / "esep.db",
                             std::filesystem::copy_options::overwrite_existing);
  ExpectRefused(Open(), "rolled back");
}

// The break: one damaged page of the counters table went unnoticed and then failed every sheet.
TEST_F(StoreIntegrityTest, ADamagedPageOfTheCountersIsRefused) {
  MakeStore(8);
  const std::int64_t page = RootPage("counters");
  ASSERT_GT(page, 0);
  Scribble(dir_ / "esep.db", (page - 1) * 4096 + 8, 64);
  ExpectRefused(Open(), "damaged");
}

TEST_F(StoreIntegrityTest, BooksThatDisagreeAreRefused) {
  MakeStore(4);
  RawSql("UPDATE counters SET ballots_cast = 9 WHERE test = 0");
  ExpectRefused(Open(), "counter says 9");
  RawSql("UPDATE counters SET ballots_cast = 4 WHERE test = 0");
  RawSql("UPDATE votes SET count = count + 1 WHERE option_id = 'japarov'");
  ExpectRefused(Open(), "recount");
}

TEST_F(StoreIntegrityTest, AnAlteredImageIsRefused) {
  MakeStore(2);
  const std::filesystem::path image =
      dir_ / "images" / ToHex(Sha256(std::span<const std::uint8_t>(ImageBytes(1))));
  ASSERT_TRUE(std::filesystem::exists(image));
  Scribble(image, 100, 4);
  ExpectRefused(Open(), "does not match its hash");
}

// Every page of the database file damaged in turn: the store is refused, or what it opens with
// is exactly what was cast.
TEST_F(StoreIntegrityTest, ADamagedPageAnywhereIsRefusedOrHarmless) {
  MakeStore(8);
  const std::filesystem::path pristine = root_ / "pristine.db";
  std::filesystem::copy_file(dir_ / "esep.db", pristine);
  const std::int64_t pages = static_cast<std::int64_t>(std::filesystem::file_size(pristine)) / 4096;
  ASSERT_GT(pages, 5);
  int refused = 0;
  for (std::int64_t page = 1; page <= pages; ++page) {
    SCOPED_TRACE(::testing::Message() << "page " << page);
    std::filesystem::copy_file(pristine, dir_ / "esep.db",
                               std::filesystem::copy_options::overwrite_existing);
    // The end of a page, where SQLite keeps the cells of a lightly filled page.
    Scribble(dir_ / "esep.db", page * 4096 - 1024, 1024);
    absl::StatusOr<std::unique_ptr<BallotStore>> store = Open();
    if (!store.ok()) {
      ++refused;
      continue;
    }
    EXPECT_EQ((*store)->GetTally(false)->ballots_cast, 8);
    EXPECT_EQ((*store)->Records(false)->size(), 8u);
  }
  EXPECT_GT(refused, pages / 2);
}

TEST_F(StoreIntegrityTest, ATornWitnessSlotKeepsThePreviousMark) {
  MakeStore(2);
  Scribble(witness_, 10, 8);  // one slot torn
  absl::StatusOr<std::unique_ptr<BallotStore>> store = Open();
  ASSERT_TRUE(store.ok()) << store.status();
  Cast(**store, 40);
}

}  // namespace
}  // namespace esep::scanner
