#include "esep/transport/tabulation_results.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "esep/transport/signing.h"

namespace esep::transport {

absl::StatusOr<Results> ResultsOfStore(const Election& election, TabulationStore& store,
                                       const AggregationRules& rules) {
  absl::StatusOr<std::vector<StoredProtocol>> latest = store.LatestProtocols();
  if (!latest.ok()) return latest.status();
  std::vector<PrecinctProtocol> protocols;
  std::vector<ExcludedProtocol> excluded;
  for (const StoredProtocol& stored : *latest) {
    auto exclude = [&](Exclusion exclusion, std::string reason) {
      excluded.push_back({stored.precinct_id, stored.revision, exclusion, std::move(reason)});
    };
    if (stored.held()) {
      exclude(Exclusion::kHeldForReview,
              absl::StrCat(stored.held_reason, " (stored as sequence ", stored.sequence,
                           "; the precinct counts again once a correction replaces it)"));
      continue;
    }
    SignedProtocol envelope;
    if (!envelope.ParseFromString(stored.signed_protocol)) {
      exclude(Exclusion::kRefused,
              absl::StrCat("stored protocol ", stored.sequence, " cannot be read back"));
      continue;
    }
    // The store took it only after these checks; they are repeated so that nothing altered in
    // the store afterwards reaches the published results.
    absl::StatusOr<PrecinctProtocol> protocol = VerifyProtocol(envelope, "");
    if (!protocol.ok()) {
      exclude(Exclusion::kRefused, absl::StrCat("stored protocol ", stored.sequence,
                                                " does not verify: ", protocol.status().message()));
      continue;
    }
    if (protocol->precinct_id() != stored.precinct_id || protocol->revision() != stored.revision) {
      exclude(Exclusion::kRefused,
              absl::StrCat("stored protocol ", stored.sequence, " is filed as precinct ",
                           stored.precinct_id, " revision ", stored.revision,
                           " but its signed bytes say precinct ", protocol->precinct_id(),
                           " revision ", protocol->revision()));
      continue;
    }
    protocols.push_back(*std::move(protocol));
  }

  absl::StatusOr<Results> results = Aggregate(election, protocols, rules);
  if (!results.ok()) return results.status();
  // One list in the election's precinct order: the store's exclusions and Aggregate's.
  std::map<std::string, int> order;
  for (int i = 0; i < election.precincts_size(); ++i) order[election.precincts(i).id()] = i;
  for (ExcludedProtocol& e : excluded) results->excluded.push_back(std::move(e));
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

}  // namespace esep::transport
