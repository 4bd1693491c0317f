#include "esep/scanner/precinct.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "esep/proto/election.h"
#include "esep/proto/protocol_text.h"
#include "esep/proto/record_hash.h"
#include "esep/proto/sha256.h"
#include "esep/proto/software_identity.h"
#include "esep/proto/utc_time.h"
#include "esep/scanner/crash_point.h"
#include "esep/scanner/protocol_builder.h"
#include "esep/text/sentence.h"
#include "esep/vision/calibration.h"

namespace esep::scanner {
namespace {

constexpr char kPollStateSetting[] = "poll_state";
constexpr char kOpenedSetting[] = "polls_opened_unix_seconds";
constexpr char kClosedSetting[] = "polls_closed_unix_seconds";
constexpr char kClockBehindEvent[] = "clock_behind";
// The commission's expected counts of the logic-and-accuracy test (TestExpectation as JSON).
constexpr char kTestExpectationSetting[] = "test_expectation";
// No test deck holds more ballots than this; a larger expected count is a typing error.
constexpr std::uint64_t kMaxExpectedTestVotes = 1'000'000;

std::int64_t SettingNumber(const BallotStore& store, const std::string& key) {
  absl::StatusOr<std::string> text = store.GetSetting(key);
  std::int64_t value = 0;
  if (text.ok() && absl::SimpleAtoi(*text, &value)) return value;
  return 0;
}

// The numbers of a protocol without what changes from one revision to the next, to tell a
// correction that corrects something from a repeated finalisation.
std::string Substance(PrecinctProtocol protocol) {
  protocol.clear_revision();
  protocol.clear_status();
  protocol.clear_created_unix_seconds();
  protocol.clear_event_log_head_hash();
  return protocol.SerializeAsString();
}

// A refusal the commission reads, in its language (text::Sentence).
absl::Status Refused(absl::StatusCode code, const char* msgid,
                     std::vector<text::SentenceArg> args = {}) {
  return text::SentenceError(code, text::Sentence{msgid, std::move(args)});
}

}  // namespace

Precinct::Precinct(Config config, const Clock& clock) : config_(std::move(config)), clock_(clock) {}

absl::StatusOr<std::unique_ptr<Precinct>> Precinct::Open(Config config, Reader& reader,
                                                         const Clock& clock) {
  if (FindPrecinct(config.election, config.precinct_id) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("precinct \"", config.precinct_id,
                                                   "\" is not in election ", config.election.id()));
  }
  std::unique_ptr<Precinct> p(new Precinct(std::move(config), clock));
  p->election_hash_ = ElectionHash(p->config_.election);
  absl::StatusOr<reader::Identity> identity = reader.Identify();
  if (!identity.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the ballot reader does not answer: ", identity.status().message()));
  }
  p->reader_serial_ = identity->serial();
  p->reader_ = &reader;

  absl::StatusOr<std::unique_ptr<BallotStore>> store =
      BallotStore::Open({p->config_.data_directory, p->election_hash_, p->reader_serial_,
                         p->config_.create_store, p->config_.witness},
                        clock);
  if (!store.ok()) return store.status();
  p->store_ = std::move(*store);

  if (absl::Status s = p->LoadCalibration(); !s.ok()) return s;
  vision::InterpreterOptions options;
  options.precinct_id = p->config_.precinct_id;
  options.thresholds = p->config_.thresholds;
  if (!options.thresholds && p->calibration_.pass()) {
    options.thresholds = p->calibration_.recommended_thresholds();
  }
  absl::StatusOr<vision::Interpreter> live =
      vision::Interpreter::Create(p->config_.election, options);
  if (!live.ok()) return live.status();
  p->live_.emplace(std::move(*live));
  options.test_mode = true;
  absl::StatusOr<vision::Interpreter> test =
      vision::Interpreter::Create(p->config_.election, options);
  if (!test.ok()) return test.status();
  p->test_.emplace(std::move(*test));

  absl::StatusOr<std::string> saved = p->store_->GetSetting(kPollStateSetting);
  if (saved.ok()) {
    std::optional<PollState> state = ParsePollState(*saved);
    if (!state) {
      return absl::DataLossError(absl::StrCat("tally store holds unknown poll state ", *saved));
    }
    p->state_ = *state;
  } else if (!absl::IsNotFound(saved.status())) {
    return saved.status();
  }

  p->flow_ = std::make_unique<BallotFlow>(BallotFlow::Context{
      &reader, p->store_.get(), &*p->live_, &*p->test_,
      vision::EffectiveReturnPolicy(p->config_.election), p->election_hash_, p->reader_serial_,
      p->config_.precinct_id, absl::StrCat(p->config_.precinct_id, "-", p->reader_serial_),
      p->config_.software});
  absl::StatusOr<std::vector<std::int64_t>> reconciled = p->flow_->ReconcileUnconfirmedCasts();
  if (!reconciled.ok()) return reconciled.status();
  p->reconciled_ = std::move(*reconciled);
  if (absl::Status s = p->store_->LogEvent(
          "daemon_started",
          absl::StrCat("reader ", p->reader_serial_, ", poll state ", PollStateName(p->state_)));
      !s.ok()) {
    return s;
  }
  return p;
}

