#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"
#include "esep/transport/aggregation.h"
#include "esep/transport/results_format.h"
#include "national_workload.h"
#include "results_fixtures.h"

namespace esep::transport {
namespace {

using testing::LoadFixture;

// The November 2021 day (party list everywhere, two single-mandate districts) with more
// precincts, so that random sequences mix counted, corrected, held and refused precincts.
Election TwoKindElection() {
  Election election = LoadFixture("november-2021");
  for (int i = 0; i < 9; ++i) {
    Precinct* p = election.add_precincts();
    p->set_id(absl::StrCat(i < 5 ? "1" : "2", 101 + i));
    p->mutable_name()->set_ru(absl::StrCat("избирательный участок №", p->id()));
    p->set_registered_voters(i == 8 ? 0 : 900 + 100 * i);
    for (BallotStyle& style : *election.mutable_ballot_styles()) {
      if (style.id() == "list" || style.id() == (i < 5 ? "district-1" : "district-2")) {
        style.add_precinct_ids(p->id());
      }
    }
  }
  return election;
}

// What a protocol given to the aggregator is.
enum class Kind { kCounted, kImpossible, kOutOfBounds, kOtherDefinition, kHeldAtTheCentre };

struct Given {
  std::string precinct_id;
  std::string ballot_kind;
  std::uint32_t revision = 0;
  Kind kind = Kind::kCounted;
  PrecinctProtocol protocol;
  ExcludedProtocol not_counted;  // kHeldAtTheCentre
};

// A random protocol of one precinct and ballot kind; every blocking control relation holds.
PrecinctProtocol RandomProtocol(const ElectionIndex& index, const std::string& precinct_id,
                                const std::string& kind, std::uint32_t revision, Kind what,
                                std::mt19937& rng) {
  const Election& election = index.election();
  PrecinctProtocol p;
  p.set_election_id(election.id());
  p.set_election_hash(what == Kind::kOtherDefinition ? std::string(64, '0') : index.hash());
  p.set_precinct_id(precinct_id);
  p.set_status(revision == 1 ? FINAL : CORRECTION);
  p.set_revision(revision);
  p.set_ballot_kind(kind);
  const Precinct* precinct = index.FindPrecinct(precinct_id);
  const std::uint64_t registered = precinct != nullptr && precinct->registered_voters() != 0
                                       ? precinct->registered_voters()
                                       : 1000;
  const std::uint64_t on_list = registered - rng() % 50;
  const std::uint64_t in_boxes = on_list / 4 + rng() % (on_list / 2);
  const std::uint64_t invalid = rng() % 20;
  // Impossible: more ballots in the boxes than voters on the list, with the ballots issued
  // still within the list (held for review, never refused by the control relations).
  const std::uint64_t list = what == Kind::kImpossible ? in_boxes - 1 : on_list;
  const std::uint64_t issued = std::min(in_boxes, list);
  p.set_voters_on_list(what == Kind::kOutOfBounds ? 3 * registered + 1 : list);
  p.set_ballots_received(issued + 30);
  p.set_ballots_issued_in_room(issued);
  p.set_ballots_cancelled(30);
  p.set_ballots_in_stationary_box(in_boxes);
  for (const Contest* contest : index.ContestsOnBallot(precinct_id, kind)) {
    ContestResult* r = p.add_contests();
    r->set_contest_id(contest->id());
    r->set_vote_for(contest->vote_for());
    const std::uint64_t valid = in_boxes - invalid;
    r->set_valid_ballots(valid);
    r->set_invalid_ballots(invalid);
    std::uint64_t left = valid;
    for (int o = 0; o < contest->options_size(); ++o) {
      const std::uint64_t votes = o + 1 == contest->options_size() ? left : rng() % (left / 2 + 1);
      left -= votes;
      OptionVotes* v = r->add_options();
      v->set_option_id(contest->options(o).id());
      v->set_votes(votes);
    }
  }
  return p;
}

// Full recomputation, as ResultsOfStore did it before the aggregator: Aggregate over the latest
// protocol of each precinct and ballot kind in the store's order (precinct, revision), then the
// protocols the centre left out before aggregation, each under its precinct in the election's
// order.
absl::StatusOr<Results> Recompute(
    const Election& election, const std::map<std::pair<std::string, std::string>, Given>& latest) {
  std::vector<const Given*> ordered;
  for (const auto& [key, given] : latest) ordered.push_back(&given);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Given* a, const Given* b) {
    return std::tie(a->precinct_id, a->revision) < std::tie(b->precinct_id, b->revision);
  });
  std::vector<PrecinctProtocol> protocols;
  std::vector<ExcludedProtocol> before;
  for (const Given* g : ordered) {
    if (g->kind == Kind::kHeldAtTheCentre) {
      before.push_back(g->not_counted);
    } else {
      protocols.push_back(g->protocol);
    }
  }
  absl::StatusOr<Results> results = Aggregate(election, protocols);
  if (!results.ok()) return results;
  std::map<std::string, int> order;
  for (int i = 0; i < election.precincts_size(); ++i) order[election.precincts(i).id()] = i;
  for (ExcludedProtocol& e : before) results->excluded.push_back(std::move(e));
  std::stable_sort(results->excluded.begin(), results->excluded.end(),
                   [&](const ExcludedProtocol& a, const ExcludedProtocol& b) {
                     auto rank = [&](const std::string& id) {
                       auto it = order.find(id);
                       return it == order.end() ? election.precincts_size() : it->second;
                     };
                     return rank(a.precinct_id) < rank(b.precinct_id);
                   });
  return results;
}

