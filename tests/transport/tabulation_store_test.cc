#include "esep/transport/tabulation_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "esep/proto/sha256.h"
#include "esep/transport/signing.h"
#include "tabulation_fixture.h"

namespace esep::transport {
namespace {

using testing::ScratchDir;

constexpr char kSqlite[] = "SQLite";
constexpr char kPostgres[] = "PostgreSQL";

using testing::PostgresAddressOf;

std::string AsAdmin(const std::string& address, const std::string& sql) {
  return testing::RunSql(address, sql);
}

// The tests' PostgreSQL server (started by the ctest fixture "postgres"), as its superuser.
std::string AdminAddress() {
  const char* address = std::getenv("ESEP_TEST_POSTGRES");
  return address ? address : "";
}

// The address of `role` in `database` on the tests' server.
std::string AddressOf(const std::string& role, const std::string& database) {
  return PostgresAddressOf(AdminAddress(), role, database);
}

// A new database on the tests' server with the centre's schema, owned by esep_owner; the centre
// connects as esep_centre, which may only insert and read.
std::string NewPostgresDatabase() {
  static std::atomic<int> counter{0};
  const std::string admin = AdminAddress();
  EXPECT_FALSE(admin.empty())
      << "ESEP_TEST_POSTGRES is not set: run this test through ctest, whose fixture starts a "
         "PostgreSQL server (tests/transport/postgres_server.sh), or set it to a superuser's "
         "postgresql:// address";
  if (admin.empty()) return "";
  // Tests run in parallel: the roles may be being made by another one.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const std::string error =
        AsAdmin(admin,
                "DO $$ BEGIN "
                "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'esep_owner') THEN "
                "CREATE ROLE esep_owner LOGIN; END IF; "
                "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'esep_centre') THEN "
                "CREATE ROLE esep_centre LOGIN; END IF; END $$");
    if (error.empty()) break;
    usleep(100000);
  }
  const std::string database = absl::StrCat("esep_test_", getpid(), "_", counter.fetch_add(1));
  const std::string error =
      AsAdmin(admin, absl::StrCat("CREATE DATABASE ", database, " OWNER esep_owner"));
  EXPECT_TRUE(error.empty()) << error;
  const absl::Status schema = SetUpPostgresSchema(AddressOf("esep_owner", database), "esep_centre");
  EXPECT_TRUE(schema.ok()) << schema;
  return AddressOf("esep_centre", database);
}

// The same suite runs against every backend of TabulationStore.
class TabulationStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (postgres()) {
      address_ = NewPostgresDatabase();
      ASSERT_FALSE(address_.empty());
    } else {
      address_ = (dir_.path() / "tabulation.db").string();
    }
    Reopen();
  }

  bool postgres() const { return GetParam() == kPostgres; }

  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<TabulationStore>> store = TabulationStore::Open(address_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // A change of stored data is refused by the database: in SQLite by the triggers (saying
  // `why`); in PostgreSQL already by the centre's role, which may only insert and read (the
  // triggers stand behind it, see OwnerIsRefusedByTheTriggersAndCentreCannotDropThem).
  void ExpectRefused(const std::string& sql, const std::string& why) {
    const absl::Status refused = store_->ExecForTesting(sql);
    EXPECT_FALSE(refused.ok()) << sql;
    if (postgres()) {
      EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied) << refused;
    } else {
      EXPECT_NE(refused.message().find(why), std::string::npos) << refused;
    }
  }

  // A submission whose protocol bytes are `content`.
  static Submission Make(const std::string& precinct, std::uint32_t revision, ProtocolStatus status,
                         const std::string& content) {
    Submission s;
    s.election_id = "e";
    s.precinct_id = precinct;
    s.reader_serial = "R1";
    s.revision = revision;
    s.status = status;
    s.signed_protocol = content;
    s.protocol_sha256 = ToHex(Sha256(content));
    return s;
  }

  absl::StatusOr<Receipt> Append(const Submission& s) {
    return store_->Append(s, [this](const ReceiptBody& body) { return SignReceipt(body, key_); });
  }

  ReceiptBody BodyOf(const Receipt& receipt) {
    absl::StatusOr<ReceiptBody> body = VerifyReceipt(receipt, key_.public_key());
    EXPECT_TRUE(body.ok()) << body.status();
    return body.ok() ? *body : ReceiptBody();
  }

  ScratchDir dir_;
  std::string address_;
  SigningKey key_ = SigningKey::Generate();
  std::unique_ptr<TabulationStore> store_;
};