std::int64_t Precinct::LatestStoredTime() const {
  std::int64_t latest =
      std::max(SettingNumber(*store_, kOpenedSetting), SettingNumber(*store_, kClosedSetting));
  absl::StatusOr<std::vector<StoredProtocol>> history = store_->Protocols();
  SignedProtocol newest;
  PrecinctProtocol protocol;
  if (history.ok() && !history->empty() &&
      newest.ParseFromString(history->back().signed_protocol) &&
      protocol.ParseFromString(newest.protocol())) {
    latest = std::max(latest, protocol.created_unix_seconds());
  }
  return latest;
}

std::int64_t Precinct::StepTime() const {
  return std::max(clock_.NowUnixSeconds(), LatestStoredTime());
}

absl::Status Precinct::LogClockBehind(PollState next) {
  const char* step = next == PollState::kOpen            ? "the opening of the polls"
                     : next == PollState::kClosed        ? "the close of the polls"
                     : next == PollState::kProtocolFinal ? "the protocol"
                                                         : nullptr;
  const std::int64_t now = clock_.NowUnixSeconds();
  const std::int64_t latest = LatestStoredTime();
  if (step == nullptr || now >= latest) return absl::OkStatus();
  return flow_->Stored(store_->LogEvent(
      kClockBehindEvent,
      absl::StrCat("the clock reads ", UtcText(now), ", earlier than ", UtcText(latest),
                   " already stored: ", step, " is stored at ", UtcText(latest))));
}

std::vector<Setting> Precinct::StateSettings(PollState next) const {
  std::vector<Setting> settings = {{kPollStateSetting, PollStateName(next)}};
  const std::string now = absl::StrCat(StepTime());
  if (next == PollState::kOpen && state_ != PollState::kOpen)
    settings.emplace_back(kOpenedSetting, now);
  if (next == PollState::kClosed && state_ != PollState::kClosed) {
    settings.emplace_back(kClosedSetting, now);
  }
  return settings;
}

absl::Status Precinct::Apply(PollCommand command) {
  absl::StatusOr<PollState> next = NextPollState(state_, command);
  if (!next.ok()) return next.status();
  if (absl::Status s = LogClockBehind(*next); !s.ok()) return s;
  CrashPoint(command == PollCommand::kClosePolls ? "precinct.close_polls"
                                                 : "precinct.poll_command");
  if (absl::Status s = flow_->Stored(store_->SetSettings(StateSettings(*next))); !s.ok()) {
    return s;
  }
  state_ = *next;
  return absl::OkStatus();
}

absl::Status Precinct::StartTest() { return Apply(PollCommand::kStartTest); }
absl::Status Precinct::FinishTest() { return Apply(PollCommand::kFinishTest); }

absl::Status Precinct::LoadCalibration() {
  if (config_.calibration) {
    const CalibrationProfile& profile = *config_.calibration;
    // A profile that could never open the polls is refused now, before it is kept, and not
    // first at the opening.
    if (profile.reader_serial() != reader_serial_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the calibration profile was measured on reader ", profile.reader_serial(),
          ", not on this reader ", reader_serial_, ": calibrate this reader (esep calibrate)"));
    }
    if (!profile.pass()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the calibration profile of reader ", profile.reader_serial(), " measured ",
                       UtcText(profile.created_unix()),
                       " failed its checks: calibrate again with a good calibration sheet"));
    }
    absl::StatusOr<bool> added = store_->AddCalibrationProfile(
        profile.SerializeAsString(),
        absl::StrCat("reader ", profile.reader_serial(), ", measured ",
                     UtcText(profile.created_unix()), ", ", profile.pass() ? "PASS" : "FAIL"));
    if (!added.ok()) return added.status();
  }
  absl::StatusOr<std::vector<std::string>> history = store_->CalibrationProfiles();
  if (!history.ok()) return history.status();
  calibration_.Clear();
  if (!history->empty() && !calibration_.ParseFromString(history->back())) {
    return absl::DataLossError("tally store: the current calibration profile is unreadable");
  }
  return absl::OkStatus();
}

