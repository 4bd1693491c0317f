#include "esep/scanner/control.h"

#include "absl/strings/str_cat.h"
#include "esep/proto/signed.pb.h"

namespace esep::scanner {

void SentenceToProto(const text::Sentence& sentence, Sentence* out) {
  out->set_msgid(sentence.msgid);
  for (const text::SentenceArg& arg : sentence.args) {
    Sentence::Arg* a = out->add_args();
    a->set_name(arg.name);
    a->set_value(arg.value);
    a->set_translated(arg.translated);
  }
}

text::Sentence SentenceFromProto(const Sentence& sentence) {
  text::Sentence out{sentence.msgid(), {}};
  for (const Sentence::Arg& arg : sentence.args()) {
    out.args.push_back({arg.name(), arg.value(), arg.translated()});
  }
  return out;
}

std::string SayToPeople(const google::protobuf::RepeatedPtrField<Sentence>& sentences,
                        const std::string& english, const text::Catalog* catalog,
                        text::Language language) {
  if (sentences.empty()) return english;
  std::vector<text::Sentence> said;
  for (const Sentence& sentence : sentences) said.push_back(SentenceFromProto(sentence));
  return text::Say(said, catalog, language);
}

std::string ReportToPeople(const ControlResponse& response, const text::Catalog* catalog,
                           text::Language language) {
  if (response.report_sentences().empty()) return response.report();
  text::Lines lines;
  for (const Sentence& line : response.report_sentences()) {
    lines.push_back(SentenceFromProto(line));
  }
  return text::SayLines(lines, catalog, language);
}

std::string SayToPeople(const Sentence& sentence, const std::string& english,
                        const text::Catalog* catalog, text::Language language) {
  if (sentence.msgid().empty()) return english;
  return text::Say(SentenceFromProto(sentence), catalog, language);
}

namespace {

// Sets the report: its English text and its lines as sentences.
void SetReport(ControlResponse& response, const text::Lines& lines) {
  response.set_report(text::SayLines(lines, nullptr, text::Language::kEnglish));
  response.clear_report_sentences();
  for (const text::Sentence& line : lines) SentenceToProto(line, response.add_report_sentences());
}

// Adds a notice: its English text and its sentence.
void Notice(ControlResponse& response, text::Sentence sentence) {
  response.add_notices(text::Say(sentence, nullptr, text::Language::kEnglish));
  SentenceToProto(sentence, response.add_notice_sentences());
}

}  // namespace

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
    case ControlRequest::OPEN_POLLS:
    case ControlRequest::ZERO_REPORT: {
      const bool copy = request.command() == ControlRequest::ZERO_REPORT;
      const std::int64_t now = precinct.NowUnixSeconds();
      absl::StatusOr<text::Lines> zero = copy ? precinct.ZeroReport(now) : precinct.OpenPolls();
      absl::StatusOr<PrecinctProtocol> counters =
          zero.ok() ? precinct.ZeroCounters() : absl::StatusOr<PrecinctProtocol>(zero.status());
      if (counters.ok()) response.set_zero_counters(counters->SerializeAsString());
      if (copy) response.set_zero_report_copy_unix_seconds(now);
      status = zero.status();
      if (zero.ok()) SetReport(response, *zero);
      break;
    }
    case ControlRequest::CLOSE_POLLS:
      status = precinct.ClosePolls();
      break;
    case ControlRequest::TEST_REPORT:
    case ControlRequest::RESULTS_REPORT: {
      absl::StatusOr<text::Lines> report = request.command() == ControlRequest::TEST_REPORT
                                               ? precinct.TestReport()
                                               : precinct.ResultsReport();
      status = report.status();
      if (report.ok()) SetReport(response, *report);
      if (status.ok() && request.command() == ControlRequest::TEST_REPORT) {
        absl::StatusOr<LogicAndAccuracyReport> judged = precinct.LogicAndAccuracy();
        status = judged.status();
        if (judged.ok()) *response.mutable_test_report() = *std::move(judged);
      }
      break;
    }
    case ControlRequest::SET_TEST_EXPECTATION: {
      status = precinct.SetTestExpectation(request.test_expectation());
      absl::StatusOr<LogicAndAccuracyReport> judged =
          status.ok() ? precinct.LogicAndAccuracy()
                      : absl::StatusOr<LogicAndAccuracyReport>(LogicAndAccuracyReport());
      if (!judged.ok()) status = judged.status();
      absl::StatusOr<text::Lines> text =
          status.ok() ? precinct.TestReport() : absl::StatusOr<text::Lines>(text::Lines());
      if (!text.ok()) status = text.status();
      if (status.ok()) {
        *response.mutable_test_report() = *std::move(judged);
        SetReport(response, *text);
      }
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
                     ? absl::StatusOr<StoredProtocol>(text::SentenceError(
                           absl::StatusCode::kInvalidArgument,
                           text::Sentence{
                               N_("finalize names the lines the commission confirmed in the draft "
                                  "(esep poll finalize shows the draft and sends them)"),
                               {}}))
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
      status = text::SentenceError(absl::StatusCode::kInvalidArgument,
                                   text::Sentence{N_("unknown command"), {}});
  }
  response.set_ok(status.ok());
  if (!status.ok()) {
    response.set_error(std::string(status.message()));
    for (const text::Sentence& sentence : text::SentencesOf(status)) {
      SentenceToProto(sentence, response.add_error_sentences());
    }
  }
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
    Notice(response, {N_("STORAGE FAULT: {fault}. The reader takes no paper; call the technician"),
                      {{"fault", std::string(fault.message())}}});
  }
  for (std::int64_t sheet : precinct.recovery().returned) {
    Notice(response, {N_("sheet {sheet} was in the reader at the restart: returned to the voter, "
                         "not counted"),
                      {{"sheet", absl::StrCat(sheet)}}});
  }
  for (std::int64_t sheet : precinct.reconciled()) {
    absl::StatusOr<SheetState> state = precinct.store().State(sheet);
    const char* msgid =
        state.ok() && *state == SheetState::kCast
            ? N_("sheet {sheet} was decided to cast but the reader did not confirm its drop: the "
                 "reader shows it reached the box: counted once")
            : N_("sheet {sheet} was decided to cast but the reader did not confirm its drop: the "
                 "reader shows it did not reach the box: returned, not counted");
    Notice(response, text::Sentence{msgid, {{"sheet", absl::StrCat(sheet)}}});
  }
  absl::StatusOr<std::vector<StoredProtocol>> protocols = precinct.Protocols();
  if (protocols.ok() && !protocols->empty()) {
    const StoredProtocol& newest = protocols->back();
    Receipt receipt;
    ReceiptBody body;
    const bool held = newest.receipt && receipt.ParseFromString(*newest.receipt) &&
                      body.ParseFromString(receipt.body()) &&
                      body.disposition() == RECEIPT_HELD_FOR_REVIEW;
    text::Sentence transmission;
    transmission.args.push_back({"revision", absl::StrCat(newest.revision)});
    if (held) {
      transmission.msgid =
          N_("protocol revision {revision} delivered, but the centre HOLDS IT FOR "
             "REVIEW and does not count it: {reason}; a corrected protocol "
             "releases it");
      transmission.args.push_back({"reason", body.review_reason()});
    } else if (newest.receipt) {
      transmission.msgid =
          N_("protocol revision {revision} delivered; the centre's receipt is stored");
    } else {
      transmission.msgid =
          N_("protocol revision {revision} final, waiting for the centre's receipt");
    }
    response.set_transmission(text::Say(transmission, nullptr, text::Language::kEnglish));
    SentenceToProto(transmission, response.mutable_transmission_sentence());
  }
  return response;
}

}  // namespace esep::scanner
