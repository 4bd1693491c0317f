// Protocols no real precinct can produce, through the whole centre: ingest, store and published
// results. A centre once published turnouts of 160% and 100,000%, and one correction with
// numbers near 2^63 stopped the country's results for good, even after its reader was revoked.
#include <gtest/gtest.h>

#include <mutex>

#include "esep/proto/sha256.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tabulation_results.h"
#include "esep/transport/tabulation_store.h"
#include "tabulation_fixture.h"

namespace esep::transport {
namespace {

using testing::ScratchDir;

class ImpossibleProtocolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TabulationStore>> store =
        testing::OpenStoreWithTwoReaders(data_.path(), r1_, r2_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    centre_ = std::make_unique<TabulationCentre>(election_, SigningKey::Generate(), store_.get(),
                                                 [this](std::string_view line) {
                                                   std::lock_guard lock(log_mutex_);
                                                   log_.emplace_back(line);
                                                 });
  }

  absl::StatusOr<Receipt> Submit(const PrecinctProtocol& protocol) {
    const bool r1 = protocol.reader_serial() == "R1";
    return centre_->Ingest(SignProtocol(protocol, r1 ? r1_ : r2_),
                           {r1 ? "cert-R1" : "cert-R2", protocol.reader_serial()});
  }

  // Submits `protocol` and returns the body of its receipt.
  ReceiptBody Delivered(const PrecinctProtocol& protocol) {
    absl::StatusOr<Receipt> receipt = Submit(protocol);
    EXPECT_TRUE(receipt.ok()) << receipt.status();
    if (!receipt.ok()) return ReceiptBody();
    absl::StatusOr<ReceiptBody> body = VerifyReceipt(*receipt, centre_->public_key());
    EXPECT_TRUE(body.ok()) << body.status();
    return body.ok() ? *body : ReceiptBody();
  }

  PrecinctProtocol Valid(const std::string& precinct, std::uint32_t revision = 1,
                         std::uint64_t variant = 0) {
    return testing::ValidProtocol(election_, precinct, precinct == "1001" ? "R1" : "R2", revision,
                                  revision == 1 ? FINAL : CORRECTION, variant);
  }

  // What `esep-tabulator results` publishes from the store now.
  Results Published() {
    absl::StatusOr<Results> results = ResultsOfStore(election_, *store_);
    EXPECT_TRUE(results.ok()) << results.status();
    return results.ok() ? *results : Results();
  }

  static const UnitTotals* CountedUnit(const Results& results, const std::string& precinct) {
    for (const UnitTotals& u : results.precincts) {
      if (u.id == precinct) return &u;
    }
    return nullptr;
  }

  std::vector<Alarm> Alarms() {
    absl::StatusOr<std::vector<Alarm>> alarms = store_->Alarms();
    EXPECT_TRUE(alarms.ok()) << alarms.status();
    return alarms.ok() ? *alarms : std::vector<Alarm>{};
  }

  // Expects the protocol of 1001 held for review with `words` in its reason: a receipt saying
  // so, stored with its reason, one alarm and one log line, and absent from every total.
  void ExpectHeld(const PrecinctProtocol& protocol, const std::string& words) {
    const ReceiptBody body = Delivered(protocol);
    EXPECT_EQ(body.disposition(), RECEIPT_HELD_FOR_REVIEW);
    EXPECT_NE(body.review_reason().find(words), std::string::npos) << body.review_reason();

    absl::StatusOr<std::vector<StoredProtocol>> history = store_->History("1001");
    ASSERT_TRUE(history.ok()) << history.status();
    ASSERT_FALSE(history->empty());
    EXPECT_TRUE(history->back().held());
    EXPECT_EQ(history->back().held_reason, body.review_reason());

    const std::vector<Alarm> alarms = Alarms();
    ASSERT_EQ(alarms.size(), 1u);
    EXPECT_EQ(alarms[0].code, kHeldForReviewAlarm);
    EXPECT_EQ(alarms[0].precinct_id, "1001");
    EXPECT_NE(alarms[0].reason.find(words), std::string::npos) << alarms[0].reason;
    {
      std::lock_guard lock(log_mutex_);
      ASSERT_EQ(log_.size(), 1u);
      EXPECT_NE(log_[0].find("ALARM HELD_FOR_REVIEW precinct=1001 reader=R1"), std::string::npos)
          << log_[0];
    }

    const Results results = Published();
    EXPECT_EQ(CountedUnit(results, "1001"), nullptr);
    ASSERT_NE(CountedUnit(results, "1002"), nullptr);
    EXPECT_EQ(results.precincts_counted, 1u);
    EXPECT_EQ(results.national.ballots_in_boxes, CountedUnit(results, "1002")->ballots_in_boxes);
    EXPECT_LE(results.national.turnout, kFullShare);
    ASSERT_EQ(results.excluded.size(), 1u);
    EXPECT_EQ(results.excluded[0].precinct_id, "1001");
    EXPECT_EQ(results.excluded[0].exclusion, Exclusion::kHeldForReview);
    EXPECT_NE(results.excluded[0].reason.find(words), std::string::npos)
        << results.excluded[0].reason;
  }

