// The precinct protocol at the reader: the commission's lines, the control relations, signing,
// the outbox and corrections.
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "esep/proto/election.h"
#include "esep/proto/record_hash.h"
#include "esep/render/render.h"
#include "esep/scanner/control.h"
#include "esep/scanner/precinct.h"
#include "esep/scanner/simulated_reader.h"
#include "esep/text/catalog.h"
#include "esep/text/sentence.h"
#include "esep/transport/signing.h"
#include "esep/vision/calibration.h"
#include "test_sheets.h"

namespace esep::scanner {
namespace {

bool Contains(absl::string_view text, absl::string_view part) {
  return absl::StrContains(text, part);
}

class PrecinctProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> e = LoadElectionFile("fixtures/elections/referendum-2021.json");
    ASSERT_TRUE(e.ok()) << e.status();
    election_ = *e;
    dir_ = testing::ScratchDirectory("esep-protocol");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  SheetImage Sheet(const std::string& option) {
    return testing::PrintedSheet(election_, "referendum", "1002", {option}, CROSS, false, 11);
  }

  std::unique_ptr<Precinct> Open(Reader& reader, bool with_key = true) {
    ProtocolSigner signer;
    if (with_key) {
      signer = [this](const PrecinctProtocol& protocol) {
        return absl::StatusOr<SignedProtocol>(transport::SignProtocol(protocol, key_));
      };
    }
    absl::StatusOr<std::unique_ptr<Precinct>> p =
        Precinct::Open({election_, "1002", dir_, std::nullopt, signer}, reader, clock_);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }

  // Votes: 2 presidential, 1 against both; then the polls close.
  std::unique_ptr<Precinct> CountedAndClosed(SimulatedReader& reader) {
    auto p = Open(reader);
    EXPECT_TRUE(p->StartTest().ok());
    EXPECT_TRUE(p->FinishTest().ok());
    EXPECT_TRUE(p->OpenPolls().ok());
    for (int i = 0; i < 3; ++i) EXPECT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
    EXPECT_TRUE(p->ClosePolls().ok());
    return p;
  }

  static SimulatedReader ThreeBallots(PrecinctProtocolTest& t) {
    return SimulatedReader(
        {t.Sheet("presidential"), t.Sheet("presidential"), t.Sheet("against-both")}, {});
  }

  // Lines that agree with three ballots in the stationary box.
  static CommissionLines GoodLines() {
    CommissionLines lines;
    lines.set_voters_on_list(1800);
    lines.set_ballots_received(120);
    lines.set_ballots_issued_in_room(3);
    lines.set_ballots_cancelled(117);
    return lines;
  }

  Election election_;
  std::filesystem::path dir_;
  FixedClock clock_{1'610'265'600};
  transport::SigningKey key_ = transport::SigningKey::Generate();
};

TEST_F(PrecinctProtocolTest, FinalProtocolIsSignedQueuedAndDelivered) {
  SimulatedReader reader = ThreeBallots(*this);
  auto p = CountedAndClosed(reader);
  absl::StatusOr<ProtocolDraft> no_lines = p->DraftProtocol();
  ASSERT_FALSE(no_lines.ok());
  EXPECT_TRUE(Contains(no_lines.status().message(), "enter the commission's protocol lines"));

  ASSERT_TRUE(p->EnterCommissionLines(GoodLines()).ok());
  absl::StatusOr<StoredProtocol> stored = p->FinalizeProtocol();
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->revision, 1u);
  EXPECT_EQ(p->state(), PollState::kProtocolFinal);

