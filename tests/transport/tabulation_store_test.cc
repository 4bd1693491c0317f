#include "esep/transport/tabulation_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>
#include <thread>

#include "esep/proto/sha256.h"
#include "esep/transport/signing.h"
#include "tabulation_fixture.h"

namespace esep::transport {
namespace {

using testing::ScratchDir;

class TabulationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<TabulationStore>> store =
        TabulationStore::Open((dir_.path() / "tabulation.db").string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
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
  SigningKey key_ = SigningKey::Generate();
  std::unique_ptr<TabulationStore> store_;
};

TEST_F(TabulationStoreTest, FirstFinalProtocolIsAcceptedWithSignedReceipt) {
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

TEST_F(TabulationStoreTest, ReplayAnswersTheStoredReceiptEvenAfterReopening) {
  absl::StatusOr<Receipt> first = Append(Make("1001", 1, FINAL, "protocol A"));
  ASSERT_TRUE(first.ok());
  Reopen();
  absl::StatusOr<Receipt> again = Append(Make("1001", 1, FINAL, "protocol A"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(store_->Protocols()->size(), 1u);
  EXPECT_TRUE(store_->Alarms()->empty());
}

TEST_F(TabulationStoreTest, OtherBytesWithStoredRevisionAreRefusedAndRaiseAnAlarm) {
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

TEST_F(TabulationStoreTest, CorrectionAboveLatestIsKeptWithItsHistory) {
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

TEST_F(TabulationStoreTest, HigherRevisionIsAcceptedOnlyAsCorrection) {
  ASSERT_TRUE(Append(Make("1001", 1, FINAL, "protocol A")).ok());
  absl::StatusOr<Receipt> final_again = Append(Make("1001", 2, FINAL, "protocol A2"));
  EXPECT_EQ(final_again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(final_again.status().message().find("CORRECTION"), std::string::npos);
  EXPECT_EQ(store_->Alarms()->size(), 1u);
}

TEST_F(TabulationStoreTest, CorrectionMustFollowAFinalProtocolAndRaiseTheRevision) {
  EXPECT_EQ(Append(Make("1001", 2, CORRECTION, "early")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Append(Make("1001", 3, FINAL, "protocol A")).ok());
  EXPECT_EQ(Append(Make("1001", 2, CORRECTION, "older")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Alarms()->size(), 2u);
  EXPECT_EQ(store_->Protocols()->size(), 1u);
}

TEST_F(TabulationStoreTest, EachBallotKindOfAPrecinctHasItsOwnFinalProtocolAndCorrections) {
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

TEST_F(TabulationStoreTest, StoredProtocolsAndAlarmsCannotBeChangedOrDeleted) {
  ASSERT_TRUE(Append(Make("1001", 1, FINAL, "protocol A")).ok());
  ASSERT_FALSE(Append(Make("1001", 1, FINAL, "protocol B")).ok());
  for (const char* sql : {"UPDATE protocols SET revision = 7", "DELETE FROM protocols",
                          "UPDATE alarms SET reason = 'nothing'", "DELETE FROM alarms"}) {
    absl::Status refused = store_->ExecForTesting(sql);
    EXPECT_FALSE(refused.ok()) << sql;
    EXPECT_NE(refused.message().find("append-only"), std::string::npos) << refused;
  }
  EXPECT_EQ(store_->Protocols()->front().revision, 1u);
  EXPECT_EQ(store_->Alarms()->size(), 1u);
}

TEST_F(TabulationStoreTest, ConcurrentSubmissionsAreEachStoredOnceInOrder) {
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

TEST_F(TabulationStoreTest, HeldProtocolIsStoredWithItsReasonReceiptAndAlarm) {
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

TEST_F(TabulationStoreTest, StoreFromBeforeHeldProtocolsOpensWithItsProtocolsCounted) {
  store_.reset();
  const std::filesystem::path path = dir_.path() / "old.db";
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
    absl::StatusOr<Receipt> next =
        (*store)->Append(Make("1001", 2 + open, CORRECTION, "protocol " + std::to_string(open)),
                         [this](const ReceiptBody& body) { return SignReceipt(body, key_); });
    EXPECT_TRUE(next.ok()) << next.status();
  }
}

TEST_F(TabulationStoreTest, ReaderIsRegisteredOncePerPrecinct) {
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

TEST_F(TabulationStoreTest, RevocationIsRecordedWithItsReasonOnceAndForGood) {
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
    absl::Status refused = store_->ExecForTesting(sql);
    EXPECT_FALSE(refused.ok()) << sql;
    EXPECT_NE(refused.message().find("permanent"), std::string::npos) << refused;
  }
  EXPECT_TRUE(store_->Readers()->front().revoked());
}

}  // namespace
}  // namespace esep::transport
