#include "esep/transport/aggregation.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <set>

#include "esep/proto/election.h"
#include "results_fixtures.h"
#include "sample_protocols.h"

namespace esep::transport {
namespace {

using testing::LoadFixture;
using testing::MakeProtocol;
__extension__ using Wide = unsigned __int128;

const ContestTotal& National(const Results& results, const std::string& contest_id) {
  for (const ContestTotal& c : results.national.contests) {
    if (c.contest_id == contest_id) return c;
  }
  ADD_FAILURE() << "no contest " << contest_id;
  return results.national.contests.at(0);
}

std::uint64_t ShareSum(const ContestTotal& c) {
  std::uint64_t sum = 0;
  for (const OptionTotal& o : c.options) sum += o.share;
  return sum;
}

// The one exclusion of `precinct`, which must be listed.
const ExcludedProtocol& ExcludedOf(const Results& results, const std::string& precinct) {
  for (const ExcludedProtocol& e : results.excluded) {
    if (e.precinct_id == precinct) return e;
  }
  ADD_FAILURE() << "precinct " << precinct << " is not listed as excluded";
  static const ExcludedProtocol kNone;
  return kNone;
}

bool Counted(const Results& results, const std::string& precinct) {
  for (const UnitTotals& u : results.precincts) {
    if (u.id == precinct) return true;
  }
  return false;
}

// National party-list votes in the proportions of the 2021 preliminary count (per ten thousand
// ballots in the boxes, halved): the six lists over 5%, four just under it, eleven small lists,
// against all; 255 invalid ballots make 5000 ballots in the boxes.
const std::vector<std::uint64_t> k2021Votes = {820, 650, 530, 400, 325, 295, 240, 235,
                                               150, 125, 75,  75,  75,  75,  75,  75,
                                               75,  75,  75,  75,  75,  150};
constexpr std::uint64_t k2021Invalid = 255;

// The 2021-like votes split over the fixture's three precincts.
std::vector<PrecinctProtocol> Protocols2021(const Election& election) {
  std::vector<PrecinctProtocol> out;
  const std::vector<std::string> precincts = {"1001", "1002", "2001"};
  for (std::size_t k = 0; k < precincts.size(); ++k) {
    std::vector<std::uint64_t> votes;
    for (std::uint64_t v : k2021Votes)
      votes.push_back(k + 1 < precincts.size() ? v / 3 : v - 2 * (v / 3));
    const std::uint64_t invalid =
        k + 1 < precincts.size() ? k2021Invalid / 3 : k2021Invalid - 2 * (k2021Invalid / 3);
    out.push_back(MakeProtocol(election, precincts[k], votes, invalid));
  }
  return out;
}

TEST(AllocateSeatsHareTest, MatchesTheTextbookExample) {
  // Quota 100000 / 10 = 10000: floors 4, 1, 1, 1, 0, 0 leave three seats for the largest
  // remainders 7000 (A), 6100 (E) and 6000 (B).
  EXPECT_EQ(AllocateSeatsHare({47000, 16000, 15800, 12000, 6100, 3100}, 10),
            (std::vector<std::uint32_t>{5, 2, 1, 1, 1, 0}));
}

TEST(AllocateSeatsHareTest, EqualRemaindersGoToMoreVotesThenBallotOrder) {
  // 10 votes, 5 seats: floors 0, 1, 3 and remainders 5/10, 5/10, 0: the tie goes to 3 votes.
  EXPECT_EQ(AllocateSeatsHare({1, 3, 6}, 5), (std::vector<std::uint32_t>{0, 2, 3}));
  // Equal votes, equal remainders: the earlier list on the ballot.
  EXPECT_EQ(AllocateSeatsHare({10, 10, 10}, 2), (std::vector<std::uint32_t>{1, 1, 0}));
  EXPECT_EQ(AllocateSeatsHare({0, 10, 10, 10}, 1), (std::vector<std::uint32_t>{0, 1, 0, 0}));
}

TEST(AllocateSeatsHareTest, OneListTakesEverySeatAndNoVotesNoSeats) {
  EXPECT_EQ(AllocateSeatsHare({0, 7, 0}, 54), (std::vector<std::uint32_t>{0, 54, 0}));
  EXPECT_EQ(AllocateSeatsHare({0, 0}, 54), (std::vector<std::uint32_t>{0, 0}));
  EXPECT_EQ(AllocateSeatsHare({}, 54), (std::vector<std::uint32_t>{}));
}

TEST(AllocateSeatsHareTest, AlwaysAllocatesExactlyTheSeatsAndNeverLosesAQuota) {
  std::mt19937_64 random(20211128);
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::uint64_t> votes(1 + random() % 25);
    std::uint64_t total = 0;
    for (std::uint64_t& v : votes) {
      v = random() % 4 == 0 ? 0 : random() % 1000000;
      total += v;
    }
    const std::uint32_t seats = 1 + random() % 120;
    const std::vector<std::uint32_t> got = AllocateSeatsHare(votes, seats);
    std::uint64_t given = 0;
    for (std::size_t i = 0; i < votes.size(); ++i) {
      given += got[i];
      if (total == 0) continue;
      // floor(quotas) <= seats <= floor(quotas) + 1.
      const Wide product = static_cast<Wide>(votes[i]) * seats;
      EXPECT_GE(got[i], product / total);
      EXPECT_LE(got[i], product / total + 1);
    }
    EXPECT_EQ(given, total == 0 ? 0 : seats);
  }
}

TEST(ShareTest, RoundsDownAndPrintsTwoDecimals) {
  EXPECT_EQ(ShareOf(1, 3), 3333u);
  EXPECT_EQ(ShareOf(2, 3), 6666u);
  EXPECT_EQ(ShareOf(5, 0), 0u);
  EXPECT_EQ(
      ShareOf(std::numeric_limits<std::uint64_t>::max(), std::numeric_limits<std::uint64_t>::max()),
      kFullShare);
  EXPECT_EQ(FormatShare(1640), "16.40");
  EXPECT_EQ(FormatShare(5), "0.05");
  EXPECT_EQ(FormatShare(kFullShare), "100.00");
}

TEST(AggregateTest, SixLists2021PassTheThresholdAndShareTheSeats) {
  const Election election = LoadFixture("party-list-2021");
  absl::StatusOr<Results> results = Aggregate(election, Protocols2021(election));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_TRUE(results->complete);
  const ContestTotal& list = National(*results, "parliament-list");
  EXPECT_EQ(list.threshold_base_ballots, 5000u);
  EXPECT_EQ(list.threshold_votes, 250u);
  std::vector<std::string> passed;
  for (const OptionTotal& o : list.options) {
    if (o.over_threshold) passed.push_back(o.option_id);
  }
  EXPECT_EQ(passed, (std::vector<std::string>{"ata-jurt", "ishenim", "yntymak", "alyans",
                                              "butun-kyrgyzstan", "yiman-nuru"}));
  // 3020 votes over the threshold, 54 seats: quotas 14.66, 11.62, 9.48, 7.15, 5.81, 5.27; the
  // three seats left go to 0.81, 0.66 and 0.62.
  std::vector<std::uint32_t> seats;
  for (const OptionTotal& o : list.options) {
    if (o.over_threshold) seats.push_back(o.seats);
  }
  EXPECT_EQ(seats, (std::vector<std::uint32_t>{15, 12, 9, 7, 6, 5}));
  EXPECT_EQ(list.options.back().option_id, "against-all");
  EXPECT_EQ(list.options.back().seats, 0u);
  EXPECT_TRUE(list.seats_allocated);
  EXPECT_LE(ShareSum(list), kFullShare);
}

TEST(AggregateTest, ATwoBallotDayCountsEachContestOverItsOwnPrecincts) {
  const Election election = LoadFixture("november-2021");
  std::vector<PrecinctProtocol> protocols;
  std::uint64_t list_valid = 0;
  for (const char* id : {"1001", "1002", "2001"}) {
    protocols.push_back(
        esep::testing::ConsistentProtocol(election, id, protocols.size() + 1, "list"));
    list_valid += protocols.back().contests(0).valid_ballots();
  }
  // The district protocols of 1001 and 2001 (revision 2); 1002's has not arrived.
  for (const char* id : {"1001", "2001"}) {
    protocols.push_back(
        esep::testing::ConsistentProtocol(election, id, protocols.size() + 1, "district"));
    protocols.back().set_revision(2);
  }
  for (PrecinctProtocol& p : protocols) {
    p.set_voters_on_list(FindPrecinct(election, p.precinct_id())->registered_voters());
  }
  absl::StatusOr<Results> results = Aggregate(election, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_TRUE(results->excluded.empty()) << results->excluded.front().reason;
  EXPECT_EQ(results->precincts_counted, 3u);

  const ContestTotal& list = National(*results, "parliament-list");
  EXPECT_EQ(list.precincts_counted, 3u);
  EXPECT_EQ(list.precincts_expected, 3u);
  EXPECT_EQ(list.valid_ballots, list_valid);
  const ContestTotal& district1 = National(*results, "district-1");
  EXPECT_EQ(district1.precincts_counted, 1u);
  EXPECT_EQ(district1.precincts_expected, 2u);
  EXPECT_EQ(district1.valid_ballots, protocols[3].contests(0).valid_ballots());
  const ContestTotal& district2 = National(*results, "district-2");
  EXPECT_EQ(district2.precincts_counted, 1u);
  EXPECT_EQ(district2.valid_ballots, protocols[4].contests(0).valid_ballots());
  // A district still waiting for a precinct keeps the results incomplete.
  EXPECT_FALSE(results->complete);

  // Precinct 1001 counted once: its voters and both of its contests.
  std::uint64_t voters = 0;
  for (const UnitTotals& unit : results->precincts) {
    voters += unit.voters_on_list;
    if (unit.id == "1001") {
      EXPECT_EQ(unit.contests.size(), 2u);
    }
  }
  EXPECT_EQ(results->national.voters_on_list, voters);

  protocols.push_back(esep::testing::ConsistentProtocol(election, "1002", 9, "district"));
  protocols.back().set_revision(2);
  protocols.back().set_voters_on_list(1870);
  results = Aggregate(election, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_TRUE(results->complete);
  EXPECT_EQ(National(*results, "district-1").precincts_counted, 2u);
}

TEST(AggregateTest, ADistrictSpanningTwoRegionsIsCountedOverAllOfItsPrecincts) {
  Election election = LoadFixture("national-november-2021");
  // Every precinct large enough for the sample protocols' 1,200-odd ballots.
  for (Precinct& precinct : *election.mutable_precincts()) {
    precinct.set_registered_voters(std::max<std::uint32_t>(precinct.registered_voters(), 2300));
  }
  // The first district whose precincts lie in two regions (the precinct id's first digit).
  const BallotStyle* spanning = nullptr;
  for (const BallotStyle& style : election.ballot_styles()) {
    std::set<char> regions;
    for (const std::string& id : style.precinct_ids()) regions.insert(id[0]);
    if (style.ballot_kind() == "district" && regions.size() == 2) {
      spanning = &style;
      break;
    }
  }
  ASSERT_NE(spanning, nullptr);
  const std::string district = spanning->targets(0).contest_id();
  std::vector<PrecinctProtocol> protocols;
  std::uint64_t valid = 0;
  for (const std::string& id : spanning->precinct_ids()) {
    for (const char* kind : {"list", "district"}) {
      PrecinctProtocol p = esep::testing::ConsistentProtocol(election, id, protocols.size(), kind);
      p.set_voters_on_list(FindPrecinct(election, id)->registered_voters());
      if (std::string(kind) == "district") {
        p.set_revision(2);
        valid += p.contests(0).valid_ballots();
      }
      protocols.push_back(std::move(p));
    }
  }
  absl::StatusOr<Results> results = Aggregate(election, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_TRUE(results->excluded.empty()) << results->excluded.front().reason;
  const ContestTotal& total = National(*results, district);
  EXPECT_EQ(total.precincts_expected, static_cast<std::uint32_t>(spanning->precinct_ids_size()));
  EXPECT_EQ(total.precincts_counted, total.precincts_expected);
  EXPECT_EQ(total.valid_ballots, valid);
  // The party list is national: these precincts are a small part of it.
  const ContestTotal& list = National(*results, "parliament-list");
  EXPECT_EQ(list.precincts_counted, total.precincts_counted);
  EXPECT_EQ(list.precincts_expected, static_cast<std::uint32_t>(election.precincts_size()));
  EXPECT_FALSE(results->complete);
}

TEST(AggregateTest, ThresholdBaseIsARule) {
  const Election election = LoadFixture("party-list-2021");
  AggregationRules rules;
  rules.threshold_base = ThresholdBase::kValidBallots;
  rules.list_seats = 120;
  absl::StatusOr<Results> results = Aggregate(election, Protocols2021(election), rules);
  ASSERT_TRUE(results.ok()) << results.status();
  const ContestTotal& list = National(*results, "parliament-list");
  EXPECT_EQ(list.threshold_base_ballots, 5000u - k2021Invalid);
  std::uint32_t seats = 0;
  for (const OptionTotal& o : list.options) seats += o.seats;
  EXPECT_EQ(seats, 120u);
}

TEST(AggregateTest, AgainstAllNeverTakesASeat) {
  const Election election = LoadFixture("party-list-2021");
  std::vector<std::uint64_t> votes(22, 0);
  votes[0] = 100;
  votes[21] = 900;  // against all: 90%
  absl::StatusOr<Results> results = Aggregate(election, {MakeProtocol(election, "1001", votes)});
  ASSERT_TRUE(results.ok()) << results.status();
  const ContestTotal& list = National(*results, "parliament-list");
  EXPECT_FALSE(list.options[21].over_threshold);
  EXPECT_EQ(list.options[21].seats, 0u);
  EXPECT_EQ(list.options[0].seats, 54u);
}

TEST(AggregateTest, NoListOverTheThresholdMeansNoSeats) {
  const Election election = LoadFixture("party-list-2021");
  std::vector<std::uint64_t> votes(22, 1);
  votes[21] = 100;
  absl::StatusOr<Results> results = Aggregate(election, {MakeProtocol(election, "1001", votes)});
  ASSERT_TRUE(results.ok()) << results.status();
  const ContestTotal& list = National(*results, "parliament-list");
  EXPECT_FALSE(list.seats_allocated);
  for (const OptionTotal& o : list.options) EXPECT_EQ(o.seats, 0u);
}

TEST(AggregateTest, PartialResultsAreLabelledPerElectionAndContest) {
  const Election election = LoadFixture("party-list-2021");
  std::vector<PrecinctProtocol> protocols = Protocols2021(election);
  protocols.pop_back();
  absl::StatusOr<Results> results = Aggregate(election, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_FALSE(results->complete);
  EXPECT_EQ(results->precincts_counted, 2u);
  EXPECT_EQ(results->precincts_expected, 3u);
  EXPECT_EQ(National(*results, "parliament-list").precincts_counted, 2u);
  EXPECT_EQ(National(*results, "parliament-list").precincts_expected, 3u);
  ASSERT_EQ(results->precincts.size(), 2u);
  EXPECT_EQ(results->precincts[0].id, "1001");
}

TEST(AggregateTest, TurnoutComesFromTheCounts) {
  const Election election = LoadFixture("presidential-2021");
  PrecinctProtocol p = MakeProtocol(election, "1001", {500, 100, 50, 30, 20}, 17);
  absl::StatusOr<Results> results = Aggregate(election, {p});
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->national.ballots_in_boxes, 717u);
  EXPECT_EQ(results->national.voters_on_list, 2150u);
  EXPECT_EQ(results->national.turnout, 717u * kFullShare / 2150u);
  const ContestTotal& president = National(*results, "president");
  EXPECT_EQ(president.leaders, std::vector<std::string>{"japarov"});
  EXPECT_TRUE(president.leader_has_majority);
  EXPECT_FALSE(president.against_all_leads);
}

TEST(AggregateTest, FlagsTheDistrictWhereAgainstAllLeads) {
  const Election election = LoadFixture("single-mandate-2021");
  std::vector<PrecinctProtocol> protocols = {
      MakeProtocol(election, "1001", {300, 200, 100, 50, 40, 30, 250}, 10),
      MakeProtocol(election, "1002", {250, 220, 90, 60, 30, 20, 200}, 12),
      MakeProtocol(election, "2001", {200, 150, 100, 50, 420}, 9)};
  absl::StatusOr<Results> results = Aggregate(election, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  const ContestTotal& one = National(*results, "district-1");
  EXPECT_EQ(one.precincts_expected, 2u);
  EXPECT_EQ(one.precincts_counted, 2u);
  EXPECT_EQ(one.leaders, std::vector<std::string>{"asanov"});
  EXPECT_FALSE(one.against_all_leads);
  const ContestTotal& two = National(*results, "district-2");
  EXPECT_EQ(two.precincts_expected, 1u);
  EXPECT_EQ(two.leaders, std::vector<std::string>{"against-all"});
  EXPECT_TRUE(two.against_all_leads);
  // A tie between against all and the best candidate elects nobody either.
  protocols[2] = MakeProtocol(election, "2001", {420, 150, 100, 50, 420}, 9);
  results = Aggregate(election, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_TRUE(National(*results, "district-2").against_all_leads);
  EXPECT_EQ(National(*results, "district-2").leaders.size(), 2u);
}

TEST(AggregateTest, LeavesOutAProtocolOfAnotherElectionOrDefinition) {
  const Election election = LoadFixture("party-list-2021");
  std::vector<PrecinctProtocol> protocols = Protocols2021(election);
  protocols[1].set_election_id("kg-2021-president");
  absl::StatusOr<Results> results = Aggregate(election, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->precincts_counted, 2u);
  EXPECT_FALSE(Counted(*results, "1002"));
  EXPECT_EQ(ExcludedOf(*results, "1002").exclusion, Exclusion::kRefused);
  EXPECT_NE(ExcludedOf(*results, "1002").reason.find("is for election"), std::string::npos);
  protocols = Protocols2021(election);
  protocols[2].set_election_hash(std::string(64, '0'));
  results = Aggregate(election, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_FALSE(Counted(*results, "2001"));
  EXPECT_NE(ExcludedOf(*results, "2001").reason.find("another version"), std::string::npos);
}

TEST(AggregateTest, LeavesOutUnknownPrecinctsContestsAndOptions) {
  const Election election = LoadFixture("party-list-2021");
  std::vector<PrecinctProtocol> protocols = Protocols2021(election);
  protocols[0].set_precinct_id("9999");
  absl::StatusOr<Results> results = Aggregate(election, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->precincts_counted, 2u);
  ASSERT_EQ(results->excluded.size(), 1u);
  EXPECT_EQ(results->excluded[0].precinct_id, "9999");
  EXPECT_NE(results->excluded[0].reason.find("no such precinct"), std::string::npos);
  protocols = Protocols2021(election);
  protocols[0].mutable_contests(0)->mutable_options(3)->set_option_id("no-such-party");
  results = Aggregate(election, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_FALSE(Counted(*results, "1001"));
  EXPECT_NE(ExcludedOf(*results, "1001").reason.find("ballot order"), std::string::npos);
  protocols = Protocols2021(election);
  protocols[0].mutable_contests(0)->set_contest_id("no-such-contest");
  results = Aggregate(election, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(ExcludedOf(*results, "1001").exclusion, Exclusion::kRefused);
  EXPECT_EQ(results->precincts_counted, 2u);
}

// A protocol with numbers near 2^63 (consistent among themselves) once made every total
// overflow, and the country's results failed for everyone. It is left out, the others count.
TEST(AggregateTest, NumbersAboveThePrecinctsBoundsAreLeftOutAndTheRestIsCounted) {
  const Election election = LoadFixture("presidential-2021");
  const std::uint64_t huge = std::numeric_limits<std::uint64_t>::max() / 2 + 1;
  PrecinctProtocol a = MakeProtocol(election, "1001", {huge, huge - 5000, 0, 0, 0});
  PrecinctProtocol b = MakeProtocol(election, "1002", {500, 100, 50, 30, 20});
  absl::StatusOr<Results> results = Aggregate(election, {a, b});
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_FALSE(Counted(*results, "1001"));
  EXPECT_TRUE(Counted(*results, "1002"));
  EXPECT_EQ(ExcludedOf(*results, "1001").exclusion, Exclusion::kRefused);
  EXPECT_NE(ExcludedOf(*results, "1001").reason.find("cannot have (at most 4300"),
            std::string::npos)
      << ExcludedOf(*results, "1001").reason;
  EXPECT_EQ(National(*results, "president").options[0].votes, 500u);
  EXPECT_EQ(results->national.voters_on_list, 1870u);
}

TEST(AggregateTest, ImpossibleTurnoutIsHeldForReviewAndNeverCounted) {
  const Election election = LoadFixture("presidential-2021");
  PrecinctProtocol p = MakeProtocol(election, "1001", {2000, 1000, 200, 150, 90}, 0);
  // 3440 ballots in the boxes, 2150 voters on the list: turnout 160%. Ballots issued stay
  // within the list (a blocking relation); the others were "found" in the boxes.
  p.set_voters_on_list(2150);
  p.set_ballots_issued_in_room(2100);
  p.set_ballots_issued_outside(50);
  p.set_ballots_cancelled(p.ballots_received() - 2150);
  absl::StatusOr<Results> results = Aggregate(election, {p});
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->precincts_counted, 0u);
  EXPECT_EQ(results->national.ballots_in_boxes, 0u);
  EXPECT_EQ(ExcludedOf(*results, "1001").exclusion, Exclusion::kHeldForReview);
  EXPECT_NE(ExcludedOf(*results, "1001").reason.find("turnout 160.00%"), std::string::npos)
      << ExcludedOf(*results, "1001").reason;
}

TEST(AddPrecinctTotalsTest, AddsAPrecinctWholeOrNotAtAll) {
  const Election election = LoadFixture("presidential-2021");
  absl::StatusOr<Results> one =
      Aggregate(election, {MakeProtocol(election, "1001", {500, 100, 50, 30, 20}, 7)});
  ASSERT_TRUE(one.ok()) << one.status();
  UnitTotals country = one->national;
  const UnitTotals precinct = one->precincts.at(0);
  ASSERT_TRUE(AddPrecinctTotals(precinct, country).ok());
  EXPECT_EQ(country.ballots_in_boxes, 2 * precinct.ballots_in_boxes);
  EXPECT_EQ(country.contests[0].options[0].votes, 1000u);
  EXPECT_EQ(country.contests[0].precincts_counted, 2u);

  // Only the last option would overflow: nothing at all is added.
  country.contests[0].options[4].votes = std::numeric_limits<std::uint64_t>::max() - 5;
  const UnitTotals before = country;
  absl::Status added = AddPrecinctTotals(precinct, country);
  EXPECT_EQ(added.code(), absl::StatusCode::kOutOfRange) << added;
  EXPECT_NE(added.message().find("president votes"), std::string::npos) << added;
  EXPECT_EQ(country.ballots_in_boxes, before.ballots_in_boxes);
  EXPECT_EQ(country.voters_on_list, before.voters_on_list);
  EXPECT_EQ(country.contests[0].options[0].votes, before.contests[0].options[0].votes);
  EXPECT_EQ(country.contests[0].valid_ballots, before.contests[0].valid_ballots);
  EXPECT_EQ(country.contests[0].precincts_counted, 2u);
}

TEST(CheckPublishableTest, RefusesTurnoutSharesAndPrecinctsAboveTheWhole) {
  const Election election = LoadFixture("presidential-2021");
  absl::StatusOr<Results> good =
      Aggregate(election, {MakeProtocol(election, "1001", {500, 100, 50, 30, 20}, 7)});
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_TRUE(CheckPublishable(*good).ok());

  Results turnout = *good;
  turnout.precincts[0].ballots_in_boxes = 3440;
  turnout.precincts[0].turnout = 16000;
  absl::Status s = CheckPublishable(turnout);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_NE(s.message().find("Turnout of precinct 1001 would be 160.00%"), std::string::npos) << s;

  Results country = *good;
  country.national.voters_on_list = 100;
  EXPECT_NE(CheckPublishable(country).message().find("Turnout of the country"), std::string::npos);

  Results shares = *good;
  shares.national.contests[0].options[1].share = kFullShare;
  EXPECT_NE(CheckPublishable(shares).message().find("more than 100%"), std::string::npos);

  Results precincts = *good;
  precincts.national.contests[0].precincts_counted = 4;
  EXPECT_NE(CheckPublishable(precincts).message().find("4 precincts counted of 3"),
            std::string::npos);
  precincts = *good;
  precincts.precincts_counted = 4;
  EXPECT_EQ(CheckPublishable(precincts).code(), absl::StatusCode::kInternal);
}

TEST(AggregateTest, SharesNeverExceedTheWholeOrTheTrueShareOnRandomCounts) {
  std::mt19937_64 random(150);
  const std::vector<std::string> names = {"party-list-2021", "single-mandate-2021",
                                          "presidential-2021", "referendum-2021"};
  std::vector<Election> elections;
  for (const std::string& name : names) {
    elections.push_back(LoadFixture(name));
    // Lists as long as the counts below, so that every protocol is counted.
    for (Precinct& precinct : *elections.back().mutable_precincts()) {
      precinct.set_registered_voters(3000000);
    }
  }
  for (int round = 0; round < 300; ++round) {
    const Election& election = elections[round % elections.size()];
    std::vector<PrecinctProtocol> protocols;
    for (const Precinct& precinct : election.precincts()) {
      if (random() % 4 == 0) continue;  // not yet counted
      const Contest* contest = testing::ContestOfPrecinct(election, precinct.id());
      ASSERT_NE(contest, nullptr);
      std::vector<std::uint64_t> votes;
      const std::uint64_t scale = random() % 3 == 0 ? 3 : 100000;
      for (int i = 0; i < contest->options_size(); ++i) votes.push_back(random() % scale);
      protocols.push_back(MakeProtocol(election, precinct.id(), votes, random() % 50));
    }
    absl::StatusOr<Results> results = Aggregate(election, protocols);
    ASSERT_TRUE(results.ok()) << results.status();
    ASSERT_TRUE(results->excluded.empty()) << results->excluded[0].reason;
    EXPECT_EQ(results->precincts_counted, protocols.size());
    std::vector<const UnitTotals*> units = {&results->national};
    for (const UnitTotals& u : results->precincts) units.push_back(&u);
    for (const UnitTotals* unit : units) {
      for (const ContestTotal& c : unit->contests) {
        EXPECT_LE(ShareSum(c), kFullShare) << c.contest_id;
        for (const OptionTotal& o : c.options) {
          // Never more than the true share: share x total <= votes x 100.00%.
          EXPECT_LE(static_cast<Wide>(o.share) * c.votes_for_options,
                    static_cast<Wide>(o.votes) * kFullShare);
        }
        if (c.kind == PARTY_LIST && unit == &results->national) {
          std::uint32_t seats = 0;
          for (const OptionTotal& o : c.options) seats += o.seats;
          EXPECT_EQ(seats, c.seats_allocated ? 54u : 0u);
        }
      }
    }
  }
}

// In the 2021 parliamentary count the central display showed party shares adding up to more
// than 150%. Each way such a figure can be produced from real protocols is refused or cannot
// lift the shares above 100%.
class Display150PercentTest : public ::testing::Test {
 protected:
  Election election_ = LoadFixture("party-list-2021");
  std::vector<PrecinctProtocol> protocols_ = Protocols2021(election_);
};

TEST_F(Display150PercentTest, TheSamePrecinctSubmittedTwiceIsRefused) {
  std::vector<PrecinctProtocol> protocols = protocols_;
  protocols.push_back(protocols_[0]);
  absl::StatusOr<Results> results = Aggregate(election_, protocols);
  EXPECT_EQ(results.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(results.status().message().find("1001"), std::string::npos);
}

TEST_F(Display150PercentTest, APreliminaryAndAFinalRevisionAreNotBothCounted) {
  PrecinctProtocol preliminary = protocols_[1];
  preliminary.set_status(PRELIMINARY);
  preliminary.set_revision(0);
  std::vector<PrecinctProtocol> protocols = protocols_;
  protocols.push_back(preliminary);
  absl::StatusOr<Results> results = Aggregate(election_, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->precincts_counted, 3u);
  EXPECT_EQ(ExcludedOf(*results, "1002").revision, 0u);
  EXPECT_NE(ExcludedOf(*results, "1002").reason.find("preliminary"), std::string::npos);
  EXPECT_EQ(National(*results, "parliament-list").valid_ballots,
            National(*Aggregate(election_, protocols_), "parliament-list").valid_ballots);
  // A correction counted beside the final it replaces.
  PrecinctProtocol correction = protocols_[1];
  correction.set_status(CORRECTION);
  correction.set_revision(2);
  protocols = protocols_;
  protocols.push_back(correction);
  EXPECT_EQ(Aggregate(election_, protocols).status().code(), absl::StatusCode::kAlreadyExists);
  // A preliminary protocol alone is not counted either.
  protocols = protocols_;
  protocols[1] = preliminary;
  results = Aggregate(election_, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_FALSE(Counted(*results, "1002"));
  EXPECT_EQ(results->precincts_counted, 2u);
}

TEST_F(Display150PercentTest, OptionVotesAboveTheValidBallotsAreNotCounted) {
  std::vector<PrecinctProtocol> protocols = protocols_;
  // Half as many votes again on the first list, as if a precinct's votes were added twice.
  OptionVotes* first = protocols[2].mutable_contests(0)->mutable_options(0);
  first->set_votes(first->votes() + protocols[2].contests(0).valid_ballots() / 2);
  absl::StatusOr<Results> results = Aggregate(election_, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_FALSE(Counted(*results, "2001"));
  EXPECT_NE(ExcludedOf(*results, "2001").reason.find("L9 = sum of votes"), std::string::npos);
  EXPECT_LE(ShareSum(National(*results, "parliament-list")), kFullShare);
}

TEST_F(Display150PercentTest, AWrongDenominatorCannotLiftSharesAbove100) {
  // A vote-for-2 contest: the votes add up to nearly twice the valid ballots, so shares of the
  // valid ballots (or of the voters) would add up to nearly 200%. Shares are of the votes.
  Election election = LoadFixture("single-mandate-2021");
  election.mutable_contests(0)->set_vote_for(2);
  PrecinctProtocol p = MakeProtocol(election, "1001", {500, 450, 30, 10, 5, 3, 2}, 4, 510);
  absl::StatusOr<Results> results = Aggregate(election, {p});
  ASSERT_TRUE(results.ok()) << results.status();
  const ContestTotal& district = National(*results, "district-1");
  EXPECT_GT(district.votes_for_options * 2, district.valid_ballots * 3);  // over 150% of L9
  EXPECT_LE(ShareSum(district), kFullShare);
  EXPECT_GT(ShareSum(district), kFullShare - district.options.size());
}

TEST_F(Display150PercentTest, PrecinctsOfAnotherElectionCannotBeMixedIn) {
  const Election president = LoadFixture("presidential-2021");
  std::vector<PrecinctProtocol> protocols = protocols_;
  protocols.push_back(MakeProtocol(president, "1001", {1, 2, 3, 4, 5}));
  absl::StatusOr<Results> results = Aggregate(election_, protocols);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->precincts_counted, 3u);
  EXPECT_EQ(ExcludedOf(*results, "1001").exclusion, Exclusion::kRefused);
  EXPECT_EQ(National(*results, "parliament-list").valid_ballots,
            National(*Aggregate(election_, protocols_), "parliament-list").valid_ballots);
}

}  // namespace
}  // namespace esep::transport