std::string Json(const absl::StatusOr<Results>& results) {
  if (!results.ok()) return results.status().ToString();
  absl::StatusOr<std::string> json = FormatResultsJson(*results);
  return json.ok() ? *json : json.status().ToString();
}

TEST(ResultsAggregatorTest, EqualsFullRecomputationOverRandomSequences) {
  const Election election = TwoKindElection();
  const ElectionIndex index(election);
  std::vector<std::string> precincts;
  for (const Precinct& p : election.precincts()) precincts.push_back(p.id());
  precincts.push_back("7777");  // not in the election
  int compared = 0;
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    ResultsAggregator aggregator(election);
    // The same protocols given between PauseCounting and ResumeCounting, counted at each
    // comparison.
    ResultsAggregator batched(election);
    batched.PauseCounting();
    std::map<std::pair<std::string, std::string>, Given> latest;
    std::map<std::string, std::uint32_t> revision;  // the precinct's highest, across its kinds
    for (int step = 0; step < 120; ++step) {
      Given g;
      g.precinct_id = precincts[rng() % precincts.size()];
      g.ballot_kind = rng() % 2 == 0 ? "list" : "district";
      if (index.ContestsOnBallot(g.precinct_id, g.ballot_kind).empty() && g.precinct_id != "7777") {
        g.ballot_kind = "list";
      }
      const int dice = static_cast<int>(rng() % 20);
      g.kind = dice < 12   ? Kind::kCounted
               : dice < 15 ? Kind::kImpossible
               : dice < 16 ? Kind::kOutOfBounds
               : dice < 17 ? Kind::kOtherDefinition
                           : Kind::kHeldAtTheCentre;
      // Mostly a new revision (a correction); sometimes the same protocol again, or an older
      // revision arriving late, which must change nothing.
      std::uint32_t& highest = revision[g.precinct_id];
      const int when = static_cast<int>(rng() % 10);
      g.revision =
          when == 0 && highest > 1 ? highest - 1 : (when == 1 && highest > 0 ? highest : ++highest);
      if (g.kind == Kind::kHeldAtTheCentre) {
        g.not_counted = {g.precinct_id, g.revision, Exclusion::kHeldForReview,
                         absl::StrCat("held by the centre at step ", step)};
        aggregator.PutNotCounted(g.ballot_kind, g.not_counted);
        batched.PutNotCounted(g.ballot_kind, g.not_counted);
      } else {
        g.protocol = RandomProtocol(index, g.precinct_id, g.ballot_kind, g.revision, g.kind, rng);
        aggregator.Put(g.protocol);
        batched.Put(g.protocol);
      }
      auto [it, inserted] = latest.try_emplace({g.precinct_id, g.ballot_kind}, g);
      if (!inserted && g.revision >= it->second.revision) it->second = g;

      if (step % 7 == 6 || step == 119) {
        const absl::StatusOr<Results> incremental = aggregator.Snapshot();
        const absl::StatusOr<Results> full = Recompute(election, latest);
        ASSERT_EQ(Json(incremental), Json(full)) << "seed " << seed << " step " << step;
        batched.ResumeCounting();
        ASSERT_EQ(Json(batched.Snapshot()), Json(full)) << "seed " << seed << " step " << step;
        batched.PauseCounting();
        ASSERT_TRUE(incremental.ok()) << incremental.status();
        EXPECT_EQ(aggregator.precincts_counted(), full->precincts_counted);
        const absl::StatusOr<UnitTotals> national = aggregator.National();
        ASSERT_TRUE(national.ok()) << national.status();
        EXPECT_EQ(national->voters_on_list, full->national.voters_on_list);
        EXPECT_EQ(national->ballots_in_boxes, full->national.ballots_in_boxes);
        for (std::size_t c = 0; c < national->contests.size(); ++c) {
          for (std::size_t o = 0; o < national->contests[c].options.size(); ++o) {
            EXPECT_EQ(national->contests[c].options[o].votes,
                      full->national.contests[c].options[o].votes);
            EXPECT_EQ(national->contests[c].options[o].seats,
                      full->national.contests[c].options[o].seats);
          }
        }
        for (const UnitTotals& u : full->precincts) {
          const UnitTotals* mine = aggregator.CountedPrecinct(u.id);
          ASSERT_NE(mine, nullptr) << u.id;
          EXPECT_EQ(mine->revision, u.revision);
        }
        ++compared;
      }
    }
    // An aggregator that is not used again gives its tables away: the same results.
    batched.ResumeCounting();
    EXPECT_EQ(Json(std::move(batched).Snapshot()), Json(aggregator.Snapshot())) << "seed " << seed;
  }
  EXPECT_EQ(compared, 40 * 18);
}

