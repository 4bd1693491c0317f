#include "esep/transport/protocol_review.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "esep/proto/protocol_checks.h"
#include "esep/transport/aggregation.h"

namespace esep::transport {
namespace {

struct Line {
  const char* name;  // e.g. "L6 (ballots in the stationary box)"
  std::uint64_t value;
};

}  // namespace

ProtocolBounds::ProtocolBounds(const Election& election) {
  std::uint64_t largest = 0;
  for (const Precinct& precinct : election.precincts()) {
    registered_voters_[precinct.id()] = precinct.registered_voters();
    largest = std::max<std::uint64_t>(largest, precinct.registered_voters());
  }
  if (largest == 0) largest = std::numeric_limits<std::uint32_t>::max();
  unknown_count_ceiling_ = kCeilingPerRegisteredVoter * largest;
}

std::uint64_t ProtocolBounds::CeilingOf(const std::string& precinct_id) const {
  auto found = registered_voters_.find(precinct_id);
  if (found == registered_voters_.end()) return 0;
  return found->second == 0 ? unknown_count_ceiling_
                            : kCeilingPerRegisteredVoter * std::uint64_t{found->second};
}

ProtocolReview ProtocolBounds::Review(const PrecinctProtocol& p) const {
  auto found = registered_voters_.find(p.precinct_id());
  if (found == registered_voters_.end()) {
    return {ReviewVerdict::kRefuse,
            absl::StrCat("precinct ", p.precinct_id(), " is not in the election definition")};
  }
  const std::uint64_t registered = found->second;
  const std::uint64_t ceiling = CeilingOf(p.precinct_id());

  // Bounds: numbers no precinct of this size can have. The protocol is refused.
  std::vector<std::string> out_of_bounds;
  const Line lines[] = {
      {"L1 (voters on the list)", p.voters_on_list()},
      {"L2 (ballots received)", p.ballots_received()},
      {"L3 (ballots issued in the room)", p.ballots_issued_in_room()},
      {"L4 (ballots issued outside)", p.ballots_issued_outside()},
      {"L5 (cancelled ballots)", p.ballots_cancelled()},
      {"L6 (ballots in the stationary box)", p.ballots_in_stationary_box()},
      {"L7 (ballots in mobile boxes)", p.ballots_in_mobile_boxes()},
      {"L10 (lost ballots)", p.ballots_lost()},
      {"L11 (ballots not counted at receipt)", p.ballots_not_counted_at_receipt()},
  };
  for (const Line& line : lines) {
    if (line.value > ceiling) {
      out_of_bounds.push_back(absl::StrCat(line.name, " ", line.value, " is above ", ceiling));
    }
  }
  for (const ContestResult& r : p.contests()) {
    for (const Line& line : {Line{"L8 (invalid ballots)", r.invalid_ballots()},
                             Line{"L9 (valid ballots)", r.valid_ballots()}}) {
      if (line.value > ceiling) {
        out_of_bounds.push_back(
            absl::StrCat(r.contest_id(), ": ", line.name, " ", line.value, " is above ", ceiling));
      }
    }
    for (const OptionVotes& o : r.options()) {
      if (o.votes() > r.valid_ballots()) {
        out_of_bounds.push_back(absl::StrCat(r.contest_id(), ": ", o.votes(), " votes for ",
                                             o.option_id(), " are more than the ",
                                             r.valid_ballots(), " valid ballots (L9)"));
      }
    }
  }
  if (!out_of_bounds.empty()) {
    const std::string why_ceiling =
        registered != 0
            ? absl::StrCat(kCeilingPerRegisteredVoter, " x its ", registered,
                           " registered voters in the election definition")
            : absl::StrCat(kCeilingPerRegisteredVoter,
                           " x the most registered voters of any precinct in the definition, "
                           "which names none for it");
    return {ReviewVerdict::kRefuse,
            absl::StrCat("numbers precinct ", p.precinct_id(), " cannot have (at most ", ceiling,
                         " of anything: ", why_ceiling, "): ", absl::StrJoin(out_of_bounds, "; "))};
  }

  // Relations no legitimate protocol breaks. Every line is at most the ceiling (2^33), so the
  // sums below cannot overflow.
  std::vector<std::string> broken;
  const std::uint64_t in_boxes = p.ballots_in_stationary_box() + p.ballots_in_mobile_boxes();
  if (in_boxes > p.voters_on_list()) {
    broken.push_back(absl::StrCat(
        "ballots in the boxes L6 + L7 = ", in_boxes,
        " are more than the voters on the list L1 = ", p.voters_on_list(), " (turnout ",
        p.voters_on_list() == 0 ? std::string("undefined")
                                : FormatShare(ShareOf(in_boxes, p.voters_on_list())) + "%",
        ")"));
  }
  if (registered != 0 && p.voters_on_list() > registered) {
    broken.push_back(absl::StrCat("voters on the list L1 = ", p.voters_on_list(),
                                  " are more than the ", registered,
                                  " registered voters of the precinct in the election definition"));
  }
  const std::uint64_t had = p.ballots_received() + p.ballots_not_counted_at_receipt();
  if (in_boxes > had) {
    broken.push_back(
        absl::StrCat("ballots in the boxes L6 + L7 = ", in_boxes,
                     " are more than the ballots the commission had L2 + L11 = ", had));
  }
  if (!broken.empty()) return {ReviewVerdict::kHold, absl::StrJoin(broken, "; "), ""};
  ProtocolReview review;
  if (registered != 0 &&
      p.voters_on_list() * 100 < registered * (100 - kVotersOnListShortfallPercent)) {
    review.flag = absl::StrCat(
        "voters on the list L1 = ", p.voters_on_list(), " are ",
        (registered - p.voters_on_list()) * 100 / registered, "% below the ", registered,
        " registered voters of the precinct in the election definition; the commission explains: ",
        p.commission_explanation().empty() ? std::string("(nothing)") : p.commission_explanation());
  }
  return review;
}

}  // namespace esep::transport
