#include "esep/audit/paper_audit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "esep/audit/rla.h"

namespace esep::audit {
namespace {

absl::Status CheckRiskLimit(double risk_limit) {
  if (!(risk_limit > 0 && risk_limit < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the risk limit must be above 0 and below 1, e.g. 0.05, not ", risk_limit));
  }
  return absl::OkStatus();
}

const Contest* FindContest(const Election& election, const std::string& contest_id) {
  for (const Contest& contest : election.contests()) {
    if (contest.id() == contest_id) return &contest;
  }
  return nullptr;
}

// The reported losers: every option but the winner.
std::vector<std::string> Losers(const ContestTally& tally, const std::string& winner) {
  std::vector<std::string> losers;
  for (const auto& [option, votes] : tally.votes) {
    if (option != winner) losers.push_back(option);
  }
  return losers;
}

std::int64_t VotesFor(const ContestTally& tally, const std::string& option) {
  const auto it = tally.votes.find(option);
  return it == tally.votes.end() ? 0 : it->second;
}

absl::Status CheckSomeoneLoses(const std::vector<std::string>& losers) {
  if (losers.empty()) {
    return absl::FailedPreconditionError("the contest has one option only: nothing to audit");
  }
  return absl::OkStatus();
}

// A number in [0, 1) from the public seed: draw i of Rivest's sampler over 10^9 positions.
constexpr std::int64_t kUniformResolution = 1'000'000'000;

}  // namespace

absl::StatusOr<std::vector<ContestTally>> ContestTallies(const std::vector<Bundle>& bundles,
                                                         const std::string& contest_id) {
  std::vector<ContestTally> boxes;
  bool found = false;
  std::set<std::string> known;
  for (const Bundle& bundle : bundles) {
    ContestTally box;
    box.precinct_id = bundle.info.precinct_id;
    if (const Contest* contest = FindContest(bundle.election, contest_id)) {
      found = true;
      if (contest->vote_for() > 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "contest ", contest_id, " allows ", contest->vote_for(),
            " choices per ballot; these audits check contests with one choice per ballot"));
      }
      for (const Option& option : contest->options()) box.votes[option.id()] = 0;
    }
    for (const Contest& c : bundle.election.contests()) known.insert(c.id());
    for (const CastVoteRecord& record : bundle.records) {
      if (record.test()) continue;
      for (const ContestReading& reading : record.interpretation().contests()) {
        if (reading.contest_id() != contest_id) continue;
        ++box.ballots;
        if (reading.selections_size() == 1) ++box.votes[reading.selections(0)];
      }
    }
    boxes.push_back(std::move(box));
  }
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("no contest ", contest_id,
                     " in the bundles' election; its contests are: ", absl::StrJoin(known, ", ")));
  }
  return boxes;
}

ContestTally SumOf(const std::vector<ContestTally>& boxes) {
  ContestTally sum;
  for (const ContestTally& box : boxes) {
    sum.ballots += box.ballots;
    for (const auto& [option, votes] : box.votes) sum.votes[option] += votes;
  }
  return sum;
}

absl::StatusOr<std::string> ReportedWinner(const ContestTally& tally) {
  std::string winner;
  std::int64_t most = -1;
  bool tie = false;
  for (const auto& [option, votes] : tally.votes) {
    if (votes > most) {
      winner = option;
      most = votes;
      tie = false;
    } else if (votes == most) {
      tie = true;
    }
  }
  if (winner.empty() || most <= 0) {
    return absl::FailedPreconditionError("the contest has no votes: there is no outcome to audit");
  }
  if (tie) {
    return absl::FailedPreconditionError(
        absl::StrCat("the lead is tied at ", most,
                     " votes: no sample can confirm a tie; count every ballot by hand"));
  }
  return winner;
}

std::vector<StackPosition> DrawStackPositions(const std::string& seed,
                                              const std::vector<ContestTally>& boxes,
                                              std::int64_t draws) {
  std::int64_t total = 0;
  for (const ContestTally& box : boxes) total += box.ballots;
  std::vector<StackPosition> positions;
  const std::vector<std::int64_t> picks = SampleBallots(seed, total, draws);
  for (std::size_t i = 0; i < picks.size(); ++i) {
    std::int64_t position = picks[i];
    for (const ContestTally& box : boxes) {
      if (position <= box.ballots) {
        positions.push_back({static_cast<std::int64_t>(i) + 1, box.precinct_id, position});
        break;
      }
      position -= box.ballots;
    }
  }
  return positions;
}