absl::StatusOr<text::Lines> Precinct::OpenPolls() {
  if (!NextPollState(state_, PollCommand::kOpenPolls).ok()) {
    return NextPollState(state_, PollCommand::kOpenPolls).status();
  }
  if (config_.require_calibration) {
    if (absl::Status s =
            vision::CheckProfileForPolls(calibration_, reader_serial_, clock_.NowUnixSeconds());
        !s.ok()) {
      // What is wrong with the profile is the technician's detail (vision speaks English); what
      // to do is the commission's sentence.
      return Refused(s.code(),
                     N_("the polls cannot open until a technician calibrates the reader: {reason}"),
                     {{"reason", std::string(s.message())}});
    }
  }
  // On a day with several ballots per voter the test must have read a ballot of every kind.
  absl::StatusOr<Tally> test = store_->GetTally(true);
  if (!test.ok()) return test.status();
  if (const std::vector<const BallotKind*> untested = UntestedKinds(*test); !untested.empty()) {
    std::vector<std::string> names;
    for (const BallotKind* kind : untested) {
      names.push_back(absl::StrCat(kind->id(), " (", kind->name().ru(), ")"));
    }
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("the logic-and-accuracy test read no test ballot of kind {kinds}: run the "
                      "test again with a test ballot of every kind before the polls open"),
                   {{"kinds", absl::StrJoin(names, ", ")}});
  }
  // A test the commission judged failed keeps the polls closed until it is understood.
  absl::StatusOr<LogicAndAccuracyReport> judged = LogicAndAccuracy();
  if (!judged.ok()) return judged.status();
  if (judged->verdict() == LogicAndAccuracyReport::FAIL) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("the logic-and-accuracy test failed: a count differs from the expected one; "
                      "find out why, then correct the expected counts or run the test again "
                      "before the polls open"));
  }
  absl::StatusOr<Tally> tally = store_->GetTally(false);
  if (!tally.ok()) return tally.status();
  if (tally->ballots_cast != 0 || !tally->votes.empty()) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("the live tally is not zero: the polls cannot be opened on this store"));
  }
  if (absl::Status s = Apply(PollCommand::kOpenPolls); !s.ok()) return s;
  // The tally was checked to be zero just above: the report says so and is signed on paper.
  absl::StatusOr<std::int64_t> opened = OpeningTime();
  if (!opened.ok()) return opened.status();
  return ZeroReportLines(*opened);
}

absl::StatusOr<std::int64_t> Precinct::OpeningTime() const {
  if (state_ == PollState::kSetup || state_ == PollState::kTesting || state_ == PollState::kReady) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("the zero report is printed once the polls are open; the reader is {state}"),
                   {{"state", PollStateName(state_), true}});
  }
  const std::int64_t opened = SettingNumber(*store_, kOpenedSetting);
  if (opened == 0) {
    return absl::DataLossError("tally store: the time the polls opened is not recorded");
  }
  return opened;
}

absl::StatusOr<text::Lines> Precinct::ZeroReport(std::int64_t copy_printed_unix_seconds) const {
  absl::StatusOr<std::int64_t> opened = OpeningTime();
  if (!opened.ok()) return opened.status();
  // The report as it was printed at the opening, when every counter was zero, marked as a copy.
  text::Lines report = ZeroReportLines(*opened);
  report.insert(report.begin() + 1,
                {N_("COPY of the zero report printed when the polls opened; copy printed {time}"),
                 {{"time", ProtocolTimeText(copy_printed_unix_seconds)}}});
  return report;
}

absl::StatusOr<PrecinctProtocol> Precinct::ZeroCounters() const {
  absl::StatusOr<std::int64_t> opened = OpeningTime();
  if (!opened.ok()) return opened.status();
  PrecinctProtocol counters;
  counters.set_election_id(config_.election.id());
  counters.set_precinct_id(config_.precinct_id);
  counters.set_reader_serial(reader_serial_);
  counters.set_polls_opened_unix_seconds(*opened);
  counters.set_ballots_in_stationary_box(0);
  for (const Contest* contest : ContestsOnBallot(config_.election, config_.precinct_id)) {
    ContestResult* result = counters.add_contests();
    result->set_contest_id(contest->id());
    for (const Option& option : contest->options()) {
      OptionVotes* votes = result->add_options();
      votes->set_option_id(option.id());
      votes->set_votes(0);
    }
  }
  return counters;
}

text::Lines Precinct::ZeroReportLines(std::int64_t opened_unix_seconds) const {
  text::Lines report = Report(N_("ZERO REPORT: polls opened"), Tally{}, opened_unix_seconds);
  report.push_back({"", {}});
  report.push_back({N_("ALL COUNTERS ARE ZERO"), {}});
  report.push_back({"", {}});
  report.push_back({N_("Signatures of the commission"), {}});
  for (const char* role : {N_("Chair"), N_("Secretary"), N_("Member"), N_("Member")}) {
    report.push_back({"  {role}", {{"role", role, true}}});
    report.push_back({N_("    name ______________________  signature ____________"), {}});
  }
  return report;
}

absl::Status Precinct::ClosePolls() {
  if (flow_->holding_for_voter()) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("a ballot is waiting for the voter's choice; settle it before closing "
                      "the polls"));
  }
  return Apply(PollCommand::kClosePolls);
}

absl::StatusOr<SheetResult> Precinct::FeedSheet() {
  if (AcceptsTestBallots(state_)) return flow_->ProcessSheet(/*test=*/true);
  if (AcceptsLiveBallots(state_)) return flow_->ProcessSheet(/*test=*/false);
  return absl::FailedPreconditionError(absl::StrCat(
      "ballots are read only during the logic-and-accuracy test or while the polls are open; "
      "the reader is ",
      PollStateName(state_)));
}

