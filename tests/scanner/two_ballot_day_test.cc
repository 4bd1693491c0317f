// An election day with two ballots per voter (28 November 2021: party list and single-mandate
// district) fed into one reader: each sheet is read, returned or cast on its own, each kind is
// counted apart, and each kind gets its own protocol.

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "esep/proto/election.h"
#include "esep/proto/protocol_checks.h"
#include "esep/scanner/ballot_flow.h"
#include "esep/scanner/precinct.h"
#include "esep/scanner/protocol_builder.h"
#include "esep/scanner/simulated_reader.h"
#include "esep/transport/signing.h"
#include "test_sheets.h"

namespace esep::scanner {
namespace {

class TwoBallotDayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> e = LoadElectionFile("fixtures/elections/november-2021.json");
    ASSERT_TRUE(e.ok()) << e.status();
    election_ = *e;
    dir_ = testing::ScratchDirectory("esep-two-ballots");
    vision::InterpreterOptions options;
    options.precinct_id = "1001";
    absl::StatusOr<vision::Interpreter> live = vision::Interpreter::Create(election_, options);
    ASSERT_TRUE(live.ok()) << live.status();
    live_.emplace(std::move(*live));
    options.test_mode = true;
    absl::StatusOr<vision::Interpreter> test = vision::Interpreter::Create(election_, options);
    ASSERT_TRUE(test.ok()) << test.status();
    test_.emplace(std::move(*test));
    absl::StatusOr<std::unique_ptr<BallotStore>> store =
        BallotStore::Open({dir_, ElectionHash(election_), "SIM-0001"}, clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  SheetImage List(std::vector<std::string> marks) {
    return testing::PrintedSheet(election_, "list", "1001", marks, FILLED, false, ++seed_);
  }
  SheetImage District(std::vector<std::string> marks) {
    return testing::PrintedSheet(election_, "district-1", "1001", marks, FILLED, false, ++seed_);
  }

  BallotFlow Flow(Reader& reader) {
    return BallotFlow({&reader, store_.get(), &*live_, &*test_,
                       vision::EffectiveReturnPolicy(election_), ElectionHash(election_),
                       "SIM-0001", "1001", "live-1"});
  }

  // Feeds every sheet of the reader; a sheet held for the voter is taken back.
  std::vector<SheetOutcome> FeedAll(BallotFlow& flow, std::size_t sheets) {
    std::vector<SheetOutcome> outcomes;
    for (std::size_t i = 0; i < sheets; ++i) {
      absl::StatusOr<SheetResult> r = flow.ProcessSheet(false);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) break;
      if (r->outcome == SheetOutcome::kAwaitingVoter) r = flow.VoterChoice(false);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) break;
      outcomes.push_back(r->outcome);
    }
    return outcomes;
  }

  absl::StatusOr<PrecinctProtocol> Protocol(const Tally& live, const CommissionLines& lines) {
    ProtocolInputs in;
    in.election = &election_;
    in.election_hash = ElectionHash(election_);
    in.precinct_id = "1001";
    in.reader_serial = "SIM-0001";
    in.live = &live;
    in.lines = &lines;
    in.status = FINAL;
    return BuildPrecinctProtocol(in);
  }

  static CommissionLines Lines(const std::string& kind, std::uint64_t issued) {
    CommissionLines lines;
    lines.set_ballot_kind(kind);
    lines.set_voters_on_list(2150);
    lines.set_ballots_received(issued + 10);
    lines.set_ballots_issued_in_room(issued);
    lines.set_ballots_cancelled(10);
    return lines;
  }