  SignedProtocol envelope;
  ASSERT_TRUE(envelope.ParseFromString(stored->signed_protocol));
  absl::StatusOr<PrecinctProtocol> protocol =
      transport::VerifyProtocol(envelope, key_.public_key());
  ASSERT_TRUE(protocol.ok()) << protocol.status();
  EXPECT_EQ(protocol->status(), FINAL);
  EXPECT_EQ(protocol->ballots_in_stationary_box(), 3u);
  ASSERT_EQ(protocol->contests_size(), 1);
  const ContestResult& referendum = protocol->contests(0);
  EXPECT_EQ(referendum.valid_ballots(), 3u);
  EXPECT_EQ(referendum.invalid_ballots(), 0u);
  ASSERT_EQ(referendum.options_size(), 3);
  EXPECT_EQ(referendum.options(0).votes(), 2u);  // presidential
  EXPECT_EQ(referendum.options(1).votes(), 0u);  // parliamentary
  EXPECT_EQ(referendum.options(2).votes(), 1u);  // against both
  EXPECT_EQ(protocol->polls_opened_unix_seconds(), 1'610'265'600);
  EXPECT_EQ(protocol->records_root_hash(), RecordsRootHash(*p->store().Records(false)));
  EXPECT_EQ(protocol->event_log_head_hash().size(), 64u);

  absl::StatusOr<std::optional<StoredProtocol>> pending = p->NextUndelivered();
  ASSERT_TRUE(pending.ok() && pending->has_value());
  EXPECT_EQ((*pending)->revision, 1u);
  ASSERT_TRUE(p->RecordReceipt(1, "receipt-bytes").ok());
  EXPECT_EQ(p->state(), PollState::kTransmitted);
  EXPECT_FALSE(p->NextUndelivered()->has_value());
  EXPECT_EQ(*p->Protocols()->back().receipt, "receipt-bytes");
  // A second receipt for the same revision does not replace the first.
  ASSERT_TRUE(p->RecordReceipt(1, "other").ok());
  EXPECT_EQ(*p->Protocols()->back().receipt, "receipt-bytes");
  EXPECT_TRUE(VerifyEventChain(*p->store().Events()).ok());
}

TEST_F(PrecinctProtocolTest, BrokenRelationIsShownAndNeverQueued) {
  SimulatedReader reader = ThreeBallots(*this);
  auto p = CountedAndClosed(reader);
  CommissionLines lines = GoodLines();
  lines.set_ballots_received(121);  // one ballot unaccounted for
  ASSERT_TRUE(p->EnterCommissionLines(lines).ok());
  absl::StatusOr<ProtocolDraft> draft = p->DraftProtocol();
  ASSERT_TRUE(draft.ok()) << draft.status();
  EXPECT_FALSE(ProtocolMayBeFinal(draft->checks));
  EXPECT_TRUE(Contains(p->ProtocolText(draft->protocol, draft->checks), "BROKEN   L2 = "));

  absl::StatusOr<StoredProtocol> refused = p->FinalizeProtocol();
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(Contains(refused.status().message(), "L2 = L3 + L4 + L5 + L10 - L11"))
      << refused.status();
  EXPECT_EQ(p->state(), PollState::kClosed);
  EXPECT_TRUE(p->Protocols()->empty());
  EXPECT_FALSE(p->NextUndelivered()->has_value());
}

TEST_F(PrecinctProtocolTest, WarningNeedsTheCommissionsExplanation) {
  SimulatedReader reader = ThreeBallots(*this);
  auto p = CountedAndClosed(reader);
  CommissionLines lines = GoodLines();
  lines.set_ballots_issued_in_room(2);  // three ballots in the box, two issued
  lines.set_ballots_cancelled(118);
  ASSERT_TRUE(p->EnterCommissionLines(lines).ok());
  absl::StatusOr<StoredProtocol> refused = p->FinalizeProtocol();
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(Contains(refused.status().message(), "explanation")) << refused.status();

  lines.set_explanation("one voter's ballot was issued from the reserve and recorded late");
  ASSERT_TRUE(p->EnterCommissionLines(lines).ok());
  absl::StatusOr<StoredProtocol> stored = p->FinalizeProtocol();
  ASSERT_TRUE(stored.ok()) << stored.status();
}

TEST_F(PrecinctProtocolTest, CorrectionIsANewRevisionKeptWithItsHistory) {
  SimulatedReader reader = ThreeBallots(*this);
  auto p = CountedAndClosed(reader);
  ASSERT_TRUE(p->EnterCommissionLines(GoodLines()).ok());
  ASSERT_TRUE(p->FinalizeProtocol().ok());
  absl::StatusOr<StoredProtocol> same = p->FinalizeProtocol();
  ASSERT_FALSE(same.ok());
  EXPECT_TRUE(Contains(same.status().message(), "already final")) << same.status();

  CommissionLines corrected = GoodLines();
  corrected.set_voters_on_list(1801);
  ASSERT_TRUE(p->EnterCommissionLines(corrected).ok());
  absl::StatusOr<StoredProtocol> second = p->FinalizeProtocol();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->revision, 2u);
  absl::StatusOr<std::vector<StoredProtocol>> history = p->Protocols();
  ASSERT_EQ(history->size(), 2u);
  SignedProtocol first;
  ASSERT_TRUE(first.ParseFromString((*history)[0].signed_protocol));
  EXPECT_EQ(transport::VerifyProtocol(first, key_.public_key())->voters_on_list(), 1800u);
  SignedProtocol latest;
  ASSERT_TRUE(latest.ParseFromString((*history)[1].signed_protocol));
  absl::StatusOr<PrecinctProtocol> correction = transport::VerifyProtocol(latest, "");
  EXPECT_EQ(correction->status(), CORRECTION);
  EXPECT_EQ(correction->voters_on_list(), 1801u);
  // Both revisions wait for the centre, oldest first; the state waits for the newest.
  ASSERT_TRUE(p->RecordReceipt(1, "r1").ok());
  EXPECT_EQ(p->state(), PollState::kProtocolFinal);
  EXPECT_EQ((*p->NextUndelivered())->revision, 2u);
  ASSERT_TRUE(p->RecordReceipt(2, "r2").ok());
  EXPECT_EQ(p->state(), PollState::kTransmitted);
}

// The signed protocol's times, checked by signature.
PrecinctProtocol SignedTimes(const StoredProtocol& stored, const std::string& public_key) {
  SignedProtocol envelope;
  EXPECT_TRUE(envelope.ParseFromString(stored.signed_protocol));
  absl::StatusOr<PrecinctProtocol> protocol = transport::VerifyProtocol(envelope, public_key);
  EXPECT_TRUE(protocol.ok()) << protocol.status();
  return protocol.ok() ? *protocol : PrecinctProtocol();
}

std::vector<LogEvent> EventsOf(Precinct& p, const std::string& type) {
  absl::StatusOr<std::vector<LogEvent>> events = p.store().Events();
  EXPECT_TRUE(events.ok()) << events.status();
  std::vector<LogEvent> of_type;
  if (!events.ok()) return of_type;
  for (const LogEvent& event : *events) {
    if (event.type() == type) of_type.push_back(event);
  }
  return of_type;
}

TEST_F(PrecinctProtocolTest, ClockSetBackMidDayNeverTakesTheProtocolsTimesBackwards) {
  const std::int64_t opened = clock_.NowUnixSeconds();
  SimulatedReader reader = ThreeBallots(*this);
  auto p = Open(reader);
  ASSERT_TRUE(p->StartTest().ok());
  ASSERT_TRUE(p->FinishTest().ok());
  ASSERT_TRUE(p->OpenPolls().ok());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(p->FeedSheet()->outcome, SheetOutcome::kCast);
  clock_.Set(opened - 3600);  // set back an hour mid-day
  ASSERT_TRUE(p->ClosePolls().ok());
  EXPECT_EQ(EventsOf(*p, "clock_behind").size(), 1u);
  ASSERT_TRUE(p->EnterCommissionLines(GoodLines()).ok());

  absl::StatusOr<ProtocolDraft> draft = p->DraftProtocol();
  ASSERT_TRUE(draft.ok()) << draft.status();
  EXPECT_EQ(draft->protocol.polls_opened_unix_seconds(), opened);
  EXPECT_EQ(draft->protocol.polls_closed_unix_seconds(), opened);
  EXPECT_EQ(draft->protocol.created_unix_seconds(), opened);

  absl::StatusOr<StoredProtocol> first = p->FinalizeProtocol();
  ASSERT_TRUE(first.ok()) << first.status();
  const PrecinctProtocol one = SignedTimes(*first, key_.public_key());
  EXPECT_LE(one.polls_opened_unix_seconds(), one.polls_closed_unix_seconds());
  EXPECT_LE(one.polls_closed_unix_seconds(), one.created_unix_seconds());
  EXPECT_EQ(EventsOf(*p, "clock_behind").size(), 2u);

  // The clock put right, a correction; then set back again, a second correction.
  clock_.Set(opened + 600);
  CommissionLines corrected = GoodLines();
  corrected.set_voters_on_list(1801);
  ASSERT_TRUE(p->EnterCommissionLines(corrected).ok());
  absl::StatusOr<StoredProtocol> second = p->FinalizeProtocol();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(SignedTimes(*second, key_.public_key()).created_unix_seconds(), opened + 600);
  EXPECT_EQ(EventsOf(*p, "clock_behind").size(), 2u);

  clock_.Set(opened - 86400);
  corrected.set_voters_on_list(1802);
  ASSERT_TRUE(p->EnterCommissionLines(corrected).ok());
  absl::StatusOr<StoredProtocol> third = p->FinalizeProtocol();
  ASSERT_TRUE(third.ok()) << third.status();
  const PrecinctProtocol three = SignedTimes(*third, key_.public_key());
  EXPECT_EQ(three.created_unix_seconds(), opened + 600);
  EXPECT_EQ(three.polls_opened_unix_seconds(), opened);
  EXPECT_EQ(three.polls_closed_unix_seconds(), opened);
  const std::vector<LogEvent> behind = EventsOf(*p, "clock_behind");
  ASSERT_EQ(behind.size(), 3u);
  EXPECT_TRUE(Contains(behind[0].detail(), "the close of the polls is stored at"))
      << behind[0].detail();
  EXPECT_TRUE(Contains(behind[2].detail(), "the protocol is stored at")) << behind[2].detail();
  absl::StatusOr<std::vector<LogEvent>> events = p->store().Events();
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(VerifyEventChain(*events).ok());
}

TEST_F(PrecinctProtocolTest, AStoredCloseBeforeTheOpeningIsNotSignedBackwards) {
  SimulatedReader reader = ThreeBallots(*this);
  auto p = CountedAndClosed(reader);
  // As a store kept before times were held in order: closed an hour before it opened.
  ASSERT_TRUE(
      p->store()
          .SetSetting("polls_closed_unix_seconds", std::to_string(clock_.NowUnixSeconds() - 3600))
          .ok());
  clock_.Set(clock_.NowUnixSeconds() - 7200);
  ASSERT_TRUE(p->EnterCommissionLines(GoodLines()).ok());
  absl::StatusOr<StoredProtocol> stored = p->FinalizeProtocol();
  ASSERT_TRUE(stored.ok()) << stored.status();
  const PrecinctProtocol protocol = SignedTimes(*stored, key_.public_key());
  EXPECT_LE(protocol.polls_opened_unix_seconds(), protocol.polls_closed_unix_seconds());
  EXPECT_LE(protocol.polls_closed_unix_seconds(), protocol.created_unix_seconds());
}

TEST_F(PrecinctProtocolTest, MobileBoxHandCountJoinsTheMachineCount) {
  SimulatedReader reader = ThreeBallots(*this);
  auto p = CountedAndClosed(reader);
  CommissionLines lines = GoodLines();
  lines.set_ballots_issued_outside(2);
  lines.set_ballots_cancelled(115);
  lines.set_ballots_in_mobile_boxes(2);
  MobileBoxContest* mobile = lines.add_mobile_box_counts();
  mobile->set_contest_id("form-of-government");
  mobile->set_invalid_ballots(1);
  OptionVotes* votes = mobile->add_options();
  votes->set_option_id("parliamentary");
  votes->set_votes(1);
  ASSERT_TRUE(p->EnterCommissionLines(lines).ok());
  absl::StatusOr<ProtocolDraft> draft = p->DraftProtocol();
  ASSERT_TRUE(draft.ok()) << draft.status();
  EXPECT_TRUE(ProtocolMayBeFinal(draft->checks)) << DescribeBrokenRelations(draft->checks);
  const ContestResult& r = draft->protocol.contests(0);
  EXPECT_EQ(r.invalid_ballots(), 1u);
  EXPECT_EQ(r.valid_ballots(), 4u);
  EXPECT_EQ(r.options(1).votes(), 1u);
}

TEST_F(PrecinctProtocolTest, RefusedLinesLeaveNothingThatCanBeSigned) {
  SimulatedReader reader = ThreeBallots(*this);
  auto p = CountedAndClosed(reader);
  ASSERT_TRUE(p->EnterCommissionLines(GoodLines()).ok());
  CommissionLines typo = GoodLines();
  typo.set_voters_on_list(18700);  // precinct 1002 has 1870 registered voters
  const absl::Status refused = p->EnterCommissionLines(typo);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(refused.message(), "voters_on_list (L1) = 18700")) << refused;
  EXPECT_TRUE(Contains(refused.message(), "1870 registered voters")) << refused;