absl::StatusOr<SheetResult> Precinct::VoterChoice(bool cast_as_is) {
  return flow_->VoterChoice(cast_as_is);
}

absl::Status Precinct::SettleAfterReaderFault() {
  if (!flow_->storage_fault().ok()) {
    if (absl::Status s = flow_->HandBackAfterStorageFault(); !s.ok()) return s;
    return flow_->storage_fault();
  }
  absl::StatusOr<std::vector<std::int64_t>> settled = flow_->ReconcileUnconfirmedCasts();
  if (!settled.ok()) return settled.status();
  reconciled_.insert(reconciled_.end(), settled->begin(), settled->end());
  return reader_->Reset();
}

absl::StatusOr<std::int64_t> Precinct::BallotsCast() const {
  absl::StatusOr<Tally> tally = store_->GetTally(false);
  if (!tally.ok()) return tally.status();
  return tally->ballots_cast;
}

std::vector<const BallotKind*> Precinct::UntestedKinds(const Tally& test) const {
  std::vector<const BallotKind*> untested;
  for (const BallotKind& kind : config_.election.ballot_kinds()) {
    if (BallotsCastOfKind(config_.election, test, kind.id()) == 0 &&
        !ContestsOnBallot(config_.election, config_.precinct_id, kind.id()).empty()) {
      untested.push_back(&kind);
    }
  }
  return untested;
}

const char* LogicAndAccuracyVerdictMsgid(LogicAndAccuracyReport::Verdict verdict) {
  switch (verdict) {
    case LogicAndAccuracyReport::PASS:
      return N_("PASS: every count is as expected");
    case LogicAndAccuracyReport::FAIL:
      return N_("FAIL: a count differs; do not open the polls");
    default:
      return N_(
          "NOT COMPLETE: the expected counts or the test ballots are missing; do not open "
          "the polls");
  }
}

absl::StatusOr<text::Lines> Precinct::TestReport() const {
  if (state_ == PollState::kOpen) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("no counts are printed while the polls are open"));
  }
  absl::StatusOr<Tally> tally = store_->GetTally(true);
  if (!tally.ok()) return tally.status();
  text::Lines report =
      Report(N_("LOGIC AND ACCURACY TEST: test ballots only, not part of the results"), *tally);
  // The test covers every ballot the voters of this precinct receive.
  for (const BallotKind* kind : UntestedKinds(*tally)) {
    report.push_back({"", {}});
    report.push_back({N_("NOT TESTED: no test ballot of kind {kind} ({name}) was read"),
                      {{"kind", kind->id()},
                       {"name", absl::StrCat(kind->name().ky(), " / ", kind->name().ru())}}});
  }
  absl::StatusOr<LogicAndAccuracyReport> judged = LogicAndAccuracy();
  if (!judged.ok()) return judged.status();
  report.push_back({"", {}});
  report.push_back({N_("expected     found  option"), {}});
  for (const LogicAndAccuracyReport::OptionCount& row : judged->options()) {
    const Contest* contest = FindContest(config_.election, row.contest_id());
    const bool differs = row.has_expected() && row.expected() != row.found();
    report.push_back(
        {differs ? N_("{expected}  {found}  {option}  <- DIFFERS")
                 : "{expected}  {found}  {option}",
         {{"expected", absl::StrFormat("%8s", row.has_expected() ? absl::StrCat(row.expected())
                                                                 : std::string("-"))},
          {"found", absl::StrFormat("%8d", row.found())},
          {"option", PrintedOptionName(contest, row.option_id())}}});
  }
  report.push_back({"", {}});
  report.push_back({N_("VERDICT: {verdict}"),
                    {{"verdict", LogicAndAccuracyVerdictMsgid(judged->verdict()), true}}});
  return report;
}

absl::Status Precinct::SetTestExpectation(const TestExpectation& expectation) {
  if (state_ != PollState::kSetup && state_ != PollState::kTesting && state_ != PollState::kReady) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("the expected counts of the logic-and-accuracy test are given before the "
                      "polls open; the reader is {state}"),
                   {{"state", PollStateName(state_), true}});
  }
  std::set<std::pair<std::string, std::string>> on_ballot;
  for (const Contest* contest : ContestsOnBallot(config_.election, config_.precinct_id)) {
    for (const Option& option : contest->options()) on_ballot.insert({contest->id(), option.id()});
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const TestExpectedCount& count : expectation.counts()) {
    const std::pair<std::string, std::string> key{count.contest_id(), count.option_id()};
    if (!on_ballot.contains(key)) {
      return Refused(absl::StatusCode::kInvalidArgument,
                     N_("expected count for {option}: no such option is on the ballots of "
                        "precinct {precinct}"),
                     {{"option", absl::StrCat(count.contest_id(), "/", count.option_id())},
                      {"precinct", config_.precinct_id}});
    }
    if (!seen.insert(key).second) {
      return Refused(absl::StatusCode::kInvalidArgument,
                     N_("expected count for {option} is given twice"),
                     {{"option", absl::StrCat(count.contest_id(), "/", count.option_id())}});
    }
    if (count.votes() > kMaxExpectedTestVotes) {
      return Refused(absl::StatusCode::kInvalidArgument,
                     N_("expected count for {option} = {votes}: a test deck is never that large"),
                     {{"option", absl::StrCat(count.contest_id(), "/", count.option_id())},
                      {"votes", absl::StrCat(count.votes())}});
    }
  }
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(expectation, &json).ok()) {
    return absl::InternalError("the expected counts cannot be written");
  }
  return flow_->Stored(store_->SetSetting(kTestExpectationSetting, json));
}