TEST_P(TabulationStoreTest, FirstFinalProtocolIsAcceptedWithSignedReceipt) {
  const Submission s = Make("1001", 1, FINAL, "protocol A");
  absl::StatusOr<Receipt> receipt = Append(s);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  const ReceiptBody body = BodyOf(*receipt);
  EXPECT_EQ(body.precinct_id(), "1001");
  EXPECT_EQ(body.revision(), 1u);
  EXPECT_EQ(body.protocol_sha256(), s.protocol_sha256);
  EXPECT_EQ(body.disposition(), RECEIPT_ACCEPTED);
  EXPECT_EQ(body.sequence(), 1u);
  absl::StatusOr<std::vector<StoredProtocol>> stored = store_->Protocols();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].signed_protocol, "protocol A");
  EXPECT_EQ((*stored)[0].receipt, receipt->SerializeAsString());
}

TEST_P(TabulationStoreTest, ReplayAnswersTheStoredReceiptEvenAfterReopening) {
  absl::StatusOr<Receipt> first = Append(Make("1001", 1, FINAL, "protocol A"));
  ASSERT_TRUE(first.ok());
  Reopen();
  absl::StatusOr<Receipt> again = Append(Make("1001", 1, FINAL, "protocol A"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(store_->Protocols()->size(), 1u);
  EXPECT_TRUE(store_->Alarms()->empty());
}

TEST_P(TabulationStoreTest, OtherBytesWithStoredRevisionAreRefusedAndRaiseAnAlarm) {
  ASSERT_TRUE(Append(Make("1001", 1, FINAL, "protocol A")).ok());
  absl::StatusOr<Receipt> conflict = Append(Make("1001", 1, FINAL, "protocol B"));
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(conflict.status().message().find("different protocol with revision 1"),
            std::string::npos)
      << conflict.status();
  absl::StatusOr<std::vector<Alarm>> alarms = store_->Alarms();
  ASSERT_TRUE(alarms.ok());
  ASSERT_EQ(alarms->size(), 1u);
  EXPECT_EQ((*alarms)[0].code, "ALREADY_EXISTS");
  EXPECT_EQ((*alarms)[0].precinct_id, "1001");
  EXPECT_EQ(store_->Protocols()->size(), 1u);
}

TEST_P(TabulationStoreTest, CorrectionAboveLatestIsKeptWithItsHistory) {
  ASSERT_TRUE(Append(Make("1001", 1, FINAL, "protocol A")).ok());
  ASSERT_TRUE(Append(Make("1002", 1, FINAL, "protocol C")).ok());
  absl::StatusOr<Receipt> correction = Append(Make("1001", 2, CORRECTION, "protocol A2"));
  ASSERT_TRUE(correction.ok()) << correction.status();
  EXPECT_EQ(BodyOf(*correction).disposition(), RECEIPT_CORRECTION);

  absl::StatusOr<std::vector<StoredProtocol>> history = store_->History("1001");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].signed_protocol, "protocol A");
  EXPECT_EQ((*history)[1].signed_protocol, "protocol A2");

  absl::StatusOr<std::vector<StoredProtocol>> latest = store_->LatestProtocols();
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->size(), 2u);
  EXPECT_EQ((*latest)[0].precinct_id, "1001");
  EXPECT_EQ((*latest)[0].revision, 2u);
  EXPECT_EQ((*latest)[1].precinct_id, "1002");
}

