#ifndef ESEP_VISION_CONTEST_RULES_H_
#define ESEP_VISION_CONTEST_RULES_H_

#include <vector>

#include "esep/proto/election.pb.h"
#include "esep/proto/interpretation.pb.h"

namespace esep::vision {

// Applies a contest's rules to the readings of its targets (in ballot order): more than
// vote_for MARKED, or an exclusive option MARKED together with any other, is an OVERVOTE; none
// is BLANK; fewer than vote_for is an UNDERVOTE; exactly vote_for is VALID. Only MARKED targets
// count as selections; a MARGINAL one sets has_marginal. `selections` lists the options that
// count as votes: empty for OVERVOTE and BLANK.
ContestReading ApplyContestRules(const Contest& contest,
                                 const std::vector<const TargetReading*>& targets);

}  // namespace esep::vision

#endif  // ESEP_VISION_CONTEST_RULES_H_
