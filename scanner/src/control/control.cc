#include "esep/scanner/control.h"

#include "absl/strings/str_cat.h"
#include "esep/proto/signed.pb.h"

namespace esep::scanner {

ControlResponse HandleControlRequest(Precinct& precinct, const ControlRequest& request,
                                     const std::string& last_return_reason) {
  ControlResponse response;
  absl::Status status;
  switch (request.command()) {
    case ControlRequest::STATUS:
      break;
    case ControlRequest::START_TEST:
      status = precinct.StartTest();
      break;
    case ControlRequest::FINISH_TEST:
      status = precinct.FinishTest();
      break;
    case ControlRequest::OPEN_POLLS: {
      absl::StatusOr<std::string> zero = precinct.OpenPolls();
      status = zero.status();
      if (zero.ok()) response.set_report(*zero);
      break;
    }
    case ControlRequest::CLOSE_POLLS:
      status = precinct.ClosePolls();
      break;
    case ControlRequest::TEST_REPORT:
    case ControlRequest::RESULTS_REPORT: {
      absl::StatusOr<std::string> report = request.command() == ControlRequest::TEST_REPORT
                                               ? precinct.TestReport()
                                               : precinct.ResultsReport();
      status = report.status();
      if (report.ok()) response.set_report(*report);
      break;
    }
    case ControlRequest::CAST_AS_IS:
    case ControlRequest::RETURN_BALLOT: {
      absl::StatusOr<SheetResult> result =
          precinct.VoterChoice(request.command() == ControlRequest::CAST_AS_IS);
      status = result.status();
      break;
    }
    case ControlRequest::ENTER_LINES:
      status = precinct.EnterCommissionLines(request.lines());
      break;
    case ControlRequest::DRAFT_PROTOCOL: {
      absl::StatusOr<ProtocolDraft> draft = precinct.DraftProtocol(request.ballot_kind());
      status = draft.status();
      absl::StatusOr<std::optional<PrecinctProtocol>> replaced =
          draft.ok() ? precinct.ReplacedProtocol(draft->protocol)
                     : absl::StatusOr<std::optional<PrecinctProtocol>>(std::nullopt);
      if (draft.ok() && !replaced.ok()) status = replaced.status();
      if (status.ok()) {
        if (replaced->has_value()) {
          response.set_replaced_protocol((*replaced)->SerializeAsString());
        }
        response.set_report(precinct.ProtocolText(draft->protocol, draft->checks,
                                                  replaced->has_value() ? &**replaced : nullptr));
        response.set_protocol(draft->protocol.SerializeAsString());
        response.set_lines_sha256(draft->lines_sha256);
      }
      break;
    }
    case ControlRequest::FINALIZE_PROTOCOL:
    case ControlRequest::PROTOCOL: {
      absl::StatusOr<StoredProtocol> stored;
      if (request.command() == ControlRequest::FINALIZE_PROTOCOL) {
        // The console signs only what it showed: the draft's lines, named by their hash.
        stored = request.confirmed_lines_sha256().empty()
                     ? absl::StatusOr<StoredProtocol>(absl::InvalidArgumentError(
                           "finalize names the lines the commission confirmed in the draft "
                           "(esep poll finalize shows the draft and sends them)"))
                     : precinct.FinalizeProtocol(request.ballot_kind(),
                                                 request.confirmed_lines_sha256());
      } else {
        stored = precinct.LatestProtocol(request.ballot_kind());
      }
      status = stored.status();
      SignedProtocol signed_protocol;
      PrecinctProtocol protocol;
      if (status.ok() && (!signed_protocol.ParseFromString(stored->signed_protocol) ||
                          !protocol.ParseFromString(signed_protocol.protocol()))) {
        status = absl::DataLossError("tally store: the final protocol is unreadable");
      }
      absl::StatusOr<std::optional<PrecinctProtocol>> replaced =
          status.ok() ? precinct.ReplacedProtocol(protocol)
                      : absl::StatusOr<std::optional<PrecinctProtocol>>(std::nullopt);
      if (!replaced.ok()) status = replaced.status();
      if (status.ok()) {
        response.set_protocol(signed_protocol.protocol());
        response.set_signed_protocol(stored->signed_protocol);
        if (replaced->has_value()) {
          response.set_replaced_protocol((*replaced)->SerializeAsString());
        }
        response.set_report(precinct.ProtocolText(
            protocol,
            CheckProtocol(protocol, precinct.election(), protocol.ballots_in_stationary_box()),
            replaced->has_value() ? &**replaced : nullptr));
      }
      break;
    }
    default:
      status = absl::InvalidArgumentError("unknown command");
  }
  response.set_ok(status.ok());
  if (!status.ok()) response.set_error(std::string(status.message()));
  response.set_poll_state(PollStateName(precinct.state()));
  response.set_reader_serial(precinct.reader_serial());
  absl::StatusOr<std::int64_t> cast = precinct.BallotsCast();
  if (cast.ok()) response.set_ballots_cast(*cast);
  response.set_ballot_waiting_for_voter(precinct.holding_for_voter());
  absl::StatusOr<std::int64_t> sheets = precinct.store().FinishedSheets();
  if (sheets.ok()) response.set_sheets_read(*sheets);
  if (precinct.state() != PollState::kOpen) {
    absl::StatusOr<Tally> test = precinct.store().GetTally(true);
    if (test.ok()) response.set_test_ballots_cast(test->ballots_cast);
  }
  response.set_last_return_reason(last_return_reason);
  if (const absl::Status& fault = precinct.storage_fault(); !fault.ok()) {
    response.add_notices(absl::StrCat("STORAGE FAULT: ", std::string(fault.message()),
                                      ". The reader takes no paper; call the technician"));
  }
  for (std::int64_t sheet : precinct.recovery().returned) {
    response.add_notices(absl::StrCat("sheet ", sheet,
                                      " was in the reader at the restart: returned to the voter, "
                                      "not counted"));
  }
  for (std::int64_t sheet : precinct.reconciled()) {
    absl::StatusOr<SheetState> state = precinct.store().State(sheet);
    response.add_notices(absl::StrCat(
        "sheet ", sheet, " was decided to cast but the reader did not confirm its drop: ",
        state.ok() && *state == SheetState::kCast
            ? "the reader shows it reached the box: counted once"
            : "the reader shows it did not reach the box: returned, not counted"));
  }
  absl::StatusOr<std::vector<StoredProtocol>> protocols = precinct.Protocols();
  if (protocols.ok() && !protocols->empty()) {
    const StoredProtocol& newest = protocols->back();
    Receipt receipt;
    ReceiptBody body;
    const bool held = newest.receipt && receipt.ParseFromString(*newest.receipt) &&
                      body.ParseFromString(receipt.body()) &&
                      body.disposition() == RECEIPT_HELD_FOR_REVIEW;
    response.set_transmission(
        held             ? absl::StrCat("protocol revision ", newest.revision,
                                        " delivered, but the centre HOLDS IT FOR REVIEW and does not count "
                                                    "it: ",
                                        body.review_reason(), "; a corrected protocol releases it")
        : newest.receipt ? absl::StrCat("protocol revision ", newest.revision,
                                        " delivered; the centre's receipt is stored")
                         : absl::StrCat("protocol revision ", newest.revision,
                                        " final, waiting for the centre's receipt"));
  }
  return response;
}

}  // namespace esep::scanner