  Election election_;
  std::filesystem::path dir_;
  FixedClock clock_{1'638'064'800};
  std::optional<vision::Interpreter> live_, test_;
  std::unique_ptr<BallotStore> store_;
  std::uint64_t seed_ = 0;
};

TEST_F(TwoBallotDayTest, SheetsOfBothKindsInAnyOrderAreCountedPerKind) {
  // Voter 1: district first, then list; voter 2: list, district; voter 3: list with an overvote
  // (returned, taken back) while the district sheet is cast; then the corrected list sheet.
  std::vector<SheetImage> deck = {District({"bekova"}),
                                  List({"ata-jurt"}),
                                  List({"ishenim"}),
                                  District({"against-all"}),
                                  List({"ata-jurt", "yntymak"}),
                                  District({"bekova"}),
                                  List({"yntymak"})};
  SimulatedReader reader(std::move(deck), {});
  BallotFlow flow = Flow(reader);
  const std::vector<SheetOutcome> outcomes = FeedAll(flow, 7);
  EXPECT_EQ(outcomes,
            (std::vector<SheetOutcome>{
                SheetOutcome::kCast, SheetOutcome::kCast, SheetOutcome::kCast, SheetOutcome::kCast,
                SheetOutcome::kReturned, SheetOutcome::kCast, SheetOutcome::kCast}));

  absl::StatusOr<Tally> tally = store_->GetTally(false);
  ASSERT_TRUE(tally.ok()) << tally.status();
  EXPECT_EQ(tally->ballots_cast, 6);
  EXPECT_EQ(tally->ballots_cast_by_style,
            (std::map<std::string, std::int64_t>{{"district-1", 3}, {"list", 3}}));
  EXPECT_EQ(BallotsCastOfKind(election_, *tally, "list"), 3u);
  EXPECT_EQ(BallotsCastOfKind(election_, *tally, "district"), 3u);
  EXPECT_EQ((tally->votes[{"parliament-list", "ata-jurt"}]), 1);
  EXPECT_EQ((tally->votes[{"parliament-list", "yntymak"}]), 1);
  EXPECT_EQ((tally->votes[{"district-1", "bekova"}]), 2);
  EXPECT_EQ((tally->votes[{"district-1", "against-all"}]), 1);
  EXPECT_EQ(reader.GetStatus()->sheets_cast(), 6u);

  // One protocol per kind: L6 is the reader's count of that kind, and every relation holds.
  for (const std::string kind : {"list", "district"}) {
    absl::StatusOr<PrecinctProtocol> p = Protocol(*tally, Lines(kind, 3));
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->ballot_kind(), kind);
    EXPECT_EQ(p->ballots_in_stationary_box(), 3u);
    ASSERT_EQ(p->contests_size(), 1);
    EXPECT_EQ(p->contests(0).contest_id(), kind == "list" ? "parliament-list" : "district-1");
    EXPECT_EQ(p->contests(0).valid_ballots(), 3u);
    const std::vector<ProtocolCheck> checks =
        CheckProtocol(*p, election_, BallotsCastOfKind(election_, *tally, kind));
    EXPECT_TRUE(ProtocolMayBeFinal(checks)) << DescribeBrokenRelations(checks);
  }
  // The list protocol checked against the count of all sheets breaks L6.
  absl::StatusOr<PrecinctProtocol> list = Protocol(*tally, Lines("list", 3));
  ASSERT_TRUE(list.ok());
  EXPECT_FALSE(ProtocolMayBeFinal(CheckProtocol(*list, election_, 6)));
}

TEST_F(TwoBallotDayTest, AKindWithNoBallotsHasAZeroProtocol) {
  std::vector<SheetImage> deck = {List({"ata-jurt"}), List({"alyans"})};
  SimulatedReader reader(std::move(deck), {});
  BallotFlow flow = Flow(reader);
  ASSERT_EQ(FeedAll(flow, 2).size(), 2u);
  absl::StatusOr<Tally> tally = store_->GetTally(false);
  ASSERT_TRUE(tally.ok());
  EXPECT_EQ(BallotsCastOfKind(election_, *tally, "district"), 0u);
  absl::StatusOr<PrecinctProtocol> district = Protocol(*tally, Lines("district", 0));
  ASSERT_TRUE(district.ok()) << district.status();
  EXPECT_EQ(district->ballots_in_stationary_box(), 0u);
  EXPECT_EQ(district->contests(0).valid_ballots(), 0u);
  const std::vector<ProtocolCheck> checks = CheckProtocol(*district, election_, 0);
  EXPECT_TRUE(ProtocolMayBeFinal(checks)) << DescribeBrokenRelations(checks);
}

TEST_F(TwoBallotDayTest, LinesOfAnUnknownOrMissingKindAreRefused) {
  const Tally empty;
  absl::StatusOr<PrecinctProtocol> none = Protocol(empty, Lines("", 0));
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("not one of the election's (list, district)"),
            std::string::npos)
      << none.status();
  absl::StatusOr<PrecinctProtocol> president = Protocol(empty, Lines("president", 0));
  EXPECT_EQ(president.status().code(), absl::StatusCode::kInvalidArgument);

  // A hand count of the list contest in the district's lines.
  CommissionLines lines = Lines("district", 0);
  lines.add_mobile_box_counts()->set_contest_id("parliament-list");
  absl::StatusOr<PrecinctProtocol> mixed = Protocol(empty, lines);
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(mixed.status().message().find("not on the \"district\" ballot of precinct 1001"),
            std::string::npos)
      << mixed.status();
}