TEST_P(TabulationStoreTest, HigherRevisionIsAcceptedOnlyAsCorrection) {
  ASSERT_TRUE(Append(Make("1001", 1, FINAL, "protocol A")).ok());
  absl::StatusOr<Receipt> final_again = Append(Make("1001", 2, FINAL, "protocol A2"));
  EXPECT_EQ(final_again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(final_again.status().message().find("CORRECTION"), std::string::npos);
  EXPECT_EQ(store_->Alarms()->size(), 1u);
}

TEST_P(TabulationStoreTest, CorrectionMustFollowAFinalProtocolAndRaiseTheRevision) {
  EXPECT_EQ(Append(Make("1001", 2, CORRECTION, "early")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Append(Make("1001", 3, FINAL, "protocol A")).ok());
  EXPECT_EQ(Append(Make("1001", 2, CORRECTION, "older")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Alarms()->size(), 2u);
  EXPECT_EQ(store_->Protocols()->size(), 1u);
}

TEST_P(TabulationStoreTest, EachBallotKindOfAPrecinctHasItsOwnFinalProtocolAndCorrections) {
  auto of_kind = [](Submission s, const std::string& kind) {
    s.ballot_kind = kind;
    return s;
  };
  absl::StatusOr<Receipt> list = Append(of_kind(Make("1001", 1, FINAL, "list"), "list"));
  ASSERT_TRUE(list.ok()) << list.status();
  absl::StatusOr<Receipt> district =
      Append(of_kind(Make("1001", 2, FINAL, "district"), "district"));
  ASSERT_TRUE(district.ok()) << district.status();
  EXPECT_EQ(BodyOf(*district).disposition(), RECEIPT_ACCEPTED);
  // A correction of the district only; a second FINAL of a kind is refused, as is a FINAL that
  // does not raise the precinct's revision.
  absl::StatusOr<Receipt> correction =
      Append(of_kind(Make("1001", 3, CORRECTION, "district 2"), "district"));
  ASSERT_TRUE(correction.ok()) << correction.status();
  EXPECT_EQ(BodyOf(*correction).disposition(), RECEIPT_CORRECTION);
  absl::StatusOr<Receipt> again = Append(of_kind(Make("1001", 4, FINAL, "list 2"), "list"));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("of ballot kind list"), std::string::npos)
      << again.status();
  EXPECT_EQ(Append(of_kind(Make("1002", 1, FINAL, "p"), "district")).status().code(),
            absl::StatusCode::kOk);
  EXPECT_EQ(Append(of_kind(Make("1002", 1, FINAL, "q"), "list")).status().code(),
            absl::StatusCode::kAlreadyExists);

  absl::StatusOr<std::vector<StoredProtocol>> latest = store_->LatestProtocols();
  ASSERT_TRUE(latest.ok()) << latest.status();
  ASSERT_EQ(latest->size(), 3u);
  EXPECT_EQ((*latest)[0].signed_protocol, "list");
  EXPECT_EQ((*latest)[0].ballot_kind, "list");
  EXPECT_EQ((*latest)[1].signed_protocol, "district 2");
  EXPECT_EQ((*latest)[1].ballot_kind, "district");
  EXPECT_EQ((*latest)[2].precinct_id, "1002");
}

TEST_P(TabulationStoreTest, StoredProtocolsAndAlarmsCannotBeChangedOrDeleted) {
  ASSERT_TRUE(Append(Make("1001", 1, FINAL, "protocol A")).ok());
  ASSERT_FALSE(Append(Make("1001", 1, FINAL, "protocol B")).ok());
  for (const char* sql : {"UPDATE protocols SET revision = 7", "DELETE FROM protocols",
                          "UPDATE alarms SET reason = 'nothing'", "DELETE FROM alarms"}) {
    ExpectRefused(sql, "append-only");
  }
  EXPECT_EQ(store_->Protocols()->front().revision, 1u);
  EXPECT_EQ(store_->Alarms()->size(), 1u);
}

TEST_P(TabulationStoreTest, ConcurrentSubmissionsAreEachStoredOnceInOrder) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::uint64_t>> sequences(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string precinct = std::to_string(t * 1000 + i);
        absl::StatusOr<Receipt> receipt = Append(Make(precinct, 1, FINAL, "p" + precinct));
        if (receipt.ok()) sequences[t].push_back(BodyOf(*receipt).sequence());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::uint64_t> all;
  for (const auto& per_thread : sequences) all.insert(per_thread.begin(), per_thread.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(store_->Protocols()->size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_P(TabulationStoreTest, HeldProtocolIsStoredWithItsReasonReceiptAndAlarm) {
  Submission held = Make("1001", 1, FINAL, "protocol A");
  held.held_reason = "ballots in the boxes L6 + L7 = 3440 are more than the voters on the list";
  absl::StatusOr<Receipt> receipt = Append(held);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  const ReceiptBody body = BodyOf(*receipt);
  EXPECT_EQ(body.disposition(), RECEIPT_HELD_FOR_REVIEW);
  EXPECT_EQ(body.review_reason(), held.held_reason);
  absl::StatusOr<std::vector<StoredProtocol>> stored = store_->Protocols();
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].held_reason, held.held_reason);
  absl::StatusOr<std::vector<Alarm>> alarms = store_->Alarms();
  ASSERT_EQ(alarms->size(), 1u);
  EXPECT_EQ((*alarms)[0].code, kHeldForReviewAlarm);
  EXPECT_NE((*alarms)[0].reason.find(held.held_reason), std::string::npos);

  // Sent again: the same receipt, no second alarm. A correction above it is counted as usual.
  absl::StatusOr<Receipt> again = Append(held);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), receipt->SerializeAsString());
  absl::StatusOr<Receipt> correction = Append(Make("1001", 2, CORRECTION, "protocol A2"));
  ASSERT_TRUE(correction.ok()) << correction.status();
  EXPECT_EQ(BodyOf(*correction).disposition(), RECEIPT_CORRECTION);
  EXPECT_TRUE(BodyOf(*correction).review_reason().empty());
  EXPECT_FALSE(store_->LatestProtocols()->front().held());
  EXPECT_EQ(store_->Alarms()->size(), 1u);
  EXPECT_FALSE(store_->ExecForTesting("UPDATE protocols SET held_reason = ''").ok());
}

TEST(SqliteTabulationStoreTest, StoreFromBeforeHeldProtocolsOpensWithItsProtocolsCounted) {
  ScratchDir dir;
  const SigningKey key = SigningKey::Generate();
  const std::filesystem::path path = dir.path() / "old.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE protocols (sequence INTEGER PRIMARY KEY, precinct_id TEXT "
                         "NOT NULL, reader_serial TEXT NOT NULL, revision INTEGER NOT NULL, "
                         "status INTEGER NOT NULL, signed_protocol BLOB NOT NULL, protocol_sha256 "
                         "TEXT NOT NULL, receipt BLOB NOT NULL, received_unix_seconds INTEGER NOT "
                         "NULL, UNIQUE (precinct_id, revision));"
                         "INSERT INTO protocols VALUES (1, '1001', 'R1', 1, 2, x'00', 'ab', x'00', "
                         "1617213600);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  for (int open = 0; open < 2; ++open) {
    absl::StatusOr<std::unique_ptr<TabulationStore>> store = TabulationStore::Open(path.string());
    ASSERT_TRUE(store.ok()) << store.status();
    absl::StatusOr<std::vector<StoredProtocol>> latest = (*store)->LatestProtocols();
    ASSERT_TRUE(latest.ok()) << latest.status();
    ASSERT_EQ(latest->size(), 1u);
    EXPECT_FALSE((*latest)[0].held());
    Submission correction;
    correction.election_id = "e";
    correction.precinct_id = "1001";
    correction.reader_serial = "R1";
    correction.revision = static_cast<std::uint32_t>(2 + open);
    correction.status = CORRECTION;
    correction.signed_protocol = "protocol " + std::to_string(open);
    correction.protocol_sha256 = ToHex(Sha256(correction.signed_protocol));
    absl::StatusOr<Receipt> next = (*store)->Append(
        correction, [&key](const ReceiptBody& body) { return SignReceipt(body, key); });
    EXPECT_TRUE(next.ok()) << next.status();
  }
}

