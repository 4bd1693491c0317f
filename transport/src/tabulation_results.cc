#include "esep/transport/tabulation_results.h"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "esep/transport/signing.h"

namespace esep::transport {
namespace {

// A stored protocol read back and its signature verified again; the reason it is refused
// otherwise.
absl::StatusOr<PrecinctProtocol> ReadBack(const StoredProtocol& stored) {
  SignedProtocol envelope;
  if (!envelope.ParseFromString(stored.signed_protocol)) {
    return absl::DataLossError(
        absl::StrCat("stored protocol ", stored.sequence, " cannot be read back"));
  }
  // The store took it only after these checks; they are repeated so that nothing altered in
  // the store afterwards reaches the published results.
  absl::StatusOr<PrecinctProtocol> protocol = VerifyProtocol(envelope, "");
  if (!protocol.ok()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "stored protocol ", stored.sequence, " does not verify: ", protocol.status().message()));
  }
  if (protocol->precinct_id() != stored.precinct_id || protocol->revision() != stored.revision) {
    return absl::DataLossError(absl::StrCat(
        "stored protocol ", stored.sequence, " is filed as precinct ", stored.precinct_id,
        " revision ", stored.revision, " but its signed bytes say precinct ",
        protocol->precinct_id(), " revision ", protocol->revision()));
  }
  return protocol;
}

// Puts what was read back of `stored` into `aggregator`.
void Put(const StoredProtocol& stored, absl::StatusOr<PrecinctProtocol> read,
         ResultsAggregator& aggregator) {
  if (stored.held()) {
    aggregator.PutNotCounted(
        stored.ballot_kind,
        {stored.precinct_id, stored.revision, Exclusion::kHeldForReview,
         absl::StrCat(stored.held_reason, " (stored as sequence ", stored.sequence,
                      "; the precinct counts again once a correction replaces it)")});
  } else if (!read.ok()) {
    aggregator.PutNotCounted(stored.ballot_kind,
                             {stored.precinct_id, stored.revision, Exclusion::kRefused,
                              std::string(read.status().message())});
  } else {
    aggregator.Put(*std::move(read));
  }
}

}  // namespace

void PutStoredProtocol(const StoredProtocol& stored, ResultsAggregator& aggregator) {
  Put(stored, stored.held() ? absl::UnknownError("held") : ReadBack(stored), aggregator);
}

absl::StatusOr<Results> ResultsOfStore(const Election& election, TabulationStore& store,
                                       const AggregationRules& rules) {
  absl::StatusOr<std::vector<StoredProtocol>> latest = store.LatestProtocols();
  if (!latest.ok()) return latest.status();

  // Verifying the signatures is most of the work: it is shared among the machine's cores.
  const std::size_t count = latest->size();
  std::vector<absl::StatusOr<PrecinctProtocol>> read(count, absl::UnknownError("not read"));
  const std::size_t workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1,
                                                      std::max<std::size_t>(1, count / 512));
  auto read_every = [&](std::size_t first) {
    for (std::size_t i = first; i < count; i += workers) {
      if (!(*latest)[i].held()) read[i] = ReadBack((*latest)[i]);
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < workers; ++w) threads.emplace_back(read_every, w);
  read_every(0);
  for (std::thread& t : threads) t.join();

  ResultsAggregator aggregator(election, rules);
  aggregator.PauseCounting();
  for (std::size_t i = 0; i < count; ++i) Put((*latest)[i], std::move(read[i]), aggregator);
  aggregator.ResumeCounting();
  return std::move(aggregator).Snapshot();
}

}  // namespace esep::transport