absl::StatusOr<BravoPlan> PlanBravo(const ContestTally& reported, double risk_limit) {
  if (absl::Status s = CheckRiskLimit(risk_limit); !s.ok()) return s;
  absl::StatusOr<std::string> winner = ReportedWinner(reported);
  if (!winner.ok()) return winner.status();
  BravoPlan plan;
  plan.winner = *winner;
  plan.ballots = reported.ballots;
  if (absl::Status s = CheckSomeoneLoses(Losers(reported, *winner)); !s.ok()) return s;
  const double ballots = static_cast<double>(reported.ballots);
  const double p_w = static_cast<double>(VotesFor(reported, *winner)) / ballots;
  double largest = 0;
  for (const std::string& loser : Losers(reported, *winner)) {
    const double p_l = static_cast<double>(VotesFor(reported, loser)) / ballots;
    const double s = p_w / (p_w + p_l);
    const double per_draw = p_w * std::log(2 * s) + (p_l > 0 ? p_l * std::log(2 - 2 * s) : 0);
    const double asn = (std::log(1 / risk_limit) + std::log(2 * s) / 2) / per_draw;
    plan.average_sample_number[loser] = asn;
    largest = std::max(largest, asn);
  }
  if (!(largest <= static_cast<double>(kMaxSampleSize))) {
    return absl::InvalidArgumentError(
        absl::StrCat("the margin is so small that a ballot-polling audit would need more than ",
                     kMaxSampleSize, " draws: count every ballot by hand instead"));
  }
  plan.initial_draws = static_cast<std::int64_t>(std::ceil(largest));
  return plan;
}

absl::StatusOr<std::vector<PulledSheet>> ParsePulledSheets(const std::string& text) {
  std::vector<PulledSheet> sheets;
  const std::vector<std::string> lines = absl::StrSplit(text, '\n');
  bool header = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const absl::string_view line = absl::StripAsciiWhitespace(lines[i]);
    if (line.empty()) continue;
    const std::vector<std::string> fields = absl::StrSplit(line, ',');
    const std::string where = absl::StrCat("line ", i + 1);
    if (!header) {
      if (fields != std::vector<std::string>{"draw", "precinct", "position", "vote"}) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": the first line must be draw,precinct,position,vote"));
      }
      header = true;
      continue;
    }
    if (fields.size() != 4) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", fields.size(), " fields; need draw,precinct,position,vote"));
    }
    PulledSheet sheet;
    if (!absl::SimpleAtoi(fields[0], &sheet.where.draw) ||
        sheet.where.draw != static_cast<std::int64_t>(sheets.size()) + 1) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": draw ", fields[0], " where draw ",
                                                     sheets.size() + 1, " comes next"));
    }
    if (!absl::SimpleAtoi(fields[2], &sheet.where.position) || sheet.where.position < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": the position must be a sheet number from 1, not ", fields[2]));
    }
    sheet.where.precinct_id = std::string(absl::StripAsciiWhitespace(fields[1]));
    sheet.vote = std::string(absl::StripAsciiWhitespace(fields[3]));
    if (sheet.vote.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": no vote written for draw ",
                                                     sheet.where.draw, " (write ", kNoVote,
                                                     " for a sheet with no vote in the contest)"));
    }
    sheets.push_back(std::move(sheet));
  }
  if (!header) return absl::InvalidArgumentError("the record of pulled sheets is empty");
  return sheets;
}

absl::StatusOr<BravoOutcome> RunBravo(const ContestTally& reported, double risk_limit,
                                      const std::vector<std::string>& read,
                                      const std::vector<std::string>& option_ids) {
  if (absl::Status s = CheckRiskLimit(risk_limit); !s.ok()) return s;
  absl::StatusOr<std::string> winner = ReportedWinner(reported);
  if (!winner.ok()) return winner.status();
  const std::set<std::string> options(option_ids.begin(), option_ids.end());
  BravoOutcome outcome;
  std::map<std::string, double> share;  // s for each loser
  for (const std::string& loser : Losers(reported, *winner)) {
    const auto w = static_cast<double>(VotesFor(reported, *winner));
    share[loser] = w / (w + static_cast<double>(VotesFor(reported, loser)));
    outcome.test_statistic[loser] = 1;
  }
  for (std::size_t i = 0; i < read.size(); ++i) {
    const std::string& vote = read[i];
    if (vote != kNoVote && options.count(vote) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "draw ", i + 1, ": \"", vote, "\" is not an option of the contest (write one of ",
          absl::StrJoin(option_ids, ", "), ", or ", kNoVote, " for no vote)"));
    }
  }
  for (const std::string& vote : read) {
    ++outcome.draws_used;
    for (auto& [loser, statistic] : outcome.test_statistic) {
      if (vote == *winner) statistic *= 2 * share[loser];
      if (vote == loser) statistic *= 2 * (1 - share[loser]);
    }
    bool all = true;
    for (const auto& [loser, statistic] : outcome.test_statistic)
      all &= statistic >= 1 / risk_limit;
    if (all) {
      outcome.confirmed = true;
      break;
    }
  }
  return outcome;
}