absl::StatusOr<LogicAndAccuracyReport> Precinct::LogicAndAccuracy() const {
  if (state_ == PollState::kOpen) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("no counts are printed while the polls are open"));
  }
  absl::StatusOr<Tally> tally = store_->GetTally(true);
  if (!tally.ok()) return tally.status();
  TestExpectation expectation;
  if (absl::StatusOr<std::string> json = store_->GetSetting(kTestExpectationSetting);
      json.ok() && !json->empty() &&
      !google::protobuf::util::JsonStringToMessage(*json, &expectation).ok()) {
    return absl::DataLossError("tally store: the test's expected counts are unreadable");
  }
  std::map<std::pair<std::string, std::string>, std::uint64_t> expected;
  for (const TestExpectedCount& count : expectation.counts()) {
    expected[{count.contest_id(), count.option_id()}] = count.votes();
  }
  LogicAndAccuracyReport report;
  report.set_election_id(config_.election.id());
  report.set_election_hash(election_hash_);
  report.set_precinct_id(config_.precinct_id);
  report.set_reader_serial(reader_serial_);
  report.set_printed_unix_seconds(clock_.NowUnixSeconds());
  report.set_test_ballots_cast(tally->ballots_cast);
  if (!config_.software.program().empty()) report.set_software(SoftwareLine(config_.software));
  report.set_signing_key(config_.signing_key);
  bool complete = tally->ballots_cast > 0;
  bool differs = false;
  for (const Contest* contest : ContestsOnBallot(config_.election, config_.precinct_id)) {
    for (const Option& option : contest->options()) {
      LogicAndAccuracyReport::OptionCount* row = report.add_options();
      row->set_contest_id(contest->id());
      row->set_option_id(option.id());
      const auto found = tally->votes.find({contest->id(), option.id()});
      row->set_found(found == tally->votes.end() || found->second < 0
                         ? 0
                         : static_cast<std::uint64_t>(found->second));
      const auto want = expected.find({contest->id(), option.id()});
      if (want == expected.end() && !expectation.others_zero()) {
        complete = false;
        continue;
      }
      row->set_has_expected(true);
      row->set_expected(want == expected.end() ? 0 : want->second);
      differs |= row->expected() != row->found();
    }
  }
  for (const BallotKind* kind : UntestedKinds(*tally)) {
    report.add_untested_ballot_kinds(kind->id());
  }
  report.set_verdict(differs || (tally->ballots_cast > 0 && report.untested_ballot_kinds_size() > 0)
                         ? LogicAndAccuracyReport::FAIL
                     : complete ? LogicAndAccuracyReport::PASS
                                : LogicAndAccuracyReport::INCOMPLETE);
  return report;
}

absl::StatusOr<text::Lines> Precinct::ResultsReport() const {
  if (state_ == PollState::kSetup || state_ == PollState::kTesting || state_ == PollState::kReady ||
      state_ == PollState::kOpen) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("results are printed only after the polls close; the reader is {state}"),
                   {{"state", PollStateName(state_), true}});
  }
  absl::StatusOr<Tally> tally = store_->GetTally(false);
  if (!tally.ok()) return tally.status();
  return Report(N_("RESULTS: polls closed"), *tally);
}

absl::Status Precinct::EnterCommissionLines(const CommissionLines& lines) {
  if (state_ != PollState::kClosed && state_ != PollState::kProtocolFinal &&
      state_ != PollState::kTransmitted) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("the commission's lines are entered after the polls close; the reader is "
                      "{state}"),
                   {{"state", PollStateName(state_), true}});
  }
  if (absl::Status s = ValidateCommissionLines(config_.election, config_.precinct_id, lines);
      !s.ok()) {
    if (absl::Status d = flow_->Stored(
            store_->DiscardCommissionLines(std::string(s.message()), lines.ballot_kind()));
        !d.ok()) {
      return d;
    }
    std::vector<text::Sentence> sentences = text::SentencesOf(s);
    if (sentences.empty()) sentences.push_back({std::string(s.message()), {}});
    sentences.push_back({N_("no lines are kept: enter the corrected lines"), {}});
    return text::SentenceError(absl::StatusCode::kInvalidArgument, std::move(sentences));
  }
  return flow_->Stored(store_->SaveCommissionLines(lines.SerializeAsString(), lines.ballot_kind()));
}