TEST_P(TabulationStoreTest, ReaderIsRegisteredOncePerPrecinct) {
  RegisteredReader reader{"1001", "R1", std::string(32, 'k'), "ab", 0};
  ASSERT_TRUE(store_->RegisterReader(reader).ok());
  absl::Status again = store_->RegisterReader(reader);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
  absl::StatusOr<std::vector<RegisteredReader>> readers = store_->ReadersOf("1001");
  ASSERT_TRUE(readers.ok());
  ASSERT_EQ(readers->size(), 1u);
  EXPECT_EQ((*readers)[0].public_key, reader.public_key);
  EXPECT_TRUE(store_->ReadersOf("1002")->empty());
  EXPECT_TRUE(store_->ReadersOf("")->empty());
  EXPECT_EQ(store_->Readers()->size(), 1u);
}

TEST_P(TabulationStoreTest, RevocationIsRecordedWithItsReasonOnceAndForGood) {
  ASSERT_TRUE(store_->RegisterReader({"1001", "R1", std::string(32, 'k'), "ab", 0}).ok());
  ASSERT_TRUE(store_->RegisterReader({"1001", "R2", std::string(32, 'm'), "cd", 0}).ok());
  EXPECT_EQ(store_->RevokeReader("1001", "R9", "lost").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->RevokeReader("1002", "R1", "lost").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->RevokeReader("1001", "R1", "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(store_->ReadersOf("1001")->front().revoked());

  ASSERT_TRUE(store_->RevokeReader("1001", "R1", "key compromised").ok());
  EXPECT_EQ(store_->RevokeReader("1001", "R1", "again").code(), absl::StatusCode::kAlreadyExists);
  absl::StatusOr<std::vector<RegisteredReader>> readers = store_->ReadersOf("1001");
  ASSERT_TRUE(readers.ok());
  ASSERT_EQ(readers->size(), 2u);
  EXPECT_TRUE((*readers)[0].revoked());
  EXPECT_GT((*readers)[0].revoked_unix_seconds, 0);
  EXPECT_EQ((*readers)[0].revocation_reason, "key compromised");
  EXPECT_FALSE((*readers)[1].revoked());
  for (const char* sql : {"UPDATE revocations SET reason = 'none'", "DELETE FROM revocations"}) {
    ExpectRefused(sql, "permanent");
  }
  EXPECT_TRUE(store_->Readers()->front().revoked());
}

INSTANTIATE_TEST_SUITE_P(Backends, TabulationStoreTest, ::testing::Values(kSqlite, kPostgres),
                         [](const ::testing::TestParamInfo<std::string>& backend) {
                           return backend.param;
                         });

// PostgreSQL only: several centre instances on one database, a connection lost mid-night, and
// the roles that keep stored data append-only.
class PostgresTabulationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    address_ = NewPostgresDatabase();
    ASSERT_FALSE(address_.empty());
  }

  std::unique_ptr<TabulationStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<TabulationStore>> store = TabulationStore::Open(address_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  static Submission Make(const std::string& precinct, const std::string& content) {
    Submission s;
    s.election_id = "e";
    s.precinct_id = precinct;
    s.reader_serial = "R1";
    s.revision = 1;
    s.status = FINAL;
    s.signed_protocol = content;
    s.protocol_sha256 = ToHex(Sha256(content));
    return s;
  }

  ReceiptSigner Signer() {
    return [this](const ReceiptBody& body) { return SignReceipt(body, key_); };
  }

  std::string address_;
  SigningKey key_ = SigningKey::Generate();
};

TEST_F(PostgresTabulationStoreTest, TwoInstancesReceivingTheSameProtocolsStoreEachOnce) {
  std::unique_ptr<TabulationStore> first = OpenStore();
  std::unique_ptr<TabulationStore> second = OpenStore();
  ASSERT_TRUE(first && second);
  constexpr int kPrecincts = 60;
  // Every protocol is sent to both instances at once, by two threads each.
  std::map<std::pair<int, int>, std::string> receipts;  // (precinct, sender) -> receipt
  std::mutex receipts_lock;
  std::vector<std::thread> senders;
  for (int sender = 0; sender < 4; ++sender) {
    senders.emplace_back([&, sender] {
      TabulationStore& store = sender % 2 == 0 ? *first : *second;
      for (int p = 0; p < kPrecincts; ++p) {
        const std::string precinct = std::to_string(2000 + p);
        absl::StatusOr<Receipt> receipt = store.Append(Make(precinct, "p" + precinct), Signer());
        ASSERT_TRUE(receipt.ok()) << receipt.status();
        std::lock_guard lock(receipts_lock);
        receipts[{p, sender}] = receipt->SerializeAsString();
      }
    });
  }
  for (std::thread& sender : senders) sender.join();
  for (int p = 0; p < kPrecincts; ++p) {
    for (int sender = 1; sender < 4; ++sender) {
      EXPECT_EQ(receipts[std::make_pair(p, sender)], receipts[std::make_pair(p, 0)])
          << "precinct " << 2000 + p;
    }
  }
  absl::StatusOr<std::vector<StoredProtocol>> stored = second->Protocols();
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->size(), static_cast<std::size_t>(kPrecincts));
  for (std::size_t i = 0; i < stored->size(); ++i) {
    EXPECT_EQ((*stored)[i].sequence, static_cast<std::int64_t>(i + 1));
  }
  EXPECT_TRUE(first->Alarms()->empty());
}