  ScratchDir data_;
  Election election_ = testing::PartyListElection();
  SigningKey r1_ = SigningKey::Generate();
  SigningKey r2_ = SigningKey::Generate();
  std::unique_ptr<TabulationStore> store_;
  std::unique_ptr<TabulationCentre> centre_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

TEST_F(ImpossibleProtocolsTest, TurnoutOf160PercentIsHeldAndNeverInTheResults) {
  ASSERT_EQ(Delivered(Valid("1002")).disposition(), RECEIPT_ACCEPTED);
  PrecinctProtocol protocol = testing::WithBallotsInBoxes(Valid("1001"), 3440);
  ASSERT_EQ(protocol.voters_on_list(), 2150u);
  ExpectHeld(protocol,
             "L6 + L7 = 3440 are more than the voters on the list L1 = 2150 (turnout "
             "160.00%)");
}

TEST_F(ImpossibleProtocolsTest, TurnoutOf100000PercentIsHeldAndNeverInTheResults) {
  ASSERT_EQ(Delivered(Valid("1002")).disposition(), RECEIPT_ACCEPTED);
  PrecinctProtocol protocol = Valid("1001");
  protocol.set_voters_on_list(2);
  ExpectHeld(testing::WithBallotsInBoxes(protocol, 2000), "(turnout 100000.00%)");
}

TEST_F(ImpossibleProtocolsTest, VotersOnTheListAboveThePrecinctsRegisteredVotersAreHeld) {
  ASSERT_EQ(Delivered(Valid("1002")).disposition(), RECEIPT_ACCEPTED);
  PrecinctProtocol protocol = Valid("1001");
  protocol.set_voters_on_list(2500);
  ExpectHeld(protocol,
             "voters on the list L1 = 2500 are more than the 2150 registered voters of the "
             "precinct in the election definition");
}

TEST_F(ImpossibleProtocolsTest, VotersOnTheListFarBelowTheRegisteredVotersAreCountedAndFlagged) {
  // Like the case (L1 = 1200 where the definition names 2150 registered voters), with
  // room for this protocol's 1220 ballots issued.
  PrecinctProtocol protocol = Valid("1001");
  protocol.set_voters_on_list(1300);
  protocol.set_commission_explanation("12 листов списка избирателей не найдены");
  ASSERT_LE(protocol.ballots_issued_in_room() + protocol.ballots_issued_outside(), 1300u);
  EXPECT_EQ(Delivered(protocol).disposition(), RECEIPT_ACCEPTED);
  const std::vector<Alarm> alarms = Alarms();
  ASSERT_EQ(alarms.size(), 1u);
  EXPECT_EQ(alarms[0].code, kFlaggedForReviewAlarm);
  EXPECT_EQ(alarms[0].precinct_id, "1001");
  EXPECT_NE(alarms[0].reason.find("stored and counted: voters on the list L1 = 1300 are 39% below "
                                  "the 2150 registered voters of the precinct in the election "
                                  "definition; the commission explains: 12 листов списка "
                                  "избирателей не найдены"),
            std::string::npos)
      << alarms[0].reason;
  {
    std::lock_guard lock(log_mutex_);
    ASSERT_EQ(log_.size(), 1u);
    EXPECT_NE(log_[0].find("ALARM FLAGGED_FOR_REVIEW precinct=1001 reader=R1"), std::string::npos)
        << log_[0];
  }
  EXPECT_NE(CountedUnit(Published(), "1001"), nullptr) << "flagged, and still counted";
}

TEST_F(ImpossibleProtocolsTest, AHeldProtocolSentAgainGetsTheSameReceiptAndNoSecondAlarm) {
  const PrecinctProtocol protocol = testing::WithBallotsInBoxes(Valid("1001"), 3440);
  absl::StatusOr<Receipt> first = Submit(protocol);
  absl::StatusOr<Receipt> again = Submit(protocol);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(store_->Protocols()->size(), 1u);
  EXPECT_EQ(Alarms().size(), 1u);
}

TEST_F(ImpossibleProtocolsTest, AHeldProtocolSupersededByAPossibleCorrectionIsCountedOnce) {
  ASSERT_EQ(Delivered(Valid("1002")).disposition(), RECEIPT_ACCEPTED);
  PrecinctProtocol held = testing::WithBallotsInBoxes(Valid("1001"), 3440);
  ASSERT_EQ(Delivered(held).disposition(), RECEIPT_HELD_FOR_REVIEW);
  ASSERT_EQ(Published().precincts_counted, 1u);

  const PrecinctProtocol correction = Valid("1001", 2, 3);
  const ReceiptBody body = Delivered(correction);
  EXPECT_EQ(body.disposition(), RECEIPT_CORRECTION);
  EXPECT_TRUE(body.review_reason().empty());

  const Results results = Published();
  EXPECT_TRUE(results.excluded.empty());
  EXPECT_EQ(results.precincts_counted, 2u);
  const UnitTotals* precinct = CountedUnit(results, "1001");
  ASSERT_NE(precinct, nullptr);
  EXPECT_EQ(precinct->revision, 2u);
  EXPECT_EQ(precinct->ballots_in_boxes, 1200u);
  // 1001 once, with its correction's numbers, plus 1002.
  EXPECT_EQ(results.national.ballots_in_boxes, 1200u + 1200u);
  EXPECT_EQ(results.national.contests[0].precincts_counted, 2u);
  EXPECT_EQ(
      results.national.contests[0].options[0].votes,
      correction.contests(0).options(0).votes() + Valid("1002").contests(0).options(0).votes());
  // The held revision stays in the history, still held.
  absl::StatusOr<std::vector<StoredProtocol>> history = store_->History("1001");
  ASSERT_EQ(history->size(), 2u);
  EXPECT_TRUE((*history)[0].held());
  EXPECT_FALSE((*history)[1].held());
}

TEST_F(ImpossibleProtocolsTest, AHeldCorrectionLeavesThePrecinctUnderReview) {
  ASSERT_EQ(Delivered(Valid("1001")).disposition(), RECEIPT_ACCEPTED);
  ASSERT_EQ(Delivered(Valid("1002")).disposition(), RECEIPT_ACCEPTED);
  PrecinctProtocol correction = testing::WithBallotsInBoxes(Valid("1001", 2), 3440);
  EXPECT_EQ(Delivered(correction).disposition(), RECEIPT_HELD_FOR_REVIEW);
  // The commission has replaced revision 1, and revision 2 cannot be counted: 1001 waits.
  const Results results = Published();
  EXPECT_EQ(CountedUnit(results, "1001"), nullptr);
  ASSERT_EQ(results.excluded.size(), 1u);
  EXPECT_EQ(results.excluded[0].revision, 2u);
  EXPECT_EQ(results.precincts_counted, 1u);
}

TEST_F(ImpossibleProtocolsTest, NearTwoToThe63CorrectionIsRefusedAndResultsStillWorkForAll) {
  ASSERT_EQ(Delivered(Valid("1001")).disposition(), RECEIPT_ACCEPTED);
  ASSERT_EQ(Delivered(Valid("1002")).disposition(), RECEIPT_ACCEPTED);
  const Results before = Published();
  ASSERT_EQ(before.precincts_counted, 2u);

  absl::StatusOr<Receipt> refused =
      Submit(testing::NearTwoToThe63Protocol(election_, "1001", "R1", 2, CORRECTION));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kOutOfRange) << refused.status();
  EXPECT_NE(refused.status().message().find(
                "numbers precinct 1001 cannot have (at most 4300 of anything: 2 x its 2150 "
                "registered voters in the election definition): L1 (voters on the list) "
                "18446744073709551615 is above 4300"),
            std::string::npos)
      << refused.status();
  EXPECT_EQ(store_->Protocols()->size(), 2u);
  const std::vector<Alarm> alarms = Alarms();
  ASSERT_EQ(alarms.size(), 1u);
  EXPECT_EQ(alarms[0].code, "OUT_OF_RANGE");