namespace {

// The ballot kind of a stored protocol; empty when unreadable (never for one this store signed).
std::string KindOf(const StoredProtocol& stored) {
  SignedProtocol signed_protocol;
  PrecinctProtocol protocol;
  if (!signed_protocol.ParseFromString(stored.signed_protocol) ||
      !protocol.ParseFromString(signed_protocol.protocol())) {
    return "";
  }
  return protocol.ballot_kind();
}

}  // namespace

absl::StatusOr<StoredProtocol> Precinct::LatestProtocol(const std::string& ballot_kind) const {
  absl::StatusOr<std::vector<StoredProtocol>> all = store_->Protocols();
  if (!all.ok()) return all.status();
  for (auto it = all->rbegin(); it != all->rend(); ++it) {
    if (KindOf(*it) == ballot_kind) return std::move(*it);
  }
  return ballot_kind.empty()
             ? Refused(absl::StatusCode::kNotFound, N_("no protocol has been made final yet"))
             : Refused(absl::StatusCode::kNotFound,
                       N_("no protocol of ballot kind {kind} has been made final yet"),
                       {{"kind", ballot_kind}});
}

absl::StatusOr<ProtocolDraft> Precinct::DraftProtocol(const std::string& ballot_kind) const {
  if (state_ != PollState::kClosed && state_ != PollState::kProtocolFinal &&
      state_ != PollState::kTransmitted) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("the protocol is made after the polls close; the reader is {state}"),
                   {{"state", PollStateName(state_), true}});
  }
  if (config_.election.ballot_kinds().empty()
          ? !ballot_kind.empty()
          : FindBallotKind(config_.election, ballot_kind) == nullptr) {
    return config_.election.ballot_kinds().empty()
               ? Refused(absl::StatusCode::kInvalidArgument,
                         N_("the election has one ballot per voter; there is no protocol of kind "
                            "{kind}"),
                         {{"kind", ballot_kind}})
               : Refused(absl::StatusCode::kInvalidArgument,
                         N_("name the ballot kind of the protocol (--kind: {kinds})"),
                         {{"kinds", absl::StrJoin(BallotKindIds(config_.election), ", ")}});
  }
  absl::StatusOr<std::string> lines_bytes = store_->CommissionLinesBytes(ballot_kind);
  if (absl::IsNotFound(lines_bytes.status())) {
    return ballot_kind.empty()
               ? Refused(absl::StatusCode::kFailedPrecondition,
                         N_("enter the commission's protocol lines first (esep poll lines "
                            "--l1 N ... or --file LINES.json)"))
               : Refused(absl::StatusCode::kFailedPrecondition,
                         N_("enter the commission's protocol lines of ballot kind {kind} first "
                            "(esep poll lines --l1 N ... or --file LINES.json)"),
                         {{"kind", ballot_kind}});
  }
  if (!lines_bytes.ok()) return lines_bytes.status();
  CommissionLines lines;
  if (!lines.ParseFromString(*lines_bytes)) {
    return absl::DataLossError("tally store: the commission's lines are unreadable");
  }
  absl::StatusOr<Tally> live = store_->GetTally(false);
  if (!live.ok()) return live.status();
  absl::StatusOr<std::vector<CastVoteRecord>> records = store_->Records(false);
  if (!records.ok()) return records.status();
  // The protocol of a kind is bound to the records of its ballots only.
  std::erase_if(*records, [&](const CastVoteRecord& record) {
    const BallotStyle* style = FindBallotStyle(config_.election, record.style_id());
    return style != nullptr && style->ballot_kind() != ballot_kind;
  });
  absl::StatusOr<std::string> head = store_->EventLogHead();
  if (!head.ok()) return head.status();
  absl::StatusOr<std::vector<StoredProtocol>> history = store_->Protocols();
  if (!history.ok()) return history.status();

  ProtocolInputs in;
  in.election = &config_.election;
  in.election_hash = election_hash_;
  in.precinct_id = config_.precinct_id;
  in.reader_serial = reader_serial_;
  in.live = &*live;
  in.lines = &lines;
  in.records_root_hash = RecordsRootHash(*records);
  in.event_log_head_hash = *head;
  in.polls_opened_unix_seconds = SettingNumber(*store_, kOpenedSetting);
  // A store kept by an earlier version may hold a close before the opening (the clock set back).
  in.polls_closed_unix_seconds =
      std::max(SettingNumber(*store_, kClosedSetting), in.polls_opened_unix_seconds);
  in.created_unix_seconds = StepTime();
  in.revision = history->empty() ? 1 : history->back().revision + 1;
  const bool first_of_kind =
      std::none_of(history->begin(), history->end(),
                   [&](const StoredProtocol& stored) { return KindOf(stored) == ballot_kind; });
  in.status = first_of_kind ? FINAL : CORRECTION;
  absl::StatusOr<PrecinctProtocol> protocol = BuildPrecinctProtocol(in);
  if (!protocol.ok()) return protocol.status();
  ProtocolDraft draft;
  draft.checks = CheckProtocol(*protocol, config_.election,
                               BallotsCastOfKind(config_.election, *live, lines.ballot_kind()));
  for (ProtocolCheck& check : PrecinctBoundsChecks(*protocol, config_.election)) {
    draft.checks.push_back(std::move(check));
  }
  draft.protocol = *std::move(protocol);
  draft.lines_sha256 = ToHex(Sha256(*lines_bytes));
  return draft;
}

