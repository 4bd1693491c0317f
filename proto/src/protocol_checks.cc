#include "esep/proto/protocol_checks.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "esep/proto/election.h"

namespace esep {
namespace {

// A sum that remembers whether it overflowed; an overflowing sum never satisfies a relation.
class Sum {
 public:
  Sum() = default;
  explicit Sum(std::uint64_t v) : value_(v) {}
  Sum& operator+=(std::uint64_t v) {
    overflow_ |= __builtin_add_overflow(value_, v, &value_);
    return *this;
  }
  Sum& operator+=(const Sum& other) {
    overflow_ |= other.overflow_;
    return *this += other.value_;
  }
  bool overflow() const { return overflow_; }
  std::uint64_t value() const { return value_; }
  std::string Text() const { return overflow_ ? "(overflow)" : absl::StrCat(value_); }

 private:
  std::uint64_t value_ = 0;
  bool overflow_ = false;
};

class Checks {
 public:
  void Add(std::string relation, bool blocking, bool holds, std::string detail) {
    checks_.push_back({std::move(relation), blocking, holds, std::move(detail)});
  }
  std::vector<ProtocolCheck> Take() { return std::move(checks_); }

 private:
  std::vector<ProtocolCheck> checks_;
};

void CheckContest(const PrecinctProtocol& p, const ContestResult& result, const Contest* contest,
                  Checks& checks) {
  const std::string c = result.contest_id();
  if (contest == nullptr) {
    checks.Add(absl::StrCat("contest ", c, " is on the ballot"), true, false,
               "the election has no such contest");
    return;
  }
  // The options, each once, in ballot order.
  bool same_options = result.options_size() == contest->options_size();
  for (int i = 0; same_options && i < result.options_size(); ++i) {
    same_options = result.options(i).option_id() == contest->options(i).id();
  }
  checks.Add(
      absl::StrCat(c, ": every option once, in ballot order"), true, same_options,
      absl::StrCat(result.options_size(), " lines for ", contest->options_size(), " options"));
  checks.Add(absl::StrCat(c, ": vote-for matches the election"), true,
             result.vote_for() == contest->vote_for(),
             absl::StrCat(result.vote_for(), " vs ", contest->vote_for()));

  Sum in_boxes(p.ballots_in_stationary_box());
  in_boxes += p.ballots_in_mobile_boxes();
  Sum split(result.invalid_ballots());
  split += result.valid_ballots();
  checks.Add(absl::StrCat(c, ": L6 + L7 = L8 + L9"), true,
             !in_boxes.overflow() && !split.overflow() && in_boxes.value() == split.value(),
             absl::StrCat(p.ballots_in_stationary_box(), " + ", p.ballots_in_mobile_boxes(), " = ",
                          result.invalid_ballots(), " + ", result.valid_ballots()));

  Sum votes;
  for (const OptionVotes& o : result.options()) votes += o.votes();
  if (contest->vote_for() == 1) {
    checks.Add(absl::StrCat(c, ": L9 = sum of votes"), true,
               !votes.overflow() && votes.value() == result.valid_ballots(),
               absl::StrCat(result.valid_ballots(), " = ", votes.Text()));
  } else {
    std::uint64_t bound = 0;
    const bool bound_overflow = __builtin_mul_overflow(
        static_cast<std::uint64_t>(contest->vote_for()), result.valid_ballots(), &bound);
    checks.Add(
        absl::StrCat(c, ": sum of votes <= N x L9"), true,
        !votes.overflow() && (bound_overflow || votes.value() <= bound),
        absl::StrCat(votes.Text(), " <= ", contest->vote_for(), " x ", result.valid_ballots()));
  }
  // Warning: invalid ballots at least 3% of the ballots in the boxes.
  if (!in_boxes.overflow() && in_boxes.value() > 0) {
    const bool many_invalid = result.invalid_ballots() * 100 >= 3 * in_boxes.value();
    checks.Add(absl::StrCat(c, ": invalid ballots below 3% of ballots in boxes"), false,
               !many_invalid,
               absl::StrCat(result.invalid_ballots(), " of ", in_boxes.value(), " ballots"));
  }
}

}  // namespace

std::vector<ProtocolCheck> CheckProtocol(const PrecinctProtocol& p, const Election& election,
                                         std::optional<std::uint64_t> machine_cast_count) {
  return CheckProtocol(p, election, ElectionHash(election), machine_cast_count);
}

std::vector<ProtocolCheck> CheckProtocol(const PrecinctProtocol& p, const Election& election,
                                         std::string_view election_hash,
                                         std::optional<std::uint64_t> machine_cast_count) {
  return CheckProtocol(p, ElectionIndex(election, std::string(election_hash)), machine_cast_count);
}

std::vector<ProtocolCheck> CheckProtocol(const PrecinctProtocol& p, const ElectionIndex& index,
                                         std::optional<std::uint64_t> machine_cast_count) {
  const std::string& election_hash = index.hash();
  Checks checks;
  checks.Add("election hash matches the definition", true, p.election_hash() == election_hash,
             p.election_hash());
  checks.Add("precinct is in the election", true, index.FindPrecinct(p.precinct_id()) != nullptr,
             p.precinct_id());

  Sum issued(p.ballots_issued_in_room());
  issued += p.ballots_issued_outside();
  checks.Add("L1 >= L3 + L4", true, !issued.overflow() && p.voters_on_list() >= issued.value(),
             absl::StrCat(p.voters_on_list(), " >= ", p.ballots_issued_in_room(), " + ",
                          p.ballots_issued_outside()));

  // Warning: voters on the list far below the precinct's registered voters in the definition
  // (pages of the list missed when counting it, or a figure copied wrong); above them the reader
  // refuses the lines and the centre holds the protocol.
  if (const Precinct* precinct = index.FindPrecinct(p.precinct_id());
      precinct != nullptr && precinct->registered_voters() != 0) {
    const std::uint64_t registered = precinct->registered_voters();
    const std::uint64_t least =
        (registered * (100 - kVotersOnListShortfallPercent) + 99) / 100;  // rounded up
    checks.Add(
        kVotersOnListNearRegistered, false, p.voters_on_list() >= least,
        absl::StrCat(p.voters_on_list(), " of ", registered, " registered voters (",
                     p.voters_on_list() >= registered ? std::uint64_t{100}
                                                      : p.voters_on_list() * 100 / registered,
                     "%; at least ", least, ")"));
  }

  // L2 = L3 + L4 + L5 + L10 - L11, checked as L2 + L11 = L3 + L4 + L5 + L10 to stay unsigned.
  Sum left(p.ballots_received());
  left += p.ballots_not_counted_at_receipt();
  Sum right = issued;
  right += p.ballots_cancelled();
  right += p.ballots_lost();
  checks.Add("L2 = L3 + L4 + L5 + L10 - L11", true,
             !left.overflow() && !right.overflow() && left.value() == right.value(),
             absl::StrCat(p.ballots_received(), " = ", p.ballots_issued_in_room(), " + ",
                          p.ballots_issued_outside(), " + ", p.ballots_cancelled(), " + ",
                          p.ballots_lost(), " - ", p.ballots_not_counted_at_receipt()));

  if (machine_cast_count) {
    checks.Add("L6 = the reader's count of cast ballots", true,
               p.ballots_in_stationary_box() == *machine_cast_count,
               absl::StrCat(p.ballots_in_stationary_box(), " = ", *machine_cast_count));
  }

  // Every contest of the precinct's ballot of the protocol's kind, each once.
  const bool has_kinds = !index.election().ballot_kinds().empty();
  checks.Add("ballot kind is one of the election's", true,
             has_kinds ? FindBallotKind(index.election(), p.ballot_kind()) != nullptr
                       : p.ballot_kind().empty(),
             p.ballot_kind().empty() ? std::string("(none)") : p.ballot_kind());
  std::vector<std::string> expected;
  for (const Contest* contest : index.ContestsOnBallot(p.precinct_id(), p.ballot_kind())) {
    expected.push_back(contest->id());
  }
  checks.Add("the precinct is issued a ballot of this kind", true, !expected.empty(),
             absl::StrCat(p.precinct_id(), ", kind ",
                          p.ballot_kind().empty() ? std::string("(none)") : p.ballot_kind()));
  std::vector<std::string> present;
  for (const ContestResult& r : p.contests()) present.push_back(r.contest_id());
  checks.Add("one result per contest on the precinct's ballot", true, present == expected,
             absl::StrCat("[", absl::StrJoin(present, ", "), "] vs [",
                          absl::StrJoin(expected, ", "), "]"));
  for (const ContestResult& r : p.contests()) {
    CheckContest(p, r, index.FindContest(r.contest_id()), checks);
  }

  Sum in_boxes(p.ballots_in_stationary_box());
  in_boxes += p.ballots_in_mobile_boxes();
  checks.Add("L6 + L7 <= L3 + L4 (more ballots in the boxes than issued)", false,
             !in_boxes.overflow() && !issued.overflow() && in_boxes.value() <= issued.value(),
             absl::StrCat(in_boxes.Text(), " <= ", issued.Text()));
  return checks.Take();
}

bool ProtocolMayBeFinal(const std::vector<ProtocolCheck>& checks) {
  for (const ProtocolCheck& c : checks) {
    if (c.blocking && !c.holds) return false;
  }
  return true;
}

std::string DescribeBrokenRelations(const std::vector<ProtocolCheck>& checks) {
  std::string out;
  for (const ProtocolCheck& c : checks) {
    if (c.holds) continue;
    absl::StrAppend(&out, c.blocking ? "BROKEN  " : "WARNING ", c.relation, ": ", c.detail, "\n");
  }
  return out;
}

}  // namespace esep
