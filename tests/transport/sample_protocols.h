#ifndef ESEP_TESTS_TRANSPORT_SAMPLE_PROTOCOLS_H_
#define ESEP_TESTS_TRANSPORT_SAMPLE_PROTOCOLS_H_

#include <cstdint>
#include <string>

#include "esep/proto/election.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/proto/sha256.h"

namespace esep::testing {

// A final protocol of `election` at `precinct_id` whose control relations all hold, with every
// contest on the precinct's ballot style of `ballot_kind` (empty in an election without kinds)
// and its votes spread over the options by `seed`: tests of printing and verifying need
// realistic, varied numbers that they do not write out by hand.
inline PrecinctProtocol ConsistentProtocol(const Election& election, const std::string& precinct_id,
                                           std::uint64_t seed,
                                           const std::string& ballot_kind = "") {
  PrecinctProtocol p;
  p.set_ballot_kind(ballot_kind);
  p.set_election_id(election.id());
  p.set_election_hash(ElectionHash(election));
  p.set_precinct_id(precinct_id);
  p.set_reader_serial("ESEP-SIM-" + std::to_string(1000 + seed % 1000));
  p.set_revision(1);
  p.set_status(FINAL);
  const std::uint64_t in_room = 1200 + seed % 97, outside = 20 + seed % 7, cancelled = 280;
  p.set_voters_on_list(2150 + seed % 101);
  p.set_ballots_received(in_room + outside + cancelled);
  p.set_ballots_issued_in_room(in_room);
  p.set_ballots_issued_outside(outside);
  p.set_ballots_cancelled(cancelled);
  p.set_ballots_in_stationary_box(in_room - 5);
  p.set_ballots_in_mobile_boxes(outside);
  const std::uint64_t in_boxes = in_room - 5 + outside;
  for (const BallotStyle& style : election.ballot_styles()) {
    bool here = false;
    for (const std::string& id : style.precinct_ids()) here |= id == precinct_id;
    if (!here || style.ballot_kind() != ballot_kind) continue;
    for (const ContestPlacement& placement : style.contests()) {
      const Contest* contest = FindContest(election, placement.contest_id());
      if (contest == nullptr) continue;
      ContestResult* r = p.add_contests();
      r->set_contest_id(contest->id());
      r->set_vote_for(contest->vote_for());
      const std::uint64_t invalid = 11 + seed % 23;
      r->set_invalid_ballots(invalid);
      r->set_valid_ballots(in_boxes - invalid);
      std::uint64_t weights = 0;
      for (int i = 0; i < contest->options_size(); ++i) weights += (seed * 7 + i * 13) % 97 + 1;
      std::uint64_t left = in_boxes - invalid;
      for (int i = 0; i < contest->options_size(); ++i) {
        const std::uint64_t share = (in_boxes - invalid) * ((seed * 7 + i * 13) % 97 + 1) / weights;
        const std::uint64_t v = i + 1 == contest->options_size() ? left : share;
        OptionVotes* o = r->add_options();
        o->set_option_id(contest->options(i).id());
        o->set_votes(v);
        left -= v;
      }
    }
  }
  p.set_records_root_hash(ToHex(Sha256("records " + std::to_string(seed))));
  p.set_event_log_head_hash(ToHex(Sha256("event log " + std::to_string(seed))));
  p.set_polls_opened_unix_seconds(1617166800);  // 2021-03-31 05:00:00 UTC
  p.set_polls_closed_unix_seconds(1617210000 + static_cast<std::int64_t>(seed % 60));
  p.set_created_unix_seconds(1617213600 + static_cast<std::int64_t>(seed % 3600));
  return p;
}

}  // namespace esep::testing

#endif  // ESEP_TESTS_TRANSPORT_SAMPLE_PROTOCOLS_H_