absl::StatusOr<StoredProtocol> Precinct::FinalizeProtocol(
    const std::string& ballot_kind, std::optional<std::string> confirmed_lines_sha256) {
  absl::StatusOr<PollState> next = NextPollState(state_, PollCommand::kFinalizeProtocol);
  if (!next.ok()) return next.status();
  if (!config_.signer) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("this reader has no signing key: a protocol cannot be made final"));
  }
  absl::StatusOr<ProtocolDraft> draft = DraftProtocol(ballot_kind);
  if (!draft.ok()) return draft.status();
  if (confirmed_lines_sha256 && *confirmed_lines_sha256 != draft->lines_sha256) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("the commission's lines changed after the draft it confirmed: look at "
                      "the new draft (esep poll draft) and finalize again"));
  }
  if (!ProtocolMayBeFinal(draft->checks)) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("the protocol breaks a control relation and cannot be made final:\n"
                      "{relations}"),
                   {{"relations", DescribeBrokenRelations(draft->checks)}});
  }
  bool warning = false;
  for (const ProtocolCheck& check : draft->checks) warning |= !check.blocking && !check.holds;
  if (warning && draft->protocol.commission_explanation().empty()) {
    return Refused(absl::StatusCode::kFailedPrecondition,
                   N_("the protocol needs the commission's written explanation (\"explanation\" "
                      "in the lines) for:\n{relations}"),
                   {{"relations", DescribeBrokenRelations(draft->checks)}});
  }
  absl::StatusOr<StoredProtocol> latest = LatestProtocol(ballot_kind);
  if (!latest.ok() && !absl::IsNotFound(latest.status())) return latest.status();
  if (latest.ok()) {
    SignedProtocol previous;
    PrecinctProtocol previous_protocol;
    if (!previous.ParseFromString(latest->signed_protocol) ||
        !previous_protocol.ParseFromString(previous.protocol())) {
      return absl::DataLossError("tally store: the previous protocol is unreadable");
    }
    if (Substance(previous_protocol) == Substance(draft->protocol)) {
      return Refused(absl::StatusCode::kFailedPrecondition,
                     N_("revision {revision} is already final with these numbers; a correction "
                        "must change a line"),
                     {{"revision", absl::StrCat(latest->revision)}});
    }
  }
  if (absl::Status s = LogClockBehind(*next); !s.ok()) return s;
  absl::StatusOr<SignedProtocol> signed_protocol = config_.signer(draft->protocol);
  if (!signed_protocol.ok()) return signed_protocol.status();
  const std::string bytes = signed_protocol->SerializeAsString();
  const std::string sha = ToHex(Sha256(signed_protocol->protocol()));
  if (absl::Status s = flow_->Stored(
          store_->CommitProtocol(draft->protocol.revision(), bytes, sha, StateSettings(*next)));
      !s.ok()) {
    return s;
  }
  state_ = *next;
  StoredProtocol stored;
  stored.revision = draft->protocol.revision();
  stored.protocol_sha256 = sha;
  stored.signed_protocol = bytes;
  stored.created_unix_seconds = draft->protocol.created_unix_seconds();
  return stored;
}

absl::StatusOr<std::vector<StoredProtocol>> Precinct::Protocols() const {
  return store_->Protocols();
}

absl::StatusOr<std::optional<PrecinctProtocol>> Precinct::ReplacedProtocol(
    const PrecinctProtocol& protocol) const {
  absl::StatusOr<std::vector<StoredProtocol>> all = store_->Protocols();
  if (!all.ok()) return all.status();
  for (auto it = all->rbegin(); it != all->rend(); ++it) {
    if (it->revision >= protocol.revision() || KindOf(*it) != protocol.ballot_kind()) continue;
    SignedProtocol signed_protocol;
    PrecinctProtocol replaced;
    if (!signed_protocol.ParseFromString(it->signed_protocol) ||
        !replaced.ParseFromString(signed_protocol.protocol())) {
      return absl::DataLossError(
          absl::StrCat("tally store: final protocol revision ", it->revision, " is unreadable"));
    }
    return std::optional<PrecinctProtocol>(std::move(replaced));
  }
  return std::optional<PrecinctProtocol>();
}

