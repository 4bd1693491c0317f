#include "esep/scanner/protocol_builder.h"

#include <limits>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "esep/proto/election.h"
#include "esep/text/sentence.h"

namespace esep::scanner {
namespace {

// Protocol lines are counts of paper: anything near 2^62 is a typing error, and keeping the
// bound far from the type's limit keeps every later sum exact.
constexpr std::uint64_t kMaxLine = std::uint64_t{1} << 40;

std::uint64_t Count(const std::map<std::pair<std::string, std::string>, std::int64_t>& counts,
                    const std::string& contest, const std::string& key) {
  const auto it = counts.find({contest, key});
  return it == counts.end() || it->second < 0 ? 0 : static_cast<std::uint64_t>(it->second);
}

const MobileBoxContest* FindMobileCount(const CommissionLines& lines, const std::string& contest) {
  for (const MobileBoxContest& m : lines.mobile_box_counts()) {
    if (m.contest_id() == contest) return &m;
  }
  return nullptr;
}

// A refusal of the lines that names the field, in the commission's language (text::Sentence).
absl::Status Refused(const char* msgid, std::vector<text::SentenceArg> args = {}) {
  return text::SentenceError(absl::StatusCode::kInvalidArgument,
                             text::Sentence{msgid, std::move(args)});
}

}  // namespace

std::uint64_t BallotsCastOfKind(const Election& election, const Tally& tally,
                                const std::string& kind) {
  std::int64_t cast = 0;
  if (election.ballot_kinds().empty()) {
    cast = tally.ballots_cast;
  } else {
    for (const auto& [style_id, count] : tally.ballots_cast_by_style) {
      const BallotStyle* style = FindBallotStyle(election, style_id);
      if (style != nullptr && style->ballot_kind() == kind) cast += count;
    }
  }
  return cast < 0 ? 0 : static_cast<std::uint64_t>(cast);
}

absl::Status ValidateCommissionLines(const Election& election, const std::string& precinct_id,
                                     const CommissionLines& lines) {
  const std::pair<const char*, std::uint64_t> named[] = {
      {"voters_on_list (L1)", lines.voters_on_list()},
      {"ballots_received (L2)", lines.ballots_received()},
      {"ballots_issued_in_room (L3)", lines.ballots_issued_in_room()},
      {"ballots_issued_outside (L4)", lines.ballots_issued_outside()},
      {"ballots_cancelled (L5)", lines.ballots_cancelled()},
      {"ballots_in_mobile_boxes (L7)", lines.ballots_in_mobile_boxes()},
      {"ballots_lost (L10)", lines.ballots_lost()},
      {"ballots_not_counted_at_receipt (L11)", lines.ballots_not_counted_at_receipt()}};
  for (const auto& [field, value] : named) {
    if (value > kMaxLine) {
      return Refused(N_("{field} = {value}: a protocol line of that many ballots cannot be right"),
                     {{"field", field}, {"value", absl::StrCat(value)}});
    }
  }
  const std::string& kind = lines.ballot_kind();
  if (election.ballot_kinds().empty() ? !kind.empty() : FindBallotKind(election, kind) == nullptr) {
    return election.ballot_kinds().empty()
               ? Refused(N_("the lines name ballot kind \"{kind}\", but the election has one "
                            "ballot per voter"),
                         {{"kind", kind}})
               : Refused(N_("the lines name ballot kind \"{kind}\", which is not one of the "
                            "election's ({kinds})"),
                         {{"kind", kind}, {"kinds", absl::StrJoin(BallotKindIds(election), ", ")}});
  }
  const std::vector<const Contest*> on_ballot = ContestsOnBallot(election, precinct_id, kind);
  if (on_ballot.empty()) {
    return kind.empty()
               ? Refused(N_("precinct {precinct} is issued no ballot"), {{"precinct", precinct_id}})
               : Refused(N_("precinct {precinct} is issued no ballot of kind \"{kind}\""),
                         {{"precinct", precinct_id}, {"kind", kind}});
  }
  if (const Precinct* precinct = FindPrecinct(election, precinct_id);
      precinct != nullptr && precinct->registered_voters() != 0 &&
      lines.voters_on_list() > precinct->registered_voters()) {
    return Refused(N_("voters_on_list (L1) = {l1} is above the {registered} registered voters of "
                      "precinct {precinct} in the election definition"),
                   {{"l1", absl::StrCat(lines.voters_on_list())},
                    {"registered", absl::StrCat(precinct->registered_voters())},
                    {"precinct", precinct_id}});
  }
  std::set<std::string> seen;
  for (const MobileBoxContest& m : lines.mobile_box_counts()) {
    const Contest* contest = nullptr;
    for (const Contest* c : on_ballot) {
      if (c->id() == m.contest_id()) contest = c;
    }
    if (contest == nullptr) {
      return kind.empty()
                 ? Refused(N_("the mobile-box count names contest \"{contest}\", which is not on "
                              "the ballot of precinct {precinct}"),
                           {{"contest", m.contest_id()}, {"precinct", precinct_id}})
                 : Refused(
                       N_("the mobile-box count names contest \"{contest}\", which is not on "
                          "the \"{kind}\" ballot of precinct {precinct}"),
                       {{"contest", m.contest_id()}, {"kind", kind}, {"precinct", precinct_id}});
    }
    if (!seen.insert(m.contest_id()).second) {
      return Refused(N_("contest {contest} has two mobile-box counts"),
                     {{"contest", m.contest_id()}});
    }
    if (m.invalid_ballots() > kMaxLine) {
      return Refused(N_("contest {contest}: {count} invalid ballots cannot be right"),
                     {{"contest", m.contest_id()}, {"count", absl::StrCat(m.invalid_ballots())}});
    }
    std::set<std::string> options;
    for (const OptionVotes& votes : m.options()) {
      if (FindOption(*contest, votes.option_id()) == nullptr) {
        return Refused(N_("contest {contest} has no option \"{option}\""),
                       {{"contest", m.contest_id()}, {"option", votes.option_id()}});
      }
      if (!options.insert(votes.option_id()).second) {
        return Refused(N_("contest {contest}: option {option} is counted twice"),
                       {{"contest", m.contest_id()}, {"option", votes.option_id()}});
      }
      if (votes.votes() > kMaxLine) {
        return Refused(N_("contest {contest}: {count} votes cannot be right"),
                       {{"contest", m.contest_id()}, {"count", absl::StrCat(votes.votes())}});
      }
    }
  }
  return absl::OkStatus();
}

std::vector<ProtocolCheck> PrecinctBoundsChecks(const PrecinctProtocol& p,
                                                const Election& election) {
  std::vector<ProtocolCheck> checks;
  // Every line is at most kMaxLine (2^40) or the machine's count, so the sum cannot overflow.
  const std::uint64_t in_boxes = p.ballots_in_stationary_box() + p.ballots_in_mobile_boxes();
  checks.push_back({"L6 + L7 <= L1 (ballots in the boxes at most the voters on the list)", true,
                    in_boxes <= p.voters_on_list(),
                    absl::StrCat(p.ballots_in_stationary_box(), " + ", p.ballots_in_mobile_boxes(),
                                 " <= ", p.voters_on_list())});
  if (const Precinct* precinct = FindPrecinct(election, p.precinct_id());
      precinct != nullptr && precinct->registered_voters() != 0) {
    checks.push_back({"L1 <= registered voters in the election definition", true,
                      p.voters_on_list() <= precinct->registered_voters(),
                      absl::StrCat(p.voters_on_list(), " <= ", precinct->registered_voters())});
  }
  return checks;
}

absl::StatusOr<PrecinctProtocol> BuildPrecinctProtocol(const ProtocolInputs& in) {
  if (in.election == nullptr || in.live == nullptr || in.lines == nullptr) {
    return absl::InternalError("protocol inputs are incomplete");
  }
  if (absl::Status s = ValidateCommissionLines(*in.election, in.precinct_id, *in.lines); !s.ok()) {
    return s;
  }
  if (in.polls_opened_unix_seconds > in.polls_closed_unix_seconds ||
      in.polls_closed_unix_seconds > in.created_unix_seconds) {
    return absl::InternalError(absl::StrCat(
        "the protocol's times go backwards: polls opened ", in.polls_opened_unix_seconds,
        ", closed ", in.polls_closed_unix_seconds, ", protocol made ", in.created_unix_seconds));
  }
  const CommissionLines& lines = *in.lines;
  PrecinctProtocol p;
  p.set_election_id(in.election->id());
  p.set_election_hash(in.election_hash);
  p.set_precinct_id(in.precinct_id);
  p.set_reader_serial(in.reader_serial);
  p.set_revision(in.revision);
  p.set_status(in.status);
  p.set_voters_on_list(lines.voters_on_list());
  p.set_ballots_received(lines.ballots_received());
  p.set_ballots_issued_in_room(lines.ballots_issued_in_room());
  p.set_ballots_issued_outside(lines.ballots_issued_outside());
  p.set_ballots_cancelled(lines.ballots_cancelled());
  p.set_ballot_kind(lines.ballot_kind());
  p.set_ballots_in_stationary_box(BallotsCastOfKind(*in.election, *in.live, lines.ballot_kind()));
  p.set_ballots_in_mobile_boxes(lines.ballots_in_mobile_boxes());
  p.set_ballots_lost(lines.ballots_lost());
  p.set_ballots_not_counted_at_receipt(lines.ballots_not_counted_at_receipt());
  for (const Contest* contest :
       ContestsOnBallot(*in.election, in.precinct_id, lines.ballot_kind())) {
    const std::string& c = contest->id();
    const MobileBoxContest* mobile = FindMobileCount(lines, c);
    ContestResult* result = p.add_contests();
    result->set_contest_id(c);
    result->set_vote_for(contest->vote_for());
    std::uint64_t mobile_valid = lines.ballots_in_mobile_boxes();
    if (mobile != nullptr) {
      mobile_valid =
          mobile->invalid_ballots() > mobile_valid ? 0 : mobile_valid - mobile->invalid_ballots();
    }
    if (mobile == nullptr && lines.ballots_in_mobile_boxes() > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("the commission entered ", lines.ballots_in_mobile_boxes(),
                       " ballots from mobile boxes but no hand count for contest ", c));
    }
    result->set_invalid_ballots(Count(in.live->outcomes, c, "OVERVOTE") +
                                Count(in.live->outcomes, c, "BLANK") +
                                (mobile ? mobile->invalid_ballots() : 0));
    result->set_valid_ballots(Count(in.live->outcomes, c, "VALID") +
                              Count(in.live->outcomes, c, "UNDERVOTE") + mobile_valid);
    for (const Option& option : contest->options()) {
      std::uint64_t votes = Count(in.live->votes, c, option.id());
      if (mobile != nullptr) {
        for (const OptionVotes& v : mobile->options()) {
          if (v.option_id() == option.id()) votes += v.votes();
        }
      }
      OptionVotes* line = result->add_options();
      line->set_option_id(option.id());
      line->set_votes(votes);
    }
  }
  p.set_records_root_hash(in.records_root_hash);
  p.set_event_log_head_hash(in.event_log_head_hash);
  p.set_polls_opened_unix_seconds(in.polls_opened_unix_seconds);
  p.set_polls_closed_unix_seconds(in.polls_closed_unix_seconds);
  p.set_created_unix_seconds(in.created_unix_seconds);
  p.set_commission_explanation(lines.explanation());
  return p;
}

}  // namespace esep::scanner