TEST_F(PostgresTabulationStoreTest, StoreReconnectsAfterItsConnectionsAreCut) {
  std::unique_ptr<TabulationStore> store = OpenStore();
  ASSERT_TRUE(store);
  absl::StatusOr<Receipt> before = store->Append(Make("1001", "a"), Signer());
  ASSERT_TRUE(before.ok()) << before.status();
  const std::string database = address_.substr(address_.rfind('/') + 1);
  EXPECT_EQ(
      AsAdmin(AdminAddress(), absl::StrCat("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                           "WHERE datname = '",
                                           database, "' AND usename = 'esep_centre'")),
      "");
  absl::StatusOr<Receipt> after = store->Append(Make("1002", "b"), Signer());
  ASSERT_TRUE(after.ok()) << after.status();
  absl::StatusOr<Receipt> replay = store->Append(Make("1001", "a"), Signer());
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->SerializeAsString(), before->SerializeAsString());
  EXPECT_EQ(store->Protocols()->size(), 2u);
}

TEST_F(PostgresTabulationStoreTest, OwnerIsRefusedByTheTriggersAndCentreCannotDropThem) {
  std::unique_ptr<TabulationStore> store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Append(Make("1001", "a"), Signer()).ok());
  const std::string database = address_.substr(address_.rfind('/') + 1);
  const std::string owner = AddressOf("esep_owner", database);
  for (const char* sql : {"UPDATE protocols SET revision = 7", "DELETE FROM protocols",
                          "TRUNCATE protocols", "DELETE FROM alarms", "TRUNCATE revocations"}) {
    EXPECT_NE(AsAdmin(owner, sql).find("append-only") + AsAdmin(owner, sql).find("permanent"),
              2 * std::string::npos)
        << sql << ": " << AsAdmin(owner, sql);
  }
  for (const char* sql :
       {"DROP TRIGGER protocols_append_only_update ON protocols",
        "ALTER TABLE protocols DISABLE TRIGGER ALL", "TRUNCATE protocols", "DROP TABLE alarms"}) {
    EXPECT_FALSE(store->ExecForTesting(sql).ok()) << sql;
  }
  EXPECT_EQ(store->Protocols()->size(), 1u);
  // The owner cannot be the centre's role: it could change what is stored.
  absl::StatusOr<std::unique_ptr<TabulationStore>> as_owner = TabulationStore::Open(owner);
  EXPECT_EQ(as_owner.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(as_owner.status().message().find("owns the tabulation schema"), std::string::npos)
      << as_owner.status();
}

TEST_F(PostgresTabulationStoreTest, BadAddressesAreClearErrors) {
  absl::StatusOr<std::unique_ptr<TabulationStore>> down =
      TabulationStore::Open("postgresql://esep_centre@127.0.0.1:1/nothing?connect_timeout=1");
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(down.status().message().find("cannot connect"), std::string::npos) << down.status();
  absl::StatusOr<std::unique_ptr<TabulationStore>> garbled =
      TabulationStore::Open("postgresql://[::1");
  EXPECT_FALSE(garbled.ok());
  const std::string database = address_.substr(address_.rfind('/') + 1);
  EXPECT_EQ(AsAdmin(AdminAddress(), absl::StrCat("CREATE DATABASE ", database, "_bare")), "");
  absl::StatusOr<std::unique_ptr<TabulationStore>> bare =
      TabulationStore::Open(AddressOf("esep_centre", database + "_bare"));
  EXPECT_EQ(bare.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(bare.status().message().find("setup-postgres"), std::string::npos) << bare.status();
  EXPECT_EQ(SetUpPostgresSchema("/var/lib/esep/tabulation.db", "esep_centre").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SetUpPostgresSchema(AddressOf("esep_owner", database), "esep_owner").code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace esep::transport
