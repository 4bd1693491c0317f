// What the screen shows, made on esepd's main loop from the Precinct and the latest sheet.
#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "esep/proto/election.h"
#include "esep/scanner/control.h"
#include "esep/scanner/screen.h"

namespace esep::scanner {
namespace {

constexpr char kDefaultTimeZone[] = "Asia/Bishkek";

const char* CauseName(vision::ReturnCause cause) {
  switch (cause) {
    case vision::ReturnCause::kNone:
      return "";
    case vision::ReturnCause::kUnreadable:
      return "unreadable";
    case vision::ReturnCause::kOvervote:
      return "overvote";
    case vision::ReturnCause::kMarginal:
      return "marginal";
    case vision::ReturnCause::kUndervote:
      return "undervote";
    case vision::ReturnCause::kBlank:
      return "blank";
  }
  return "";
}

}  // namespace

absl::StatusOr<std::pair<std::string, int>> ParseScreenAddress(std::string_view address) {
  const std::size_t colon = address.rfind(':');
  const std::string_view host = address.substr(0, colon);
  int port = -1;
  if (colon != std::string_view::npos) {
    const char* end = address.data() + address.size();
    const std::from_chars_result parsed = std::from_chars(address.data() + colon + 1, end, port);
    if (parsed.ec != std::errc() || parsed.ptr != end) port = -1;
  }
  if (port < 0 || port > 65535 || (host != "127.0.0.1" && host != "localhost")) {
    return absl::InvalidArgumentError(
        "--screen is 127.0.0.1:PORT: the screen is served to the box itself, never the network");
  }
  return std::pair<std::string, int>{"127.0.0.1", port};
}

VoterEvent VoterEventOf(const SheetResult& result, const Election& election) {
  VoterEvent event;
  switch (result.outcome) {
    case SheetOutcome::kCast:
      event.set_kind(VoterEvent::COUNTED);
      return event;
    case SheetOutcome::kAwaitingVoter:
      event.set_kind(VoterEvent::HELD);
      break;
    case SheetOutcome::kReturned:
      event.set_kind(VoterEvent::RETURNED);
      break;
  }
  event.set_cause(CauseName(result.decision.cause));
  event.set_may_cast_as_is(result.decision.voter_may_cast_as_is);
  for (const Contest& contest : election.contests()) {
    if (contest.id() == result.decision.contest_id) *event.mutable_contest() = contest.title();
  }
  return event;
}

ReaderFault ReaderFaultOf(const absl::Status& error,
                          const absl::StatusOr<reader::DeviceStatus>& status) {
  ReaderFault fault;
  fault.set_detail(std::string(error.message()));
  const std::string message = absl::AsciiStrToLower(error.message());
  if (status.ok() && status->state() == reader::JAMMED) {
    fault.set_kind("jam");
  } else if (status.ok() && (status->cover_open() || status->state() == reader::COVER_OPEN)) {
    fault.set_kind("cover-open");
  } else if (status.ok() && status->state() == reader::BOX_FULL) {
    fault.set_kind("box-full");
  } else if (absl::StrContains(message, "double")) {
    fault.set_kind("double-feed");
  } else if (absl::StrContains(message, "jam")) {
    fault.set_kind("jam");
  } else if (status.ok() && status->paper_in_path()) {
    fault.set_kind("paper-in-path");
  } else {
    fault.set_kind("reader");
  }
  return fault;
}

ScreenState DescribeForScreen(Precinct& precinct, const std::string& precinct_id,
                              const VoterEvent& voter, const std::optional<ReaderFault>& fault) {
  ControlRequest status_request;
  status_request.set_command(ControlRequest::STATUS);
  const ControlResponse status = HandleControlRequest(precinct, status_request, "");
  const Election& election = precinct.election();
  ScreenState state;
  state.set_poll_state(status.poll_state());
  state.set_sheets_read(status.sheets_read());
  state.set_ballots_cast(status.ballots_cast());
  state.set_test_ballots_cast(status.test_ballots_cast());
  state.set_ballot_waiting_for_voter(status.ballot_waiting_for_voter());
  *state.mutable_voter() = voter;
  if (fault) {
    *state.mutable_fault() = *fault;
  } else if (!precinct.storage_fault().ok()) {
    state.mutable_fault()->set_kind("storage");
    state.mutable_fault()->set_detail(std::string(precinct.storage_fault().message()));
  }
  state.set_transmission(status.transmission());
  *state.mutable_notices() = status.notices();
  *state.mutable_transmission_sentence() = status.transmission_sentence();
  *state.mutable_notice_sentences() = status.notice_sentences();
  state.set_time_zone(election.time_zone().empty() ? kDefaultTimeZone : election.time_zone());
  *state.mutable_election_title() = election.title();
  state.set_precinct_id(precinct_id);
  for (const esep::Precinct& p : election.precincts()) {
    if (p.id() == precinct_id) *state.mutable_precinct_name() = p.name();
  }
  state.set_now_unix_seconds(std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
  if (precinct.state() != PollState::kOpen) {
    // Outside live voting only: the votes of the test ballots (VVSG 1.1.9-K), with the counts
    // the commission expects and esepd's verdict.
    absl::StatusOr<LogicAndAccuracyReport> test = precinct.LogicAndAccuracy();
    if (test.ok()) {
      for (const LogicAndAccuracyReport::OptionCount& row : test->options()) {
        TestCount* count = state.add_test_counts();
        count->set_contest_id(row.contest_id());
        count->set_option_id(row.option_id());
        if (const Contest* contest = FindContest(election, row.contest_id())) {
          *count->mutable_contest() = contest->title();
          if (const Option* option = FindOption(*contest, row.option_id())) {
            *count->mutable_option() = option->name();
          }
        }
        count->set_votes(static_cast<std::int64_t>(row.found()));
        count->set_has_expected(row.has_expected());
        count->set_expected(static_cast<std::int64_t>(row.expected()));
      }
      state.set_test_verdict(LogicAndAccuracyReport::Verdict_Name(test->verdict()));
    }
  }
  return state;
}

}  // namespace esep::scanner