TEST(ResultsAggregatorTest, HeldCorrectionTakesThePrecinctOutUntilAPossibleOneComes) {
  const Election election = TwoKindElection();
  const ElectionIndex index(election);
  std::mt19937 rng(7);
  ResultsAggregator aggregator(election);
  const PrecinctProtocol first = RandomProtocol(index, "1001", "list", 1, Kind::kCounted, rng);
  aggregator.Put(first);
  ASSERT_NE(aggregator.CountedPrecinct("1001"), nullptr);
  EXPECT_EQ(aggregator.National()->voters_on_list, first.voters_on_list());

  aggregator.Put(RandomProtocol(index, "1001", "list", 2, Kind::kImpossible, rng));
  EXPECT_EQ(aggregator.CountedPrecinct("1001"), nullptr);
  EXPECT_EQ(aggregator.precincts_counted(), 0u);
  EXPECT_EQ(aggregator.National()->voters_on_list, 0u);
  absl::StatusOr<Results> held = aggregator.Snapshot();
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_EQ(held->excluded.size(), 1u);
  EXPECT_EQ(held->excluded[0].exclusion, Exclusion::kHeldForReview);
  EXPECT_EQ(held->excluded[0].revision, 2u);

  // The first revision arriving again, late, changes nothing.
  aggregator.Put(first);
  EXPECT_EQ(aggregator.CountedPrecinct("1001"), nullptr);

  const PrecinctProtocol corrected = RandomProtocol(index, "1001", "list", 3, Kind::kCounted, rng);
  aggregator.Put(corrected);
  ASSERT_NE(aggregator.CountedPrecinct("1001"), nullptr);
  EXPECT_EQ(aggregator.CountedPrecinct("1001")->revision, 3u);
  EXPECT_EQ(aggregator.National()->voters_on_list, corrected.voters_on_list());
  EXPECT_TRUE(aggregator.Snapshot()->excluded.empty());
}

TEST(ResultsAggregatorTest, RefusesAThresholdAboveOneHundredPercent) {
  const Election election = TwoKindElection();
  AggregationRules rules;
  rules.threshold_percent = 101;
  ResultsAggregator aggregator(election, rules);
  EXPECT_EQ(aggregator.Snapshot().status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(aggregator.National().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SubtractPrecinctTotalsTest, UndoesAddPrecinctTotalsAndRefusesWhatWasNotAdded) {
  const Election election = TwoKindElection();
  const ElectionIndex index(election);
  std::mt19937 rng(3);
  absl::StatusOr<Results> one =
      Aggregate(election, {RandomProtocol(index, "1001", "list", 1, Kind::kCounted, rng)});
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_EQ(one->precincts.size(), 1u);
  UnitTotals country = one->national;
  const UnitTotals empty_sums = [&] {
    UnitTotals sums = country;
    EXPECT_TRUE(SubtractPrecinctTotals(one->precincts[0], sums).ok());
    return sums;
  }();
  EXPECT_EQ(empty_sums.voters_on_list, 0u);
  EXPECT_EQ(empty_sums.contests[0].precincts_counted, 0u);
  EXPECT_EQ(empty_sums.contests[0].valid_ballots, 0u);
  UnitTotals again = empty_sums;
  EXPECT_EQ(SubtractPrecinctTotals(one->precincts[0], again).code(), absl::StatusCode::kInternal);
  EXPECT_EQ(again.voters_on_list, 0u);  // nothing changed
}

// A national day's precincts given while counting is paused are counted side by side on the
// machine's cores (from 1,024 awaiting precincts on): the results are those of counting each
// protocol as it comes, to the byte.
TEST(ResultsAggregatorScaleTest, PrecinctsCountedSideBySideEqualCountingOneAtATime) {
  const bench::NationalWorkload w = bench::MakeNationalWorkload(2500);
  ASSERT_GE(w.election.precincts_size(), 2400);
  ResultsAggregator one_at_a_time(w.election);
  ResultsAggregator side_by_side(w.election);
  side_by_side.PauseCounting();
  for (const PrecinctProtocol& p : w.protocols) {
    one_at_a_time.Put(p);
    side_by_side.Put(p);
  }
  side_by_side.ResumeCounting();
  const absl::StatusOr<Results> expected = one_at_a_time.Snapshot();
  ASSERT_TRUE(expected.ok()) << expected.status();
  EXPECT_EQ(expected->precincts_counted, w.election.precincts_size());
  EXPECT_EQ(Json(side_by_side.Snapshot()), Json(expected));
}

}  // namespace
}  // namespace esep::transport
