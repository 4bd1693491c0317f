#ifndef ESEP_TESTS_TRANSPORT_RESULTS_FIXTURES_H_
#define ESEP_TESTS_TRANSPORT_RESULTS_FIXTURES_H_

// Election fixtures and precinct protocols whose control relations hold, for the tabulation
// tests.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "esep/proto/election.h"
#include "esep/proto/precinct_protocol.pb.h"

namespace esep::transport::testing {

inline Election LoadFixture(const std::string& name) {
  absl::StatusOr<Election> election = LoadElectionFile("fixtures/elections/" + name + ".json");
  EXPECT_TRUE(election.ok()) << election.status();
  return election.ok() ? *election : Election();
}

// The one contest on the ballot style of `precinct_id` (every fixture style carries one).
inline const Contest* ContestOfPrecinct(const Election& election, const std::string& precinct_id) {
  for (const BallotStyle& style : election.ballot_styles()) {
    for (const std::string& id : style.precinct_ids()) {
      if (id == precinct_id && style.targets_size() > 0) {
        return FindContest(election, style.targets(0).contest_id());
      }
    }
  }
  return nullptr;
}

// A final protocol of `precinct_id` with `votes` for the options of its contest in ballot order,
// `invalid` invalid ballots, and every control relation holding. For a vote-for-N contest the
// valid ballots are `valid` (0: the sum of the votes).
inline PrecinctProtocol MakeProtocol(const Election& election, const std::string& precinct_id,
                                     const std::vector<std::uint64_t>& votes,
                                     std::uint64_t invalid = 0, std::uint64_t valid = 0) {
  PrecinctProtocol p;
  p.set_election_id(election.id());
  p.set_election_hash(ElectionHash(election));
  p.set_precinct_id(precinct_id);
  p.set_revision(1);
  p.set_status(FINAL);
  const Contest* contest = ContestOfPrecinct(election, precinct_id);
  EXPECT_NE(contest, nullptr) << precinct_id;
  if (contest == nullptr) return p;
  EXPECT_EQ(votes.size(), static_cast<std::size_t>(contest->options_size()));
  if (valid == 0) valid = std::accumulate(votes.begin(), votes.end(), std::uint64_t{0});
  const std::uint64_t in_boxes = valid + invalid;
  const std::uint64_t mobile = in_boxes / 50;
  p.set_ballots_in_stationary_box(in_boxes - mobile);
  p.set_ballots_in_mobile_boxes(mobile);
  p.set_ballots_issued_in_room(in_boxes - mobile);
  p.set_ballots_issued_outside(mobile);
  p.set_ballots_cancelled(10);
  p.set_ballots_received(in_boxes + 10);
  std::uint64_t registered = in_boxes;
  if (const Precinct* precinct = FindPrecinct(election, precinct_id)) {
    registered = std::max<std::uint64_t>(registered, precinct->registered_voters());
  }
  p.set_voters_on_list(registered);
  ContestResult* r = p.add_contests();
  r->set_contest_id(contest->id());
  r->set_vote_for(contest->vote_for());
  r->set_invalid_ballots(invalid);
  r->set_valid_ballots(valid);
  for (int i = 0; i < contest->options_size() && i < static_cast<int>(votes.size()); ++i) {
    OptionVotes* o = r->add_options();
    o->set_option_id(contest->options(i).id());
    o->set_votes(votes[i]);
  }
  return p;
}

}  // namespace esep::transport::testing

#endif  // ESEP_TESTS_TRANSPORT_RESULTS_FIXTURES_H_