TEST_F(TwoBallotDayTest, AProtocolOfOneKindCarryingTheOtherKindsContestIsRefused) {
  const Tally empty;
  absl::StatusOr<PrecinctProtocol> p = Protocol(empty, Lines("district", 0));
  ASSERT_TRUE(p.ok()) << p.status();
  p->mutable_contests(0)->set_contest_id("parliament-list");
  EXPECT_FALSE(ProtocolMayBeFinal(CheckProtocol(*p, election_, 0)));
  p->set_ballot_kind("");
  std::vector<std::string> broken;
  for (const ProtocolCheck& c : CheckProtocol(*p, election_, 0)) {
    if (!c.holds) broken.push_back(c.relation);
  }
  EXPECT_NE(std::find(broken.begin(), broken.end(), "ballot kind is one of the election's"),
            broken.end());
}

// The whole day at the reader: polls, both kinds fed, a protocol per kind signed, queued and
// receipted on its own, and a correction of one kind that leaves the other alone.
class TwoBallotPrecinctTest : public TwoBallotDayTest {
 protected:
  std::unique_ptr<Precinct> Open(Reader& reader) {
    ProtocolSigner signer = [this](const PrecinctProtocol& protocol) {
      return absl::StatusOr<SignedProtocol>(transport::SignProtocol(protocol, key_));
    };
    absl::StatusOr<std::unique_ptr<Precinct>> p = Precinct::Open(
        {election_, "1001", dir_ / "precinct", std::nullopt, signer}, reader, clock_);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }

  PrecinctProtocol Verified(const StoredProtocol& stored) {
    SignedProtocol envelope;
    EXPECT_TRUE(envelope.ParseFromString(stored.signed_protocol));
    absl::StatusOr<PrecinctProtocol> protocol =
        transport::VerifyProtocol(envelope, key_.public_key());
    EXPECT_TRUE(protocol.ok()) << protocol.status();
    return protocol.ok() ? *protocol : PrecinctProtocol();
  }

  transport::SigningKey key_ = transport::SigningKey::Generate();
};

TEST_F(TwoBallotPrecinctTest, TheTestDeckCoversEveryKind) {
  SimulatedReader reader({testing::PrintedSheet(election_, "list", "1001", {"ishenim"}, FILLED,
                                                /*test=*/true, 1),
                          testing::PrintedSheet(election_, "district-1", "1001", {"omurov"}, FILLED,
                                                /*test=*/true, 2)},
                         {});
  auto p = Open(reader);
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->StartTest().ok());
  ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  absl::StatusOr<std::string> half = testing::InEnglish(p->TestReport());
  ASSERT_TRUE(half.ok()) << half.status();
  EXPECT_EQ(half->find("NOT TESTED: no test ballot of kind list"), std::string::npos) << *half;
  EXPECT_NE(half->find("NOT TESTED: no test ballot of kind district"), std::string::npos) << *half;
  ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  ASSERT_TRUE(p->FinishTest().ok());
  absl::StatusOr<std::string> report = testing::InEnglish(p->TestReport());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_NE(report->find("of kind list: 1"), std::string::npos) << *report;
  EXPECT_NE(report->find("of kind district: 1"), std::string::npos) << *report;
  EXPECT_EQ(report->find("NOT TESTED"), std::string::npos) << *report;
}