  // The earlier lines are gone with the refusal: finalize has nothing to sign.
  absl::StatusOr<StoredProtocol> nothing = p->FinalizeProtocol();
  ASSERT_FALSE(nothing.ok());
  EXPECT_TRUE(Contains(nothing.status().message(), "enter the commission's protocol lines"))
      << nothing.status();
  EXPECT_TRUE(p->Protocols()->empty());
  absl::StatusOr<std::vector<LogEvent>> events = p->store().Events();
  ASSERT_TRUE(events.ok()) << events.status();
  bool logged = false;
  for (const LogEvent& event : *events) {
    logged |= event.type() == "commission_lines_refused";
  }
  EXPECT_TRUE(logged);
}

TEST_F(PrecinctProtocolTest, FinalizeSignsOnlyTheLinesTheCommissionWasShown) {
  SimulatedReader reader = ThreeBallots(*this);
  auto p = CountedAndClosed(reader);
  ASSERT_TRUE(p->EnterCommissionLines(GoodLines()).ok());
  absl::StatusOr<ProtocolDraft> shown = p->DraftProtocol();
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(shown->lines_sha256.size(), 64u);
  CommissionLines changed = GoodLines();
  changed.set_voters_on_list(1801);
  ASSERT_TRUE(p->EnterCommissionLines(changed).ok());

  absl::StatusOr<StoredProtocol> stale = p->FinalizeProtocol("", shown->lines_sha256);
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(Contains(stale.status().message(), "changed after the draft")) << stale.status();
  EXPECT_TRUE(p->Protocols()->empty());

  absl::StatusOr<ProtocolDraft> current = p->DraftProtocol();
  ASSERT_TRUE(current.ok());
  absl::StatusOr<StoredProtocol> stored = p->FinalizeProtocol("", current->lines_sha256);
  ASSERT_TRUE(stored.ok()) << stored.status();
  SignedProtocol envelope;
  PrecinctProtocol signed_protocol;
  ASSERT_TRUE(envelope.ParseFromString(stored->signed_protocol));
  ASSERT_TRUE(signed_protocol.ParseFromString(envelope.protocol()));
  EXPECT_EQ(signed_protocol.voters_on_list(), 1801u);

  // Over the socket, finalize must name the lines it showed.
  ControlRequest request;
  request.set_command(ControlRequest::FINALIZE_PROTOCOL);
  ControlResponse unnamed = HandleControlRequest(*p, request, "");
  EXPECT_FALSE(unnamed.ok());
  EXPECT_TRUE(Contains(unnamed.error(), "lines the commission confirmed")) << unnamed.error();
}

