#include "esep/transport/aggregation.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "esep/proto/election.h"
#include "esep/proto/protocol_checks.h"
#include "esep/transport/protocol_review.h"
#include "on_cores.h"

namespace esep::transport {
namespace {

__extension__ using Wide = unsigned __int128;

const std::string& DisplayName(const LocalizedText& text) {
  return text.en().empty() ? text.ru() : text.en();
}

// Adds `value` to `total`, refusing a total that no longer fits: the total of `whose` `what`
// (the words are joined only then, as this runs for every number of every protocol).
absl::Status Accumulate(std::uint64_t& total, std::uint64_t value, std::string_view whose,
                        std::string_view what) {
  if (__builtin_add_overflow(total, value, &total)) {
    return absl::OutOfRangeError(
        absl::StrCat("The total of ", std::string(whose), std::string(what),
                     " does not fit in 64 bits; a protocol carries an impossible number."));
  }
  return absl::OkStatus();
}

ContestTotal EmptyTotal(const Contest& contest) {
  ContestTotal total;
  total.contest_id = contest.id();
  total.title = DisplayName(contest.title());
  total.kind = contest.kind();
  total.vote_for = contest.vote_for();
  total.options.reserve(contest.options_size());
  for (const Option& option : contest.options()) {
    OptionTotal o;
    o.option_id = option.id();
    o.name = DisplayName(option.name());
    o.exclusive = option.exclusive();
    total.options.push_back(std::move(o));
  }
  return total;
}

// Adds one precinct's lines of a contest to `total`. The protocol has passed CheckProtocol, so
// its options are the contest's, in ballot order.
absl::Status AddContest(const ContestResult& result, ContestTotal& total) {
  if (result.options_size() != static_cast<int>(total.options.size())) {
    return absl::InternalError(absl::StrCat("Contest ", result.contest_id(),
                                            " has a different number of options than its result."));
  }
  ++total.precincts_counted;
  const std::string& id = result.contest_id();
  if (absl::Status s =
          Accumulate(total.invalid_ballots, result.invalid_ballots(), id, " invalid ballots");
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          Accumulate(total.valid_ballots, result.valid_ballots(), id, " valid ballots");
      !s.ok()) {
    return s;
  }
  for (int i = 0; i < result.options_size(); ++i) {
    if (absl::Status s =
            Accumulate(total.options[i].votes, result.options(i).votes(), id, " votes");
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            Accumulate(total.votes_for_options, result.options(i).votes(), id, " votes");
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// Shares, leaders and flags of a contest whose counts are complete. Shares come only from the
// stored counts, and their sum is checked: a display above 100% is an error, never a result.
absl::Status FinishContest(ContestTotal& total) {
  std::uint64_t share_sum = 0;
  std::uint64_t vote_sum = 0;
  for (OptionTotal& o : total.options) {
    o.share = ShareOf(o.votes, total.votes_for_options);
    share_sum += o.share;
    vote_sum += o.votes;
  }
  if (vote_sum != total.votes_for_options || share_sum > kFullShare) {
    return absl::InternalError(
        absl::StrCat("Contest ", total.contest_id, ": shares add up to ", FormatShare(share_sum),
                     "% of ", total.votes_for_options, " votes; results are not published."));
  }
  std::uint64_t most = 0;
  for (const OptionTotal& o : total.options) most = std::max(most, o.votes);
  total.leaders.clear();
  if (most > 0) {
    for (const OptionTotal& o : total.options) {
      if (o.votes == most) total.leaders.push_back(o.option_id);
    }
  }
  std::uint64_t best_candidate = 0;
  std::uint64_t best_exclusive = 0;
  for (const OptionTotal& o : total.options) {
    std::uint64_t& best = o.exclusive ? best_exclusive : best_candidate;
    best = std::max(best, o.votes);
  }
  total.against_all_leads =
      total.kind == CANDIDATE && best_exclusive > 0 && best_exclusive >= best_candidate;
  const Wide in_boxes = Wide{total.invalid_ballots} + total.valid_ballots;
  total.leader_has_majority = total.leaders.size() == 1 && Wide{most} * 2 > in_boxes;
  return absl::OkStatus();
}

// The national party-list threshold and seats.
absl::Status AllocateListSeats(const AggregationRules& rules, ContestTotal& total) {
  const Wide base = rules.threshold_base == ThresholdBase::kBallotsInBoxes
                        ? Wide{total.invalid_ballots} + total.valid_ballots
                        : Wide{total.valid_ballots};
  if (base > ~std::uint64_t{0}) {
    return absl::OutOfRangeError("Ballots in the boxes do not fit in 64 bits.");
  }
  total.threshold_base_ballots = static_cast<std::uint64_t>(base);
  const Wide needed = base * rules.threshold_percent;
  total.threshold_votes = static_cast<std::uint64_t>((needed + 99) / 100);
  std::vector<std::uint64_t> eligible;
  for (OptionTotal& o : total.options) {
    o.over_threshold = !o.exclusive && o.votes > 0 && Wide{o.votes} * 100 >= needed;
    eligible.push_back(o.over_threshold ? o.votes : 0);
  }
  const std::vector<std::uint32_t> seats = AllocateSeatsHare(eligible, rules.list_seats);
  std::uint64_t seat_sum = 0;
  for (std::size_t i = 0; i < seats.size(); ++i) {
    total.options[i].seats = seats[i];
    seat_sum += seats[i];
  }
  total.seats_allocated = seat_sum > 0;
  if (seat_sum != 0 && seat_sum != rules.list_seats) {
    return absl::InternalError(absl::StrCat("Contest ", total.contest_id, ": ", seat_sum,
                                            " seats allocated instead of ", rules.list_seats,
                                            "; results are not published."));
  }
  return absl::OkStatus();
}

absl::Status CheckBelongs(const ElectionIndex& index, const PrecinctProtocol& p) {
  // Only a refusal needs the words.
  auto who = [&p] { return absl::StrCat("The protocol of precinct ", p.precinct_id()); };
  const Election& election = index.election();
  const std::string& hash = index.hash();
  if (p.election_id() != election.id()) {
    return absl::FailedPreconditionError(absl::StrCat(who(), " is for election '", p.election_id(),
                                                      "', not '", election.id(), "'."));
  }
  if (p.election_hash() != hash) {
    return absl::FailedPreconditionError(
        absl::StrCat(who(), " was made with another version of the election definition (hash ",
                     p.election_hash().substr(0, 16), ", expected ", hash.substr(0, 16), ")."));
  }
  if (index.FindPrecinct(p.precinct_id()) == nullptr) {
    return absl::NotFoundError(absl::StrCat(who(), ": the election has no such precinct."));
  }
  if (p.status() == PRELIMINARY) {
    return absl::FailedPreconditionError(
        absl::StrCat(who(), " is preliminary; only final protocols and corrections are counted."));
  }
  const std::vector<ProtocolCheck> checks = CheckProtocol(p, index, std::nullopt);
  if (!ProtocolMayBeFinal(checks)) {
    return absl::FailedPreconditionError(absl::StrCat(who(), " (revision ", p.revision(),
                                                      ") breaks control relations:\n",
                                                      DescribeBrokenRelations(checks)));
  }
  return absl::OkStatus();
}

// One precinct's own totals from its protocol, with checked arithmetic.
absl::StatusOr<UnitTotals> PrecinctTotals(const Election& election, const Precinct& precinct,
                                          const PrecinctProtocol& p) {
  UnitTotals unit;
  unit.id = precinct.id();
  unit.name = precinct.name().ru();
  unit.revision = p.revision();
  unit.voters_on_list = p.voters_on_list();
  unit.ballots_in_boxes = p.ballots_in_stationary_box();
  if (absl::Status s = Accumulate(unit.ballots_in_boxes, p.ballots_in_mobile_boxes(),
                                  absl::StrCat("precinct ", p.precinct_id()), " ballots");
      !s.ok()) {
    return s;
  }
  unit.turnout = ShareOf(unit.ballots_in_boxes, unit.voters_on_list);
  for (const Contest& contest : election.contests()) {
    for (const ContestResult& result : p.contests()) {
      if (result.contest_id() != contest.id()) continue;
      ContestTotal local = EmptyTotal(contest);
      local.precincts_expected = 1;
      if (absl::Status s = AddContest(result, local); !s.ok()) return s;
      if (absl::Status s = FinishContest(local); !s.ok()) return s;
      unit.contests.push_back(std::move(local));
    }
  }
  return unit;
}

absl::Status CheckRules(const AggregationRules& rules) {
  if (rules.threshold_percent > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("A threshold of ", rules.threshold_percent, "% cannot be met."));
  }
  return absl::OkStatus();
}

ExcludedProtocol LeftOut(const PrecinctProtocol& p, Exclusion exclusion, absl::string_view reason) {
  return {p.precinct_id(), p.revision(), exclusion,
          std::string(absl::StripTrailingAsciiWhitespace(reason))};
}

// The results before any protocol: every contest of the election with its precincts expected.
Results EmptyResults(const ElectionIndex& index, const AggregationRules& rules) {
  const Election& election = index.election();
  Results results;
  results.election_id = election.id();
  results.election_hash = index.hash();
  results.election_title = DisplayName(election.title());
  results.rules = rules;
  results.precincts_expected = static_cast<std::uint32_t>(election.precincts_size());
  results.national.id = election.id();
  const auto expected = PrecinctsByContest(election);
  for (const Contest& contest : election.contests()) {
    ContestTotal total = EmptyTotal(contest);
    auto it = expected.find(contest.id());
    if (it != expected.end()) total.precincts_expected = it->second.size();
    results.national.contests.push_back(std::move(total));
  }
  return results;
}

// The country's turnout, shares, leaders and seats from its sums.
absl::Status FinishNational(const AggregationRules& rules, UnitTotals& nation) {
  nation.turnout = ShareOf(nation.ballots_in_boxes, nation.voters_on_list);
  for (ContestTotal& total : nation.contests) {
    if (absl::Status s = FinishContest(total); !s.ok()) return s;
    if (total.kind == PARTY_LIST) {
      if (absl::Status s = AllocateListSeats(rules, total); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

// Finishes results whose sums, precincts and exclusions are all in, and checks every figure.
absl::Status FinishResults(Results& results) {
  UnitTotals& nation = results.national;
  // Complete when every precinct is counted in every contest on its ballots (on a day with
  // several ballots per voter, a precinct may have sent the protocol of one kind only).
  results.complete =
      results.precincts_counted == results.precincts_expected &&
      std::all_of(nation.contests.begin(), nation.contests.end(), [](const ContestTotal& c) {
        return c.precincts_counted == c.precincts_expected;
      });
  if (absl::Status s = FinishNational(results.rules, nation); !s.ok()) return s;
  return CheckPublishable(results);
}

// What one precinct of the election adds to the results.
struct PrecinctCount {
  std::optional<UnitTotals> unit;  // its totals, when some protocol of it counts
  // The last protocol given that cannot be counted (refused, held for review), with its reason.
  std::optional<ExcludedProtocol> excluded;
  // Its totals do not fit in 64 bits: nothing of it is counted.
  std::optional<ExcludedProtocol> does_not_add;
};

// The protocols of one precinct of the election, in the order given (the store gives them by
// revision): each checked (CheckBelongs, ProtocolBounds), the counted ones (one per ballot kind)
// read as one sheet with the contests of each. AlreadyExists when two protocols of one ballot kind
// would both count.
absl::StatusOr<PrecinctCount> CountPrecinct(const ElectionIndex& index,
                                            const ProtocolBounds& bounds, const Precinct& precinct,
                                            const std::vector<const PrecinctProtocol*>& protocols) {
  PrecinctCount count;
  // By ballot kind: on a day with several ballots per voter a precinct sends one protocol per
  // kind.
  std::map<std::string_view, const PrecinctProtocol*> by_kind;
  for (const PrecinctProtocol* p : protocols) {
    if (absl::Status s = CheckBelongs(index, *p); !s.ok()) {
      count.excluded = LeftOut(*p, Exclusion::kRefused, s.message());
      continue;
    }
    const ProtocolReview review = bounds.Review(*p);
    if (review.verdict != ReviewVerdict::kCount) {
      count.excluded = LeftOut(
          *p,
          review.verdict == ReviewVerdict::kHold ? Exclusion::kHeldForReview : Exclusion::kRefused,
          review.reason);
      continue;
    }
    auto [it, inserted] = by_kind.emplace(p->ballot_kind(), p);
    if (!inserted) {
      return absl::AlreadyExistsError(absl::StrCat(
          "Precinct ", p->precinct_id(),
          p->ballot_kind().empty() ? "" : absl::StrCat(" (ballot kind ", p->ballot_kind(), ")"),
          " is submitted twice (revisions ", it->second->revision(), " and ", p->revision(),
          "); only the latest accepted revision of each precinct is counted."));
    }
  }
  if (by_kind.empty()) return count;
  // Several protocols are read as one sheet with the contests of each (every voter received a
  // ballot of each kind: the precinct's voters and ballots in the boxes are those of its
  // fullest kind).
  auto found = by_kind.begin();
  PrecinctProtocol merged;
  const PrecinctProtocol* first = found->second;
  for (++found; found != by_kind.end(); ++found) {
    if (merged.precinct_id().empty()) merged = *first;
    const PrecinctProtocol& other = *found->second;
    merged.set_voters_on_list(std::max(merged.voters_on_list(), other.voters_on_list()));
    if (other.ballots_in_stationary_box() + other.ballots_in_mobile_boxes() >
        merged.ballots_in_stationary_box() + merged.ballots_in_mobile_boxes()) {
      merged.set_ballots_in_stationary_box(other.ballots_in_stationary_box());
      merged.set_ballots_in_mobile_boxes(other.ballots_in_mobile_boxes());
    }
    merged.set_revision(std::max(merged.revision(), other.revision()));
    for (const ContestResult& result : other.contests()) *merged.add_contests() = result;
  }
  const PrecinctProtocol& p = merged.precinct_id().empty() ? *first : merged;
  absl::StatusOr<UnitTotals> unit = PrecinctTotals(index.election(), precinct, p);
  if (!unit.ok()) {
    count.does_not_add = LeftOut(p, Exclusion::kDoesNotAdd, unit.status().message());
  } else {
    count.unit = *std::move(unit);
  }
  return count;
}

}  // namespace

std::map<std::string, std::set<std::string>> PrecinctsByContest(const Election& election) {
  std::map<std::string, std::set<std::string>> out;
  for (const BallotStyle& style : election.ballot_styles()) {
    std::set<std::string> contests;
    for (const Target& t : style.targets()) contests.insert(t.contest_id());
    for (const ContestPlacement& c : style.contests()) contests.insert(c.contest_id());
    for (const std::string& contest : contests) {
      out[contest].insert(style.precinct_ids().begin(), style.precinct_ids().end());
    }
  }
  return out;
}

std::string FormatShare(std::uint64_t share) {
  return absl::StrFormat("%d.%02d", share / 100, share % 100);
}

std::uint64_t ShareOf(std::uint64_t part, std::uint64_t whole) {
  if (whole == 0) return 0;
  const Wide share = Wide{part} * kFullShare / whole;
  return share > ~std::uint64_t{0} ? ~std::uint64_t{0} : static_cast<std::uint64_t>(share);
}

std::vector<std::uint32_t> AllocateSeatsHare(const std::vector<std::uint64_t>& votes,
                                             std::uint32_t seats) {
  std::vector<std::uint32_t> out(votes.size(), 0);
  Wide total = 0;
  for (std::uint64_t v : votes) total += v;
  if (total == 0 || seats == 0) return out;
  std::vector<Wide> remainder(votes.size());
  std::uint32_t given = 0;
  for (std::size_t i = 0; i < votes.size(); ++i) {
    const Wide product = Wide{votes[i]} * seats;
    out[i] = static_cast<std::uint32_t>(product / total);
    remainder[i] = product % total;
    given += out[i];
  }
  std::vector<std::size_t> order(votes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (remainder[a] != remainder[b]) return remainder[a] > remainder[b];
    return votes[a] > votes[b];  // then ballot order, kept by the stable sort
  });
  // Fewer seats are left than lists with votes: each floor loses less than one seat.
  for (std::size_t k = 0; given < seats && k < order.size(); ++k) {
    if (votes[order[k]] == 0) continue;
    ++out[order[k]];
    ++given;
  }
  return out;
}

std::string ExclusionText(Exclusion exclusion) {
  switch (exclusion) {
    case Exclusion::kHeldForReview:
      return "held for review";
    case Exclusion::kRefused:
      return "refused";
    case Exclusion::kDoesNotAdd:
      return "does not add up";
  }
  return "refused";
}

namespace {

// The country's total of each of the precinct's contests, in the precinct's order; `code` for a
// contest the totals do not hold in the same shape.
absl::StatusOr<std::vector<ContestTotal*>> TotalsOfContests(const UnitTotals& precinct,
                                                            UnitTotals& country,
                                                            absl::StatusCode code) {
  std::vector<ContestTotal*> targets;
  for (const ContestTotal& c : precinct.contests) {
    auto it = std::find_if(country.contests.begin(), country.contests.end(),
                           [&](const ContestTotal& t) { return t.contest_id == c.contest_id; });
    if (it == country.contests.end() || it->options.size() != c.options.size()) {
      return absl::Status(code, absl::StrCat("Contest ", c.contest_id, " of precinct ", precinct.id,
                                             " is not in the totals."));
    }
    targets.push_back(&*it);
  }
  return targets;
}

}  // namespace

absl::Status AddPrecinctTotals(const UnitTotals& precinct, UnitTotals& country) {
  absl::StatusOr<std::vector<ContestTotal*>> found =
      TotalsOfContests(precinct, country, absl::StatusCode::kInvalidArgument);
  if (!found.ok()) return found.status();
  const std::vector<ContestTotal*>& targets = *found;
  // First only check that every sum fits, then add: a precinct is counted whole or not at all.
  const char* overflow = nullptr;
  const std::string* overflow_contest = nullptr;
  for (const bool commit : {false, true}) {
    const std::string* contest = nullptr;
    auto add = [&](auto& total, auto value, const char* what) {
      auto sum = total;
      if (__builtin_add_overflow(total, value, &sum)) {
        if (overflow == nullptr) {
          overflow = what;
          overflow_contest = contest;
        }
      } else if (commit) {
        total = sum;
      }
    };
    add(country.voters_on_list, precinct.voters_on_list, "voters on the list");
    add(country.ballots_in_boxes, precinct.ballots_in_boxes, "ballots in the boxes");
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const ContestTotal& from = precinct.contests[i];
      ContestTotal& to = *targets[i];
      contest = &from.contest_id;
      add(to.precincts_counted, from.precincts_counted, "precincts counted");
      add(to.invalid_ballots, from.invalid_ballots, "invalid ballots");
      add(to.valid_ballots, from.valid_ballots, "valid ballots");
      add(to.votes_for_options, from.votes_for_options, "votes for options");
      for (std::size_t o = 0; o < from.options.size(); ++o) {
        add(to.options[o].votes, from.options[o].votes, "votes");
      }
    }
    if (overflow != nullptr) {
      return absl::OutOfRangeError(absl::StrCat(
          "Adding precinct ", precinct.id, " would overflow the total of ",
          overflow_contest != nullptr ? absl::StrCat(*overflow_contest, " ") : std::string(),
          overflow, "; its protocol carries an impossible number and is not counted."));
    }
  }
  return absl::OkStatus();
}

absl::Status SubtractPrecinctTotals(const UnitTotals& precinct, UnitTotals& country) {
  absl::StatusOr<std::vector<ContestTotal*>> found =
      TotalsOfContests(precinct, country, absl::StatusCode::kInternal);
  if (!found.ok()) return found.status();
  const std::vector<ContestTotal*>& targets = *found;
  // First only check that every total holds what is taken out, then take it out.
  bool short_of = false;
  for (const bool commit : {false, true}) {
    auto take = [&](auto& total, auto value) {
      if (total < value) {
        short_of = true;
      } else if (commit) {
        total -= value;
      }
    };
    take(country.voters_on_list, precinct.voters_on_list);
    take(country.ballots_in_boxes, precinct.ballots_in_boxes);
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const ContestTotal& from = precinct.contests[i];
      ContestTotal& to = *targets[i];
      take(to.precincts_counted, from.precincts_counted);
      take(to.invalid_ballots, from.invalid_ballots);
      take(to.valid_ballots, from.valid_ballots);
      take(to.votes_for_options, from.votes_for_options);
      for (std::size_t o = 0; o < from.options.size(); ++o) {
        take(to.options[o].votes, from.options[o].votes);
      }
    }
    if (short_of) {
      return absl::InternalError(absl::StrCat("The totals do not hold what precinct ", precinct.id,
                                              " added; they are not changed."));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckUnitPublishable(const UnitTotals& unit, const std::string& who,
                                  std::uint32_t max_seats) {
  auto refuse = [](std::string what) {
    return absl::InternalError(absl::StrCat(what, "; results are not published."));
  };
  if (unit.ballots_in_boxes > unit.voters_on_list || unit.turnout > kFullShare) {
    return refuse(absl::StrCat("Turnout of ", who, " would be ", FormatShare(unit.turnout), "% (",
                               unit.ballots_in_boxes, " ballots in the boxes, ",
                               unit.voters_on_list, " voters on the list)"));
  }
  for (const ContestTotal& c : unit.contests) {
    Wide shares = 0;
    std::uint64_t seats = 0;
    for (const OptionTotal& o : c.options) {
      shares += o.share;
      seats += o.seats;
    }
    if (shares > kFullShare) {
      return refuse(absl::StrCat("The shares of contest ", c.contest_id, " in ", who,
                                 " would add up to more than 100%"));
    }
    if (c.precincts_counted > c.precincts_expected) {
      return refuse(absl::StrCat("Contest ", c.contest_id, " in ", who, " would show ",
                                 c.precincts_counted, " precincts counted of ",
                                 c.precincts_expected));
    }
    if (seats > max_seats) {
      return refuse(absl::StrCat("Contest ", c.contest_id, " would allocate ", seats, " seats of ",
                                 max_seats));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPublishable(const Results& results) {
  if (results.precincts_counted > results.precincts_expected ||
      results.precincts.size() != results.precincts_counted) {
    return absl::InternalError(
        absl::StrCat(results.precincts_counted, " precincts would be shown counted of ",
                     results.precincts_expected, " (", results.precincts.size(),
                     " precinct tables); results are not published."));
  }
  if (absl::Status s =
          CheckUnitPublishable(results.national, "the country", results.rules.list_seats);
      !s.ok()) {
    return s;
  }
  for (const UnitTotals& u : results.precincts) {
    if (absl::Status s =
            CheckUnitPublishable(u, absl::StrCat("precinct ", u.id), results.rules.list_seats);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<UnitTotals> GroupTotals(
    const Election& election, const Results& results, std::string id,
    const std::function<bool(std::string_view)>& member,
    const std::map<std::string, std::set<std::string>>* precincts_by_contest) {
  UnitTotals group;
  group.id = std::move(id);
  std::map<std::string, std::set<std::string>> computed;
  if (precincts_by_contest == nullptr) {
    computed = PrecinctsByContest(election);
    precincts_by_contest = &computed;
  }
  const auto& expected = *precincts_by_contest;
  for (const Contest& contest : election.contests()) {
    auto it = expected.find(contest.id());
    if (it == expected.end()) continue;
    const auto in_group = static_cast<std::uint32_t>(std::count_if(
        it->second.begin(), it->second.end(), [&](const std::string& p) { return member(p); }));
    if (in_group == 0) continue;
    ContestTotal total = EmptyTotal(contest);
    total.precincts_expected = in_group;
    group.contests.push_back(std::move(total));
  }
  for (const UnitTotals& precinct : results.precincts) {
    if (!member(precinct.id)) continue;
    if (absl::Status s = AddPrecinctTotals(precinct, group); !s.ok()) return s;
  }
  group.turnout = ShareOf(group.ballots_in_boxes, group.voters_on_list);
  for (ContestTotal& total : group.contests) {
    if (absl::Status s = FinishContest(total); !s.ok()) return s;
  }
  if (absl::Status s = CheckUnitPublishable(group, group.id, 0); !s.ok()) return s;
  return group;
}

absl::StatusOr<Results> Aggregate(const Election& election,
                                  const std::vector<PrecinctProtocol>& protocols,
                                  const AggregationRules& rules) {
  if (absl::Status s = CheckRules(rules); !s.ok()) return s;
  // One index of the definition serves every protocol: the time grows with the protocols.
  const ElectionIndex index(election);
  Results results = EmptyResults(index, rules);

  // Each protocol is counted, or left out with its reason; one protocol never stops the rest.
  const ProtocolBounds bounds(election);
  std::unordered_map<std::string_view, std::vector<const PrecinctProtocol*>> of_precinct;
  std::vector<ExcludedProtocol> excluded_unknown;  // of precincts not in the election
  for (const PrecinctProtocol& p : protocols) {
    if (index.FindPrecinct(p.precinct_id()) == nullptr) {
      excluded_unknown.push_back(
          LeftOut(p, Exclusion::kRefused, std::string(CheckBelongs(index, p).message())));
      continue;
    }
    of_precinct[p.precinct_id()].push_back(&p);
  }

  UnitTotals& nation = results.national;
  static const std::vector<const PrecinctProtocol*> kNone;
  for (const Precinct& precinct : election.precincts()) {
    auto found = of_precinct.find(precinct.id());
    absl::StatusOr<PrecinctCount> count =
        CountPrecinct(index, bounds, precinct, found == of_precinct.end() ? kNone : found->second);
    if (!count.ok()) return count.status();
    if (count->excluded) results.excluded.push_back(*std::move(count->excluded));
    if (count->unit) {
      if (absl::Status added = AddPrecinctTotals(*count->unit, nation); !added.ok()) {
        count->does_not_add =
            ExcludedProtocol{precinct.id(), count->unit->revision, Exclusion::kDoesNotAdd,
                             std::string(added.message())};
      } else {
        results.precincts.push_back(*std::move(count->unit));
        ++results.precincts_counted;
      }
    }
    if (count->does_not_add) results.excluded.push_back(*std::move(count->does_not_add));
  }
  for (ExcludedProtocol& e : excluded_unknown) results.excluded.push_back(std::move(e));
  if (absl::Status s = FinishResults(results); !s.ok()) return s;
  return results;
}

// One precinct's latest protocol of one ballot kind.
struct LatestOfKind {
  std::uint32_t revision = 0;
  std::optional<PrecinctProtocol> protocol;  // to count, if it passes the checks
  ExcludedProtocol not_counted;              // otherwise, why it was left out before
};

struct ResultsAggregator::State {
  struct Slot {
    const esep::Precinct* precinct = nullptr;
    std::map<std::string, LatestOfKind> by_kind;
    PrecinctCount count;          // count.unit is in `national` exactly when it is set
    bool awaiting_count = false;  // in `awaiting_count`
  };

  State(const Election& e, const AggregationRules& r)
      : election(e), rules(r), index(e), bounds(e), results(EmptyResults(index, r)) {
    slots.resize(e.precincts_size());
    for (int i = 0; i < e.precincts_size(); ++i) {
      slots[i].precinct = &e.precincts(i);
      position.emplace(e.precincts(i).id(), i);
    }
  }

  // Replaces the entry of (precinct, kind) unless it is older than the one held.
  bool Replace(std::map<std::string, LatestOfKind>& by_kind, const std::string& kind,
               LatestOfKind latest) {
    auto [it, inserted] = by_kind.try_emplace(kind);
    if (!inserted && latest.revision < it->second.revision) return false;
    it->second = std::move(latest);
    return true;
  }

  // The entries of one precinct in the store's order (by revision).
  static std::vector<const LatestOfKind*> ByRevision(
      const std::map<std::string, LatestOfKind>& by_kind) {
    std::vector<const LatestOfKind*> out;
    for (const auto& [kind, latest] : by_kind) out.push_back(&latest);
    std::stable_sort(out.begin(), out.end(), [](const LatestOfKind* a, const LatestOfKind* b) {
      return a->revision < b->revision;
    });
    return out;
  }

  // Counts the precinct from its latest protocols; reads only the slot and what never changes,
  // so precincts may be counted side by side.
  absl::StatusOr<PrecinctCount> Count(const Slot& slot) const {
    std::vector<const PrecinctProtocol*> protocols;
    for (const LatestOfKind* latest : ByRevision(slot.by_kind)) {
      if (latest->protocol) protocols.push_back(&*latest->protocol);
    }
    return CountPrecinct(index, bounds, *slot.precinct, protocols);
  }

  // Takes the precinct's totals out of the country's and adds those of its new `count`.
  void Apply(Slot& slot, absl::StatusOr<PrecinctCount> count) {
    UnitTotals& nation = results.national;
    if (slot.count.unit) {
      // Cannot fail: these are the very totals that were added.
      (void)SubtractPrecinctTotals(*slot.count.unit, nation);
      --results.precincts_counted;
    }
    slot.count = {};
    if (!count.ok()) {
      // Not reached: one protocol per kind is held, so no kind is counted twice.
      slot.count.excluded = ExcludedProtocol{slot.precinct->id(), 0, Exclusion::kRefused,
                                             std::string(count.status().message())};
      return;
    }
    slot.count = *std::move(count);
    if (slot.count.unit) {
      if (absl::Status added = AddPrecinctTotals(*slot.count.unit, nation); !added.ok()) {
        slot.count.does_not_add =
            ExcludedProtocol{slot.precinct->id(), slot.count.unit->revision, Exclusion::kDoesNotAdd,
                             std::string(added.message())};
        slot.count.unit.reset();
      } else {
        ++results.precincts_counted;
      }
    }
  }

  void Recount(Slot& slot) { Apply(slot, Count(slot)); }

  void Put(const std::string& precinct_id, const std::string& kind, LatestOfKind latest) {
    auto it = position.find(precinct_id);
    if (it == position.end()) {
      Replace(unknown[precinct_id], kind, std::move(latest));
      return;
    }
    Slot& slot = slots[it->second];
    if (!Replace(slot.by_kind, kind, std::move(latest))) return;
    if (!paused) {
      Recount(slot);
    } else if (!slot.awaiting_count) {
      slot.awaiting_count = true;
      awaiting_count.push_back(it->second);
    }
  }

  // Counts the precincts that protocols reached while counting was paused, on the machine's
  // cores, and adds their totals in the order they were reached (the order in which
  // one-at-a-time calls would have added them).
  void CountAwaiting() {
    paused = false;
    const std::size_t n = awaiting_count.size();
    std::vector<absl::StatusOr<PrecinctCount>> counts(n, absl::UnknownError("not counted"));
    internal::ForEachOnCores(n, 512,
                             [&](std::size_t k) { counts[k] = Count(slots[awaiting_count[k]]); });
    for (std::size_t k = 0; k < n; ++k) {
      Slot& slot = slots[awaiting_count[k]];
      slot.awaiting_count = false;
      Apply(slot, std::move(counts[k]));
    }
    awaiting_count.clear();
  }

  // The whole results; with `take_units`, the counted precincts' tables are moved out of the
  // slots rather than copied (the aggregator is not used again).
  absl::StatusOr<Results> Snapshot(bool take_units) {
    if (absl::Status s = CheckRules(rules); !s.ok()) return s;
    Results out = results;
    out.precincts.reserve(out.precincts_counted);
    // As ResultsOfStore lists them: for each precinct in the election's order, the protocol
    // Aggregate left out, the one that does not add up, then those left out before aggregation;
    // precincts the election does not have last.
    auto not_counted_before = [&](const std::map<std::string, LatestOfKind>& by_kind) {
      for (const LatestOfKind* latest : ByRevision(by_kind)) {
        if (!latest->protocol) out.excluded.push_back(latest->not_counted);
      }
    };
    for (Slot& slot : slots) {
      if (slot.count.excluded) out.excluded.push_back(*slot.count.excluded);
      if (slot.count.unit) {
        out.precincts.push_back(take_units ? *std::move(slot.count.unit) : *slot.count.unit);
      }
      if (slot.count.does_not_add) out.excluded.push_back(*slot.count.does_not_add);
      not_counted_before(slot.by_kind);
    }
    for (const auto& [id, by_kind] : unknown) {
      for (const LatestOfKind* latest : ByRevision(by_kind)) {
        if (latest->protocol) {
          out.excluded.push_back(LeftOut(*latest->protocol, Exclusion::kRefused,
                                         CheckBelongs(index, *latest->protocol).message()));
        }
      }
    }
    for (const auto& [id, by_kind] : unknown) not_counted_before(by_kind);
    if (absl::Status s = FinishResults(out); !s.ok()) return s;
    return out;
  }

  const Election& election;
  const AggregationRules rules;
  const ElectionIndex index;
  const ProtocolBounds bounds;
  // The sums (not finished), the counted precincts' number; precincts and exclusions stay
  // empty: Snapshot fills them.
  Results results;
  std::vector<Slot> slots;  // in the election's precinct order
  std::unordered_map<std::string_view, int> position;
  // Protocols of precincts the election does not have, by precinct id (sorted as the store).
  std::map<std::string, std::map<std::string, LatestOfKind>> unknown;
  // While counting is paused: the slots whose protocols changed, each once.
  bool paused = false;
  std::vector<int> awaiting_count;
};

ResultsAggregator::ResultsAggregator(const Election& election, const AggregationRules& rules)
    : state_(std::make_unique<State>(election, rules)) {}

ResultsAggregator::~ResultsAggregator() = default;

void ResultsAggregator::Put(PrecinctProtocol protocol) {
  const std::string precinct_id = protocol.precinct_id();
  const std::string kind = protocol.ballot_kind();
  LatestOfKind latest;
  latest.revision = protocol.revision();
  latest.protocol = std::move(protocol);
  state_->Put(precinct_id, kind, std::move(latest));
}

void ResultsAggregator::PutNotCounted(const std::string& ballot_kind,
                                      ExcludedProtocol not_counted) {
  const std::string precinct_id = not_counted.precinct_id;
  LatestOfKind latest;
  latest.revision = not_counted.revision;
  latest.not_counted = std::move(not_counted);
  state_->Put(precinct_id, ballot_kind, std::move(latest));
}

absl::StatusOr<UnitTotals> ResultsAggregator::National() const {
  if (absl::Status s = CheckRules(state_->rules); !s.ok()) return s;
  UnitTotals nation = state_->results.national;
  if (absl::Status s = FinishNational(state_->rules, nation); !s.ok()) return s;
  if (absl::Status s = CheckUnitPublishable(nation, "the country", state_->rules.list_seats);
      !s.ok()) {
    return s;
  }
  return nation;
}

const UnitTotals* ResultsAggregator::CountedPrecinct(std::string_view precinct_id) const {
  auto it = state_->position.find(precinct_id);
  if (it == state_->position.end()) return nullptr;
  const auto& unit = state_->slots[it->second].count.unit;
  return unit ? &*unit : nullptr;
}

std::uint32_t ResultsAggregator::precincts_counted() const {
  return state_->results.precincts_counted;
}

void ResultsAggregator::PauseCounting() { state_->paused = true; }

void ResultsAggregator::ResumeCounting() { state_->CountAwaiting(); }

absl::StatusOr<Results> ResultsAggregator::Snapshot() const& {
  return state_->Snapshot(/*take_units=*/false);
}

absl::StatusOr<Results> ResultsAggregator::Snapshot() && {
  return state_->Snapshot(/*take_units=*/true);
}

}  // namespace esep::transport