  // Results for everyone, 1001 with its final protocol; the same once the reader is revoked.
  for (const bool revoked : {false, true}) {
    if (revoked) {
      ASSERT_TRUE(store_->RevokeReader("1001", "R1", "sent impossible numbers").ok());
    }
    const Results results = Published();
    EXPECT_EQ(results.precincts_counted, 2u) << "revoked: " << revoked;
    EXPECT_TRUE(results.excluded.empty());
    EXPECT_EQ(results.national.voters_on_list, before.national.voters_on_list);
    EXPECT_EQ(results.national.ballots_in_boxes, before.national.ballots_in_boxes);
    ASSERT_NE(CountedUnit(results, "1001"), nullptr);
    EXPECT_EQ(CountedUnit(results, "1001")->revision, 1u);
  }
}

// A store written by a centre without bounds may already hold such a correction: the results of
// every other precinct are published, and the one precinct is listed with its reason.
TEST_F(ImpossibleProtocolsTest, NearTwoToThe63CorrectionAlreadyStoredDoesNotStopTheResults) {
  ASSERT_EQ(Delivered(Valid("1001")).disposition(), RECEIPT_ACCEPTED);
  ASSERT_EQ(Delivered(Valid("1002")).disposition(), RECEIPT_ACCEPTED);
  const SignedProtocol stored =
      SignProtocol(testing::NearTwoToThe63Protocol(election_, "1001", "R1", 2, CORRECTION), r1_);
  Submission submission;
  submission.election_id = election_.id();
  submission.precinct_id = "1001";
  submission.reader_serial = "R1";
  submission.revision = 2;
  submission.status = CORRECTION;
  submission.signed_protocol = stored.SerializeAsString();
  submission.protocol_sha256 = ToHex(Sha256(stored.protocol()));
  const SigningKey old_centre = SigningKey::Generate();
  ASSERT_TRUE(store_
                  ->Append(submission,
                           [&](const ReceiptBody& body) { return SignReceipt(body, old_centre); })
                  .ok());

  for (const bool revoked : {false, true}) {
    if (revoked) {
      ASSERT_TRUE(store_->RevokeReader("1001", "R1", "sent impossible numbers").ok());
    }
    const Results results = Published();
    EXPECT_EQ(results.precincts_counted, 1u) << "revoked: " << revoked;
    ASSERT_NE(CountedUnit(results, "1002"), nullptr);
    EXPECT_EQ(results.national.voters_on_list, CountedUnit(results, "1002")->voters_on_list);
    ASSERT_EQ(results.excluded.size(), 1u);
    EXPECT_EQ(results.excluded[0].precinct_id, "1001");
    EXPECT_EQ(results.excluded[0].revision, 2u);
    EXPECT_EQ(results.excluded[0].exclusion, Exclusion::kRefused);
    EXPECT_NE(results.excluded[0].reason.find("cannot have"), std::string::npos)
        << results.excluded[0].reason;
  }
}

}  // namespace
}  // namespace esep::transport
