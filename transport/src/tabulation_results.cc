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
  ResultsAggregator aggregator(election, rules);
  for (const StoredProtocol& stored : *latest) {
    auto not_counted = [&](Exclusion exclusion, std::string reason) {
      aggregator.PutNotCounted(stored.ballot_kind,
                               {stored.precinct_id, stored.revision, exclusion, std::move(reason)});
    };
    if (stored.held()) {
      not_counted(Exclusion::kHeldForReview,
                  absl::StrCat(stored.held_reason, " (stored as sequence ", stored.sequence,
                               "; the precinct counts again once a correction replaces it)"));
      continue;
    }
    SignedProtocol envelope;
    if (!envelope.ParseFromString(stored.signed_protocol)) {
      not_counted(Exclusion::kRefused,
                  absl::StrCat("stored protocol ", stored.sequence, " cannot be read back"));
      continue;
    }
    // The store took it only after these checks; they are repeated so that nothing altered in
    // the store afterwards reaches the published results.
    absl::StatusOr<PrecinctProtocol> protocol = VerifyProtocol(envelope, "");
    if (!protocol.ok()) {
      not_counted(Exclusion::kRefused,
                  absl::StrCat("stored protocol ", stored.sequence,
                               " does not verify: ", protocol.status().message()));
      continue;
    }
    if (protocol->precinct_id() != stored.precinct_id || protocol->revision() != stored.revision) {
      not_counted(Exclusion::kRefused,
                  absl::StrCat("stored protocol ", stored.sequence, " is filed as precinct ",
                               stored.precinct_id, " revision ", stored.revision,
                               " but its signed bytes say precinct ", protocol->precinct_id(),
                               " revision ", protocol->revision()));
      continue;
    }
    aggregator.Put(*std::move(protocol));
  }
  return aggregator.Snapshot();
}

}  // namespace esep::transport