absl::StatusOr<std::optional<StoredProtocol>> Precinct::NextUndelivered() const {
  absl::StatusOr<std::vector<StoredProtocol>> all = store_->Protocols();
  if (!all.ok()) return all.status();
  for (StoredProtocol& p : *all) {
    if (!p.receipt) return std::optional<StoredProtocol>(std::move(p));
  }
  return std::optional<StoredProtocol>();
}

absl::Status Precinct::RecordReceipt(std::uint32_t revision, const std::string& receipt) {
  absl::StatusOr<std::vector<StoredProtocol>> all = store_->Protocols();
  if (!all.ok()) return all.status();
  // Transmitted once every final protocol (of every ballot kind) is acknowledged.
  const bool last_undelivered =
      std::any_of(all->begin(), all->end(),
                  [&](const StoredProtocol& p) { return p.revision == revision; }) &&
      std::all_of(all->begin(), all->end(), [&](const StoredProtocol& p) {
        return p.revision == revision || p.receipt.has_value();
      });
  std::vector<Setting> settings;
  std::optional<PollState> next;
  if (last_undelivered && state_ == PollState::kProtocolFinal) {
    absl::StatusOr<PollState> transmitted = NextPollState(state_, PollCommand::kMarkTransmitted);
    if (!transmitted.ok()) return transmitted.status();
    next = *transmitted;
    settings = StateSettings(*next);
  }
  if (absl::Status s = flow_->Stored(store_->StoreReceipt(revision, receipt, settings)); !s.ok()) {
    return s;
  }
  if (next) state_ = *next;
  return absl::OkStatus();
}

std::string Precinct::ProtocolText(const PrecinctProtocol& p,
                                   const std::vector<ProtocolCheck>& checks,
                                   const PrecinctProtocol* replaced) const {
  return FormatProtocolText(config_.election, p, checks, replaced);
}

text::Lines Precinct::Report(const char* title, const Tally& tally,
                             std::optional<std::int64_t> printed_unix_seconds) const {
  const Election& e = config_.election;
  text::Lines out;
  out.push_back({title, {}});
  out.push_back({"{ky} / {ru}", {{"ky", e.title().ky()}, {"ru", e.title().ru()}}});
  out.push_back({N_("election   {id} ({date})"), {{"id", e.id()}, {"date", e.date()}}});
  out.push_back({N_("hash       {hash}"), {{"hash", election_hash_}}});
  out.push_back({N_("precinct   {precinct}"), {{"precinct", config_.precinct_id}}});
  out.push_back({N_("reader     {serial}"), {{"serial", reader_serial_}}});
  // The precinct's own time, as the commission reads its clock, and UTC.
  out.push_back(
      {N_("printed    {time}"),
       {{"time", ProtocolTimeText(printed_unix_seconds.value_or(clock_.NowUnixSeconds()))}}});
  if (!config_.software.program().empty()) {
    out.push_back({N_("software   {software}"), {{"software", SoftwareLine(config_.software)}}});
  }
  if (!config_.signing_key.empty()) {
    out.push_back({N_("key        {key}"), {{"key", config_.signing_key}}});
  }
  out.push_back({N_("ballots cast: {n}"), {{"n", absl::StrCat(tally.ballots_cast)}}});
  for (const BallotKind& kind : e.ballot_kinds()) {
    out.push_back(
        {N_("  of kind {kind}: {n}"),
         {{"kind", kind.id()}, {"n", absl::StrCat(BallotsCastOfKind(e, tally, kind.id()))}}});
  }
  // What the outcome counts are called; the English words are the store's names for them.
  static constexpr std::pair<const char*, const char*> kOutcomes[] = {
      {"VALID", N_("ballots VALID")},
      {"UNDERVOTE", N_("ballots UNDERVOTE")},
      {"OVERVOTE", N_("ballots OVERVOTE")},
      {"BLANK", N_("ballots BLANK")}};
  for (const Contest* c : ContestsOnBallot(e, config_.precinct_id)) {
    const Contest& contest = *c;
    out.push_back({"", {}});
    out.push_back({N_("{title} [{id}], vote for {n}"),
                   {{"title", PrintedContestTitle(&contest, contest.id())},
                    {"id", contest.id()},
                    {"n", absl::StrCat(contest.vote_for())}}});
    for (const Option& option : contest.options()) {
      const auto it = tally.votes.find({contest.id(), option.id()});
      out.push_back({"  {votes}  {option}",
                     {{"votes", absl::StrFormat("%8d", it == tally.votes.end() ? 0 : it->second)},
                      {"option", PrintedOptionName(&contest, option.id())}}});
    }
    for (const auto& [outcome, name] : kOutcomes) {
      const auto it = tally.outcomes.find({contest.id(), outcome});
      out.push_back({"  {n}  {outcome}",
                     {{"n", absl::StrFormat("%8d", it == tally.outcomes.end() ? 0 : it->second)},
                      {"outcome", name, true}}});
    }
  }
  return out;
}

}  // namespace esep::scanner
