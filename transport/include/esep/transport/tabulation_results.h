#ifndef ESEP_TRANSPORT_TABULATION_RESULTS_H_
#define ESEP_TRANSPORT_TABULATION_RESULTS_H_

// The results the tabulation centre publishes from what its store holds (see
// docs/tabulation.md): `esep-tabulator results` and anything else that shows them.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"
#include "esep/transport/aggregation.h"
#include "esep/transport/tabulation_store.h"

namespace esep::transport {

// The public keys of the readers registered in a store, by precinct and reader serial: the key
// a stored protocol's signature must be made with. A revoked reader keeps its key here: what it
// sent before its revocation was stored as its own; a row received after it was not (the key
// may be in other hands by then).
class RegisteredKeys {
 public:
  struct Key {
    std::string public_key;
    std::int64_t revoked_unix_seconds = 0;  // 0: not revoked
  };
  static absl::StatusOr<RegisteredKeys> Of(TabulationStore& store);
  // Null when the store has no such reader.
  const Key* KeyOf(std::string_view precinct_id, std::string_view reader_serial) const;

 private:
  std::unordered_map<std::string, Key> keys_;  // by precinct id, '\n', reader serial
};

// Aggregates the latest revision of each precinct in `store`. Each signature is verified again,
// with the key of the reader the protocol is stored under, and each protocol reviewed again
// (ProtocolBounds), so nothing altered in the store (re-signed with another key included), and
// nothing an older centre accepted, reaches a total. A precinct whose latest revision is held for
// review, is unreadable, does not verify or cannot be counted is left out and listed in
// Results::excluded; it never stops the results of the others. Fails only when the store cannot
// be read or CheckPublishable fails.
absl::StatusOr<Results> ResultsOfStore(const Election& election, TabulationStore& store,
                                       const AggregationRules& rules = {});

// ResultsOfStore in its two steps, so that the election definition can be loaded while the
// signatures are verified (which need none of it). First the latest revision of each precinct in
// `store`, each read back and its signature verified again, on all the machine's cores:
struct ReadBackProtocols {
  std::vector<StoredProtocol> stored;
  std::vector<absl::StatusOr<PrecinctProtocol>> read;  // one for each of `stored`
};
absl::StatusOr<ReadBackProtocols> ReadBackLatest(TabulationStore& store);
// Then they are counted.
absl::StatusOr<Results> CountReadBack(const Election& election, ReadBackProtocols protocols,
                                      const AggregationRules& rules = {});

// Puts one stored protocol into `aggregator` as ResultsOfStore counts it: its signature verified
// again against `keys`; held, unreadable or not verifying, it is listed and not counted. The
// centre's publications follow the store this way, one new protocol at a time, in the order
// stored.
void PutStoredProtocol(const StoredProtocol& stored, const RegisteredKeys& keys,
                       ResultsAggregator& aggregator);

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_TABULATION_RESULTS_H_
