#include "esep/vision/contest_rules.h"

#include <string>

#include "esep/proto/election.h"

namespace esep::vision {

ContestReading ApplyContestRules(const Contest& contest,
                                 const std::vector<const TargetReading*>& targets) {
  ContestReading reading;
  reading.set_contest_id(contest.id());
  std::vector<std::string> marked;
  bool exclusive_marked = false;
  for (const TargetReading* target : targets) {
    if (target->mark() == MARGINAL) reading.set_has_marginal(true);
    if (target->mark() != MARKED) continue;
    marked.push_back(target->option_id());
    const Option* option = FindOption(contest, target->option_id());
    if (option != nullptr && option->exclusive()) exclusive_marked = true;
  }
  const std::size_t n = marked.size();
  if (n == 0) {
    reading.set_outcome(BLANK);
  } else if (n > contest.vote_for() || (exclusive_marked && n > 1)) {
    reading.set_outcome(OVERVOTE);
  } else {
    reading.set_outcome(n < contest.vote_for() ? UNDERVOTE : VALID);
    for (const std::string& id : marked) reading.add_selections(id);
  }
  return reading;
}

}  // namespace esep::vision
