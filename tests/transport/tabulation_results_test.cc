// ResultsOfStore against a store whose rows were changed after they were stored: each changed
// row (re-signed with another key included) is listed with its reason and never counted, and the
// other precincts are published.
#include "esep/transport/tabulation_results.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "esep/proto/sha256.h"
#include "esep/transport/results_format.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_store.h"
#include "tabulation_fixture.h"

namespace esep::transport {
namespace {

using testing::ScratchDir;

class TabulationResultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TabulationStore>> store =
        testing::OpenStoreWithTwoReaders(data_.path(), r1_, r2_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    Store(SignProtocol(Valid("1001"), r1_));
    Store(SignProtocol(Valid("1002"), r2_));
  }

  PrecinctProtocol Valid(const std::string& precinct, std::uint64_t variant = 0) {
    return testing::ValidProtocol(election_, precinct, precinct == "1001" ? "R1" : "R2", 1, FINAL,
                                  variant);
  }

  void Store(const SignedProtocol& signed_protocol) {
    PrecinctProtocol protocol;
    ASSERT_TRUE(protocol.ParseFromString(signed_protocol.protocol()));
    Submission submission;
    submission.election_id = protocol.election_id();
    submission.precinct_id = protocol.precinct_id();
    submission.reader_serial = protocol.reader_serial();
    submission.revision = protocol.revision();
    submission.status = protocol.status();
    submission.signed_protocol = signed_protocol.SerializeAsString();
    submission.protocol_sha256 = ToHex(Sha256(signed_protocol.protocol()));
    ASSERT_TRUE(store_
                    ->Append(submission,
                             [&](const ReceiptBody& body) { return SignReceipt(body, centre_); })
                    .ok());
  }

  // Changes the stored row of precinct 1001 as someone with the database file could: the
  // append-only trigger dropped first.
  void Tamper(const std::string& assignment) {
    ASSERT_TRUE(store_
                    ->ExecForTesting(absl::StrCat(
                        "DROP TRIGGER protocols_append_only_update; UPDATE protocols SET ",
                        assignment, " WHERE precinct_id = '1001'"))
                    .ok());
  }

  static std::string SqlBlob(const std::string& bytes) {
    return absl::StrCat("X'", absl::BytesToHexString(bytes), "'");
  }

  // Expects 1001 listed (as stored, revision `revision`), not counted, with `words` in its
  // reason, and 1002 published alone.
  void ExpectOnlyTheOtherPrecinctCounted(const std::string& words, std::uint32_t revision = 1) {
    absl::StatusOr<Results> results = ResultsOfStore(election_, *store_);
    ASSERT_TRUE(results.ok()) << results.status();
    EXPECT_EQ(results->precincts_counted, 1u);
    ASSERT_EQ(results->precincts.size(), 1u);
    EXPECT_EQ(results->precincts[0].id, "1002");
    EXPECT_EQ(results->national.ballots_in_boxes, results->precincts[0].ballots_in_boxes);
    ASSERT_EQ(results->excluded.size(), 1u);
    EXPECT_EQ(results->excluded[0].precinct_id, "1001");
    EXPECT_EQ(results->excluded[0].exclusion, Exclusion::kRefused);
    EXPECT_NE(results->excluded[0].reason.find(words), std::string::npos)
        << results->excluded[0].reason;

    absl::StatusOr<std::string> text = FormatResultsText(*results);
    ASSERT_TRUE(text.ok()) << text.status();
    EXPECT_NE(text->find("PARTIAL RESULTS"), std::string::npos);
    EXPECT_NE(text->find(absl::StrCat("== Not counted (1) ==\nPrecinct 1001, protocol revision ",
                                      revision, ": refused: ")),
              std::string::npos)
        << *text;
  }

  ScratchDir data_;
  Election election_ = testing::PartyListElection();
  SigningKey r1_ = SigningKey::Generate();
  SigningKey r2_ = SigningKey::Generate();
  SigningKey centre_ = SigningKey::Generate();
  std::unique_ptr<TabulationStore> store_;
};

TEST_F(TabulationResultsTest, CountsEveryStoredProtocolThatVerifies) {
  absl::StatusOr<Results> results = ResultsOfStore(election_, *store_);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->precincts_counted, 2u);
  EXPECT_TRUE(results->excluded.empty());
}

// Votes moved between two options in the stored bytes, the precinct's signature kept.
TEST_F(TabulationResultsTest, AProtocolAlteredInTheStoreIsListedAndNeverCounted) {
  SignedProtocol altered = SignProtocol(Valid("1001"), r1_);
  altered.set_protocol(SignProtocol(Valid("1001", /*variant=*/5), r1_).protocol());
  Tamper(absl::StrCat("signed_protocol = ", SqlBlob(altered.SerializeAsString())));
  ExpectOnlyTheOtherPrecinctCounted("stored protocol 1 does not verify");
}

// The altered protocol signed again, with a key of the tamperer's own carried in the envelope:
// its signature is valid, but not by the reader the protocol is stored under.
TEST_F(TabulationResultsTest, AProtocolReSignedInTheStoreWithAnotherKeyIsListed) {
  const SigningKey tamperer = SigningKey::Generate();
  Tamper(absl::StrCat(
      "signed_protocol = ",
      SqlBlob(SignProtocol(Valid("1001", /*variant=*/5), tamperer).SerializeAsString())));
  ExpectOnlyTheOtherPrecinctCounted(
      "stored protocol 1 does not verify: the protocol is signed by key");
}

// A reader's registration removed from the store: its protocols no longer verify.
TEST_F(TabulationResultsTest, AProtocolOfAReaderTheStoreNoLongerHasIsListed) {
  ASSERT_TRUE(store_->ExecForTesting("DELETE FROM readers WHERE precinct_id = '1001'").ok());
  ExpectOnlyTheOtherPrecinctCounted("which is not registered for precinct 1001");
}

// A revoked reader's protocol stored before the revocation was its own: it still counts.
TEST_F(TabulationResultsTest, AProtocolStoredBeforeItsReaderWasRevokedStillCounts) {
  ASSERT_TRUE(store_->RevokeReader("1001", "R1", "lost after the count").ok());
  absl::StatusOr<Results> results = ResultsOfStore(election_, *store_);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->precincts_counted, 2u);
}

// A row filed as received after its reader was revoked was never accepted by the centre (whoever
// holds a lost reader's key and the database file could write one): it is listed.
TEST_F(TabulationResultsTest, AProtocolFiledAfterItsReaderWasRevokedIsListed) {
  ASSERT_TRUE(store_->RevokeReader("1001", "R1", "stolen").ok());
  Tamper("received_unix_seconds = received_unix_seconds + 86400");
  ExpectOnlyTheOtherPrecinctCounted(
      "stored protocol 1 is filed as received after its reader R1 "
      "was revoked");
}

TEST_F(TabulationResultsTest, AStoredRowThatCannotBeReadBackIsListed) {
  Tamper(absl::StrCat("signed_protocol = ", SqlBlob(std::string(40, '\xff'))));
  ExpectOnlyTheOtherPrecinctCounted("stored protocol 1 cannot be read back");
}

TEST_F(TabulationResultsTest, AStoredRowFiledUnderAnotherRevisionIsListed) {
  Tamper("revision = 2");
  ExpectOnlyTheOtherPrecinctCounted("is filed as precinct 1001 revision 2", 2);
}

}  // namespace
}  // namespace esep::transport
