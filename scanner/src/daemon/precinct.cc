#include "esep/scanner/precinct.h"

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "esep/proto/election.h"
#include "esep/scanner/crash_point.h"

namespace esep::scanner {
namespace {

constexpr char kPollStateSetting[] = "poll_state";

// UTC, to the second (VVSG 1.1.9-M).
std::string Timestamp(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

std::string OptionName(const Option& option) {
  if (!option.name().ky().empty() && !option.name().ru().empty() &&
      option.name().ky() != option.name().ru()) {
    return absl::StrCat(option.name().ky(), " / ", option.name().ru());
  }
  return option.name().ky().empty() ? option.name().ru() : option.name().ky();
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

  absl::StatusOr<std::unique_ptr<BallotStore>> store =
      BallotStore::Open({p->config_.data_directory, p->election_hash_, p->reader_serial_}, clock);
  if (!store.ok()) return store.status();
  p->store_ = std::move(*store);

  vision::InterpreterOptions options;
  options.precinct_id = p->config_.precinct_id;
  options.thresholds = p->config_.thresholds;
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
      p->config_.precinct_id, absl::StrCat(p->config_.precinct_id, "-", p->reader_serial_)});
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

absl::Status Precinct::Apply(PollCommand command) {
  absl::StatusOr<PollState> next = NextPollState(state_, command);
  if (!next.ok()) return next.status();
  CrashPoint(command == PollCommand::kClosePolls ? "precinct.close_polls"
                                                 : "precinct.poll_command");
  if (absl::Status s = store_->SetSetting(kPollStateSetting, PollStateName(*next)); !s.ok()) {
    return s;
  }
  state_ = *next;
  return absl::OkStatus();
}

absl::Status Precinct::StartTest() { return Apply(PollCommand::kStartTest); }
absl::Status Precinct::FinishTest() { return Apply(PollCommand::kFinishTest); }

absl::StatusOr<std::string> Precinct::OpenPolls() {
  if (!NextPollState(state_, PollCommand::kOpenPolls).ok()) {
    return NextPollState(state_, PollCommand::kOpenPolls).status();
  }
  absl::StatusOr<Tally> tally = store_->GetTally(false);
  if (!tally.ok()) return tally.status();
  if (tally->ballots_cast != 0 || !tally->votes.empty()) {
    return absl::FailedPreconditionError(
        "the live tally is not zero: the polls cannot be opened on this store");
  }
  if (absl::Status s = Apply(PollCommand::kOpenPolls); !s.ok()) return s;
  return Report("ZERO REPORT — polls opened", *tally);
}

absl::Status Precinct::ClosePolls() {
  if (flow_->holding_for_voter()) {
    return absl::FailedPreconditionError(
        "a ballot is waiting for the voter's choice; settle it before closing the polls");
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

absl::StatusOr<std::int64_t> Precinct::BallotsCast() const {
  absl::StatusOr<Tally> tally = store_->GetTally(false);
  if (!tally.ok()) return tally.status();
  return tally->ballots_cast;
}

absl::StatusOr<std::string> Precinct::TestReport() const {
  if (state_ == PollState::kOpen) {
    return absl::FailedPreconditionError("no counts are printed while the polls are open");
  }
  absl::StatusOr<Tally> tally = store_->GetTally(true);
  if (!tally.ok()) return tally.status();
  return Report("LOGIC AND ACCURACY TEST — test ballots only, not part of the results", *tally);
}

absl::StatusOr<std::string> Precinct::ResultsReport() const {
  if (state_ == PollState::kSetup || state_ == PollState::kTesting || state_ == PollState::kReady ||
      state_ == PollState::kOpen) {
    return absl::FailedPreconditionError(absl::StrCat(
        "results are printed only after the polls close; the reader is ", PollStateName(state_)));
  }
  absl::StatusOr<Tally> tally = store_->GetTally(false);
  if (!tally.ok()) return tally.status();
  return Report("RESULTS — polls closed", *tally);
}

std::string Precinct::Report(const std::string& title, const Tally& tally) const {
  const Election& e = config_.election;
  std::string out;
  absl::StrAppend(&out, title, "\n", e.title().ky(), " / ", e.title().ru(), "\n");
  absl::StrAppend(&out, "election   ", e.id(), " (", e.date(), ")\n");
  absl::StrAppend(&out, "hash       ", election_hash_, "\n");
  absl::StrAppend(&out, "precinct   ", config_.precinct_id, "\n");
  absl::StrAppend(&out, "reader     ", reader_serial_, "\n");
  absl::StrAppend(&out, "printed    ", Timestamp(clock_.NowUnixSeconds()), "\n");
  absl::StrAppend(&out, "ballots cast: ", tally.ballots_cast, "\n");
  const BallotStyle* style = nullptr;
  for (const BallotStyle& s : e.ballot_styles()) {
    for (const std::string& id : s.precinct_ids()) {
      if (id == config_.precinct_id) style = &s;
    }
  }
  for (const Contest& contest : e.contests()) {
    bool on_ballot = false;
    if (style != nullptr) {
      for (const Target& t : style->targets()) on_ballot |= t.contest_id() == contest.id();
    }
    if (!on_ballot) continue;
    absl::StrAppend(&out, "\n", contest.title().ru(), " [", contest.id(), "], vote for ",
                    contest.vote_for(), "\n");
    for (const Option& option : contest.options()) {
      const auto it = tally.votes.find({contest.id(), option.id()});
      absl::StrAppend(&out, absl::StrFormat("  %8d  ", it == tally.votes.end() ? 0 : it->second),
                      OptionName(option), "\n");
    }
    for (const char* outcome : {"VALID", "UNDERVOTE", "OVERVOTE", "BLANK"}) {
      const auto it = tally.outcomes.find({contest.id(), outcome});
      absl::StrAppend(&out, absl::StrFormat("  %8d  ballots %s\n",
                                            it == tally.outcomes.end() ? 0 : it->second, outcome));
    }
  }
  return out;
}

}  // namespace esep::scanner
