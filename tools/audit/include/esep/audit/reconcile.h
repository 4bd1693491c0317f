#ifndef ESEP_AUDIT_RECONCILE_H_
#define ESEP_AUDIT_RECONCILE_H_

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/audit/bundle.h"

namespace esep::audit {

// (precinct, contest, option) -> votes.
using CountTable = std::map<std::tuple<std::string, std::string, std::string>, std::int64_t>;

// Reads a hand count: CSV lines "precinct,contest,option,count" (a header line is allowed), or
// a JSON array of {"precinct": .., "contest": .., "option": .., "count": N}. Errors name the
// line or entry.
absl::StatusOr<CountTable> ParseHandCount(const std::string& text);

// Refuses a hand count that names a precinct no bundle holds, or a contest or option that is not
// on that precinct's ballot (a misspelled name must never become an option of its own); the
// error names the entry and what the ballot has instead.
absl::Status CheckHandCountNames(const CountTable& hand, const std::vector<Bundle>& bundles);

// The machine's counts: the live records of each bundle, by its precinct.
CountTable MachineCounts(const std::vector<Bundle>& bundles);

struct CountDifference {
  std::string precinct_id;
  std::string contest_id;
  std::string option_id;
  std::int64_t machine = 0;
  std::int64_t hand = 0;
  std::string Line() const;  // "precinct P contest C option O: machine M, hand H, difference D"
};

// Every option of every (precinct, contest) the hand count covers whose counts differ. A
// precinct or contest the hand count does not mention is not compared.
std::vector<CountDifference> Reconcile(const CountTable& machine, const CountTable& hand);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_RECONCILE_H_