TEST_F(PrecinctProtocolTest, MoreBallotsInTheBoxesThanVotersOnTheListIsNeverFinal) {
  SimulatedReader reader = ThreeBallots(*this);
  auto p = CountedAndClosed(reader);
  CommissionLines lines = GoodLines();
  lines.set_voters_on_list(2);  // three ballots in the box: turnout 150%
  lines.set_ballots_issued_in_room(2);
  lines.set_ballots_cancelled(118);
  lines.set_explanation("any words at all");
  ASSERT_TRUE(p->EnterCommissionLines(lines).ok());
  absl::StatusOr<ProtocolDraft> draft = p->DraftProtocol();
  ASSERT_TRUE(draft.ok()) << draft.status();
  EXPECT_FALSE(ProtocolMayBeFinal(draft->checks));
  absl::StatusOr<StoredProtocol> refused = p->FinalizeProtocol();
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(Contains(refused.status().message(), "L6 + L7 <= L1")) << refused.status();
  EXPECT_TRUE(p->Protocols()->empty());
}

TEST_F(PrecinctProtocolTest, LinesAreRefusedBeforeCloseOrForAnotherBallot) {
  SimulatedReader reader = ThreeBallots(*this);
  auto p = Open(reader);
  ASSERT_TRUE(p->StartTest().ok());
  EXPECT_EQ(p->EnterCommissionLines(GoodLines()).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(p->FinishTest().ok());
  ASSERT_TRUE(p->OpenPolls().ok());
  EXPECT_EQ(p->EnterCommissionLines(GoodLines()).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(p->FinalizeProtocol().status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(p->ClosePolls().ok());
  CommissionLines lines = GoodLines();
  lines.add_mobile_box_counts()->set_contest_id("list");
  absl::Status wrong_contest = p->EnterCommissionLines(lines);
  EXPECT_EQ(wrong_contest.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(wrong_contest.message(), "not on the ballot")) << wrong_contest;
}

TEST_F(PrecinctProtocolTest, FinalProtocolSurvivesARestart) {
  {
    SimulatedReader reader = ThreeBallots(*this);
    auto p = CountedAndClosed(reader);
    ASSERT_TRUE(p->EnterCommissionLines(GoodLines()).ok());
    ASSERT_TRUE(p->FinalizeProtocol().ok());
  }
  SimulatedReader reader({}, {});
  auto p = Open(reader);
  EXPECT_EQ(p->state(), PollState::kProtocolFinal);
  ASSERT_EQ(p->Protocols()->size(), 1u);
  EXPECT_EQ((*p->NextUndelivered())->revision, 1u);
}

TEST_F(PrecinctProtocolTest, NoKeyNoFinalProtocol) {
  SimulatedReader reader({}, {});
  auto p = Open(reader, /*with_key=*/false);
  ASSERT_TRUE(p->StartTest().ok());
  ASSERT_TRUE(p->FinishTest().ok());
  ASSERT_TRUE(p->OpenPolls().ok());
  ASSERT_TRUE(p->ClosePolls().ok());
  ASSERT_TRUE(p->EnterCommissionLines(CommissionLines()).ok());
  absl::StatusOr<StoredProtocol> refused = p->FinalizeProtocol();
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(Contains(refused.status().message(), "no signing key")) << refused.status();
}

TEST_F(PrecinctProtocolTest, ConsoleCommandsFollowTheState) {
  SimulatedReader reader = ThreeBallots(*this);
  auto p = Open(reader);
  ControlRequest request;
  request.set_command(ControlRequest::ENTER_LINES);
  *request.mutable_lines() = GoodLines();
  ControlResponse refused = HandleControlRequest(*p, request, "");
  EXPECT_FALSE(refused.ok());
  EXPECT_TRUE(Contains(refused.error(), "after the polls close")) << refused.error();

  ASSERT_TRUE(p->StartTest().ok());
  ASSERT_TRUE(p->FinishTest().ok());
  ASSERT_TRUE(p->OpenPolls().ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p->FeedSheet().ok());
  ASSERT_TRUE(p->ClosePolls().ok());
  EXPECT_TRUE(HandleControlRequest(*p, request, "").ok());

  request.Clear();
  request.set_command(ControlRequest::DRAFT_PROTOCOL);
  ControlResponse draft = HandleControlRequest(*p, request, "");
  ASSERT_TRUE(draft.ok()) << draft.error();
  PrecinctProtocol drafted;
  ASSERT_TRUE(drafted.ParseFromString(draft.protocol()));
  EXPECT_EQ(drafted.ballots_in_stationary_box(), 3u);
  EXPECT_TRUE(draft.signed_protocol().empty());
  EXPECT_TRUE(Contains(draft.report(), "L6            3  Бюллетени в стационарном ящике"))
      << draft.report();

  request.set_command(ControlRequest::PROTOCOL);
  EXPECT_FALSE(HandleControlRequest(*p, request, "").ok()) << "no final protocol yet";
  request.set_command(ControlRequest::FINALIZE_PROTOCOL);
  request.set_confirmed_lines_sha256(draft.lines_sha256());
  ControlResponse final_response = HandleControlRequest(*p, request, "");
  ASSERT_TRUE(final_response.ok()) << final_response.error();
  EXPECT_EQ(final_response.poll_state(), "protocol_final");
  EXPECT_TRUE(Contains(final_response.transmission(), "waiting for the centre's receipt"));
  SignedProtocol envelope;
  ASSERT_TRUE(envelope.ParseFromString(final_response.signed_protocol()));
  EXPECT_TRUE(transport::VerifyProtocol(envelope, key_.public_key()).ok());

  request.set_command(ControlRequest::PROTOCOL);
  ControlResponse printed = HandleControlRequest(*p, request, "");
  ASSERT_TRUE(printed.ok()) << printed.error();
  EXPECT_EQ(printed.signed_protocol(), final_response.signed_protocol());
  EXPECT_TRUE(Contains(printed.report(), "revision   1, final")) << printed.report();

  // The centre stores the protocol but holds it for review: the commission is told, with why.
  ReceiptBody body;
  body.set_revision(1);
  body.set_disposition(RECEIPT_HELD_FOR_REVIEW);
  body.set_review_reason("ballots in the boxes (1300) exceed voters on the list (1200)");
  Receipt receipt;
  receipt.set_body(body.SerializeAsString());
  ASSERT_TRUE(p->RecordReceipt(1, receipt.SerializeAsString()).ok());
  request.set_command(ControlRequest::STATUS);
  ControlResponse status = HandleControlRequest(*p, request, "");
  EXPECT_TRUE(Contains(status.transmission(), "HOLDS IT FOR REVIEW")) << status.transmission();
  EXPECT_TRUE(Contains(status.transmission(), "exceed voters on the list"))
      << status.transmission();
}

TEST_F(PrecinctProtocolTest, RestartNoticesReachTheConsole) {
  {
    // Power fails after one sheet was decided to cast and before its drop was confirmed, and
    // while a second sheet was held in escrow.
    absl::StatusOr<std::unique_ptr<BallotStore>> store =
        BallotStore::Open({dir_, ElectionHash(election_), "SIM-0001"}, clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    const std::uint8_t first[] = {1, 2, 3};
    const std::uint8_t second[] = {4, 5, 6};
    absl::StatusOr<std::string> first_image = (*store)->StoreImage(first);
    absl::StatusOr<std::string> second_image = (*store)->StoreImage(second);
    ASSERT_TRUE(first_image.ok() && second_image.ok());
    absl::StatusOr<std::int64_t> decided = (*store)->Escrow(*first_image);
    ASSERT_TRUE(decided.ok()) << decided.status();
    CastVoteRecord record;
    record.set_election_hash(ElectionHash(election_));
    ASSERT_TRUE((*store)->DecideCast(*decided, record).ok());
    ASSERT_TRUE((*store)->Escrow(*second_image).ok());
  }
  SimulatedReader reader({}, {});  // the path is empty: the decided sheet reached the box
  auto p = Open(reader);
  ControlRequest request;
  request.set_command(ControlRequest::STATUS);
  ControlResponse status = HandleControlRequest(*p, request, "");
  ASSERT_EQ(status.notices_size(), 2) << status.DebugString();
  EXPECT_TRUE(Contains(status.notices(0), "sheet 2 was in the reader at the restart: returned"))
      << status.notices(0);
  EXPECT_TRUE(Contains(status.notices(1), "sheet 1 was decided to cast but the reader did not"));
  EXPECT_TRUE(Contains(status.notices(1), "counted once")) << status.notices(1);
  EXPECT_EQ(status.ballots_cast(), 1);
}

TEST_F(PrecinctProtocolTest, ReaderFaultIsSettledAndTheNextSheetIsRead) {
  SimulatedReaderOptions options;
  options.script[0] = SheetScript::kJam;
  SimulatedReader reader({Sheet("presidential"), Sheet("against-both")}, options);
  auto p = Open(reader);
  ASSERT_TRUE(p->StartTest().ok());
  ASSERT_TRUE(p->FinishTest().ok());
  ASSERT_TRUE(p->OpenPolls().ok());
  EXPECT_FALSE(p->FeedSheet().ok()) << "the first sheet jams";
  ASSERT_TRUE(p->SettleAfterReaderFault().ok());
  EXPECT_EQ(*p->BallotsCast(), 0);
  absl::StatusOr<SheetResult> next = p->FeedSheet();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->outcome, SheetOutcome::kCast);
  EXPECT_EQ(*p->BallotsCast(), 1);
  EXPECT_TRUE(p->store().SheetsIn(SheetState::kDecidedCast)->empty());
}

// A technician's profile of the simulated reader, measured from a clean calibration sheet.
CalibrationProfile MeasuredProfile(const std::string& serial, std::int64_t when) {
  const vision::CalibrationLayout layout = vision::StandardCalibrationLayout();
  absl::StatusOr<cv::Mat> sheet = render::RenderCalibrationSheet(layout, 200);
  EXPECT_TRUE(sheet.ok()) << sheet.status();
  const vision::GrayImage image{{sheet->data, sheet->step * sheet->rows},
                                sheet->cols,
                                sheet->rows,
                                static_cast<int>(sheet->step)};
  absl::StatusOr<vision::CalibrationMeasurement> m =
      vision::MeasureCalibrationSheet(image, layout, {200});
  EXPECT_TRUE(m.ok()) << m.status();
  CalibrationProfile profile = m->profile;
  profile.set_reader_serial(serial);
  profile.set_created_unix(when);
  vision::EvaluateTolerances(vision::CalibrationTolerances{}, &profile);
  return profile;
}

TEST_F(PrecinctProtocolTest, PollsOpenOnlyWithThisReadersPassedProfile) {
  auto open = [&](std::optional<CalibrationProfile> profile) {
    SimulatedReader reader({}, {});
    Precinct::Config config{election_, "1002", dir_, std::nullopt};
    config.calibration = std::move(profile);
    config.require_calibration = true;
    return Precinct::Open(config, reader, clock_);
  };
  auto ready = [&](std::optional<CalibrationProfile> profile) {
    absl::StatusOr<std::unique_ptr<Precinct>> p = open(std::move(profile));
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) return p.status();
    if ((*p)->state() == PollState::kSetup) {
      EXPECT_TRUE((*p)->StartTest().ok());
      EXPECT_TRUE((*p)->FinishTest().ok());
    }
    return (*p)->OpenPolls().status();
  };
  absl::Status missing = ready(std::nullopt);
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition);
  // The commission reads what to do in its language; the profile's detail stays the technician's.
  absl::StatusOr<text::Catalog> catalog = text::Catalog::Load("esep");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  const std::string russian =
      text::Say(text::SentencesOf(missing), &*catalog, text::Language::kRussian);
  EXPECT_TRUE(Contains(russian, "голосование нельзя открыть, пока техник не откалибрует сканер: "))
      << russian;
  EXPECT_TRUE(Contains(russian, "has no calibration profile")) << russian;
  // Another reader's profile, or a failed one, is refused when the daemon starts with it.
  absl::StatusOr<std::unique_ptr<Precinct>> foreign =
      open(MeasuredProfile("OTHER-7", clock_.NowUnixSeconds()));
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(foreign.status().message(), "OTHER-7")) << foreign.status();
  CalibrationProfile failed = MeasuredProfile("SIM-0001", clock_.NowUnixSeconds());
  failed.set_pass(false);
  absl::StatusOr<std::unique_ptr<Precinct>> refused = open(failed);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(Contains(refused.status().message(), "failed its checks")) << refused.status();
  EXPECT_FALSE(ready(std::nullopt).ok());
  ASSERT_TRUE(ready(MeasuredProfile("SIM-0001", clock_.NowUnixSeconds())).ok());

  SimulatedReader reader({}, {});
  auto p = Open(reader);
  EXPECT_EQ(p->calibration().reader_serial(), "SIM-0001");
  absl::StatusOr<std::vector<std::string>> history = p->store().CalibrationProfiles();
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 1u) << "only this reader's passed profile is kept";
}

}  // namespace
}  // namespace esep::scanner
