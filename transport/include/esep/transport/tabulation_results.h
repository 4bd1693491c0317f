#ifndef ESEP_TRANSPORT_TABULATION_RESULTS_H_
#define ESEP_TRANSPORT_TABULATION_RESULTS_H_

// The results the tabulation centre publishes from what its store holds (see
// docs/tabulation.md): `esep-tabulator results` and anything else that shows them.

#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"
#include "esep/transport/aggregation.h"
#include "esep/transport/tabulation_store.h"

namespace esep::transport {

// Aggregates the latest revision of each precinct in `store`. Each signature is verified again
// and each protocol reviewed again (ProtocolBounds), so nothing altered in the store, and nothing
// an older centre accepted, reaches a total. A precinct whose latest revision is held for review,
// is unreadable, does not verify or cannot be counted is left out and listed in
// Results::excluded; it never stops the results of the others. Fails only when the store cannot
// be read or CheckPublishable fails.
absl::StatusOr<Results> ResultsOfStore(const Election& election, TabulationStore& store,
                                       const AggregationRules& rules = {});

// Puts one stored protocol into `aggregator` as ResultsOfStore counts it: its signature verified
// again; held, unreadable or not verifying, it is listed and not counted. The centre's
// publications follow the store this way, one new protocol at a time, in the order stored.
void PutStoredProtocol(const StoredProtocol& stored, ResultsAggregator& aggregator);

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_TABULATION_RESULTS_H_