absl::StatusOr<BatchPlan> PlanBatchComparison(const std::vector<ContestTally>& boxes,
                                              double risk_limit, const std::string& seed,
                                              std::int64_t extra_draws) {
  if (absl::Status s = CheckRiskLimit(risk_limit); !s.ok()) return s;
  const ContestTally total = SumOf(boxes);
  absl::StatusOr<std::string> winner = ReportedWinner(total);
  if (!winner.ok()) return winner.status();
  BatchPlan plan;
  plan.winner = *winner;
  const std::vector<std::string> losers = Losers(total, *winner);
  if (absl::Status s = CheckSomeoneLoses(losers); !s.ok()) return s;
  for (const ContestTally& box : boxes) {
    double bound = 0;
    for (const std::string& loser : losers) {
      const auto margin = static_cast<double>(VotesFor(total, *winner) - VotesFor(total, loser));
      bound = std::max(
          bound, static_cast<double>(VotesFor(box, *winner) - VotesFor(box, loser) + box.ballots) /
                     margin);
    }
    plan.error_bound.push_back(bound);
    plan.total_error_bound += bound;
  }
  const double draws = std::ceil(std::log(risk_limit) / std::log(1 - 1 / plan.total_error_bound));
  if (!(draws <= static_cast<double>(kMaxSampleSize))) {
    return absl::InvalidArgumentError("the margin is too small for a batch audit: count by hand");
  }
  plan.draws = static_cast<std::int64_t>(draws) + std::max<std::int64_t>(extra_draws, 0);
  for (const std::int64_t pick : SampleBallots(seed, kUniformResolution, plan.draws)) {
    const double x = static_cast<double>(pick - 1) / static_cast<double>(kUniformResolution) *
                     plan.total_error_bound;
    double cumulative = 0;
    std::int64_t chosen = static_cast<std::int64_t>(boxes.size()) - 1;
    for (std::size_t p = 0; p < boxes.size(); ++p) {
      cumulative += plan.error_bound[p];
      if (x < cumulative) {
        chosen = static_cast<std::int64_t>(p);
        break;
      }
    }
    plan.drawn_boxes.push_back(chosen);
  }
  return plan;
}

absl::StatusOr<BatchOutcome> CompareBatches(const std::vector<ContestTally>& boxes,
                                            const BatchPlan& plan, const std::string& contest_id,
                                            const CountTable& hand, double risk_limit) {
  if (absl::Status s = CheckRiskLimit(risk_limit); !s.ok()) return s;
  const ContestTally total = SumOf(boxes);
  const std::vector<std::string> losers = Losers(total, plan.winner);
  BatchOutcome outcome;
  double risk = 1;
  for (const std::int64_t p : plan.drawn_boxes) {
    const ContestTally& box = boxes[static_cast<std::size_t>(p)];
    std::map<std::string, std::int64_t> counted;
    for (const auto& [option, votes] : box.votes) {
      const auto it = hand.find({box.precinct_id, contest_id, option});
      if (it == hand.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("the hand count has no count of option ", option, " of contest ",
                         contest_id, " in box ", box.precinct_id, ", which the sample drew"));
      }
      counted[option] = it->second;
    }
    std::int64_t worst_votes = std::numeric_limits<std::int64_t>::min();
    double worst = -std::numeric_limits<double>::infinity();
    for (const std::string& loser : losers) {
      const std::int64_t over = (VotesFor(box, plan.winner) - VotesFor(box, loser)) -
                                (counted[plan.winner] - counted[loser]);
      const auto margin =
          static_cast<double>(VotesFor(total, plan.winner) - VotesFor(total, loser));
      worst_votes = std::max(worst_votes, over);
      worst = std::max(worst, static_cast<double>(over) / margin);
    }
    outcome.overstatement_votes.push_back(worst_votes);
    const double taint = worst / plan.error_bound[static_cast<std::size_t>(p)];
    risk = taint >= 1 ? std::numeric_limits<double>::infinity()
                      : risk * (1 - 1 / plan.total_error_bound) / (1 - taint);
  }
  outcome.risk = risk;
  outcome.confirmed = risk <= risk_limit;
  return outcome;
}

}  // namespace esep::audit