TEST_F(TwoBallotPrecinctTest, EachKindHasItsOwnProtocolAndCorrection) {
  SimulatedReader reader({testing::PrintedSheet(election_, "list", "1001", {"ishenim"}, FILLED,
                                                /*test=*/true, 1),
                          testing::PrintedSheet(election_, "district-1", "1001", {"omurov"}, FILLED,
                                                /*test=*/true, 2),
                          List({"ata-jurt"}), District({"bekova"}), District({"omurov"}),
                          List({"ishenim"}), List({"ata-jurt"})},
                         {});
  auto p = Open(reader);
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->StartTest().ok());
  ASSERT_TRUE(p->FinishTest().ok());
  absl::StatusOr<std::string> untested = testing::InEnglish(p->TestReport());
  ASSERT_TRUE(untested.ok()) << untested.status();
  EXPECT_NE(untested->find("NOT TESTED: no test ballot of kind list"), std::string::npos);
  EXPECT_NE(untested->find("NOT TESTED: no test ballot of kind district"), std::string::npos);
  // A test that read no ballot of a kind does not let the polls open.
  absl::StatusOr<std::string> refused = testing::InEnglish(p->OpenPolls());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("no test ballot of kind list"), std::string::npos)
      << refused.status();
  EXPECT_NE(refused.status().message().find("district"), std::string::npos) << refused.status();
  ASSERT_TRUE(p->StartTest().ok());
  ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  ASSERT_TRUE(p->FinishTest().ok());
  refused = testing::InEnglish(p->OpenPolls());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("no test ballot of kind district"), std::string::npos)
      << refused.status();
  ASSERT_TRUE(p->StartTest().ok());
  ASSERT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  ASSERT_TRUE(p->FinishTest().ok());
  ASSERT_TRUE(p->OpenPolls().ok());
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<SheetResult> r = p->FeedSheet();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->outcome, SheetOutcome::kCast);
  }
  ASSERT_TRUE(p->ClosePolls().ok());
  absl::StatusOr<std::string> results = testing::InEnglish(p->ResultsReport());
  ASSERT_TRUE(results.ok());
  EXPECT_NE(results->find("of kind list: 3"), std::string::npos) << *results;
  EXPECT_NE(results->find("of kind district: 2"), std::string::npos) << *results;

  // Without a kind there is no protocol on this day.
  EXPECT_EQ(p->DraftProtocol().status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<ProtocolDraft> missing = p->DraftProtocol("district");
  EXPECT_NE(missing.status().message().find("lines of ballot kind district"), std::string::npos)
      << missing.status();

  ASSERT_TRUE(p->EnterCommissionLines(Lines("list", 3)).ok());
  ASSERT_TRUE(p->EnterCommissionLines(Lines("district", 2)).ok());
  absl::StatusOr<StoredProtocol> list = p->FinalizeProtocol("list");
  ASSERT_TRUE(list.ok()) << list.status();
  absl::StatusOr<StoredProtocol> district = p->FinalizeProtocol("district");
  ASSERT_TRUE(district.ok()) << district.status();
  EXPECT_EQ(list->revision, 1u);
  EXPECT_EQ(district->revision, 2u);
  const PrecinctProtocol list_protocol = Verified(*list);
  const PrecinctProtocol district_protocol = Verified(*district);
  EXPECT_EQ(list_protocol.ballot_kind(), "list");
  EXPECT_EQ(list_protocol.status(), FINAL);
  EXPECT_EQ(list_protocol.ballots_in_stationary_box(), 3u);
  EXPECT_EQ(district_protocol.ballot_kind(), "district");
  EXPECT_EQ(district_protocol.status(), FINAL);
  EXPECT_EQ(district_protocol.ballots_in_stationary_box(), 2u);
  EXPECT_NE(list_protocol.records_root_hash(), district_protocol.records_root_hash());

  // Each is delivered and receipted on its own; the day is transmitted once both are.
  ASSERT_EQ((*p->NextUndelivered())->revision, 1u);
  ASSERT_TRUE(p->RecordReceipt(1, "receipt-list").ok());
  EXPECT_EQ(p->state(), PollState::kProtocolFinal);
  ASSERT_EQ((*p->NextUndelivered())->revision, 2u);
  ASSERT_TRUE(p->RecordReceipt(2, "receipt-district").ok());
  EXPECT_EQ(p->state(), PollState::kTransmitted);

  // A correction of the district protocol only: a mobile box of one district ballot.
  EXPECT_EQ(p->FinalizeProtocol("district").status().code(),
            absl::StatusCode::kFailedPrecondition);  // nothing changed
  CommissionLines corrected = Lines("district", 2);
  corrected.set_ballots_issued_outside(1);
  corrected.set_ballots_received(13);
  corrected.set_ballots_in_mobile_boxes(1);
  MobileBoxContest* mobile = corrected.add_mobile_box_counts();
  mobile->set_contest_id("district-1");
  OptionVotes* votes = mobile->add_options();
  votes->set_option_id("kasymova");
  votes->set_votes(1);
  ASSERT_TRUE(p->EnterCommissionLines(corrected).ok());
  absl::StatusOr<StoredProtocol> correction = p->FinalizeProtocol("district");
  ASSERT_TRUE(correction.ok()) << correction.status();
  EXPECT_EQ(correction->revision, 3u);
  const PrecinctProtocol corrected_protocol = Verified(*correction);
  EXPECT_EQ(corrected_protocol.status(), CORRECTION);
  EXPECT_EQ(corrected_protocol.ballot_kind(), "district");
  EXPECT_EQ(corrected_protocol.ballots_in_mobile_boxes(), 1u);
  EXPECT_EQ(p->LatestProtocol("list")->revision, 1u);
  EXPECT_EQ(p->LatestProtocol("district")->revision, 3u);
  EXPECT_EQ((*p->NextUndelivered())->revision, 3u);
  EXPECT_TRUE(VerifyEventChain(*p->store().Events()).ok());
}

}  // namespace
}  // namespace esep::scanner
