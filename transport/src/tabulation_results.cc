#include "esep/transport/tabulation_results.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "esep/transport/signing.h"
#include "on_cores.h"

namespace esep::transport {
namespace {

std::string KeyName(std::string_view precinct_id, std::string_view reader_serial) {
  std::string name;
  name.reserve(precinct_id.size() + 1 + reader_serial.size());
  return name.append(precinct_id).append("\n").append(reader_serial);
}

// A stored protocol read back and its signature verified again, with the key of the reader it
// is stored under; the reason it is refused otherwise.
absl::StatusOr<PrecinctProtocol> ReadBack(const StoredProtocol& stored,
                                          const RegisteredKeys& keys) {
  SignedProtocol envelope;
  if (!envelope.ParseFromString(stored.signed_protocol)) {
    return absl::DataLossError(
        absl::StrCat("stored protocol ", stored.sequence, " cannot be read back"));
  }
  // The store took it only after these checks; they are repeated so that nothing altered in
  // the store afterwards reaches the published results. The key carried in the envelope is not
  // enough: whoever rewrites a row can sign it with a key of their own.
  const RegisteredKeys::Key* key = keys.KeyOf(stored.precinct_id, stored.reader_serial);
  if (key == nullptr) {
    return absl::UnauthenticatedError(absl::StrCat(
        "stored protocol ", stored.sequence, " is filed under reader ", stored.reader_serial,
        ", which is not registered for precinct ", stored.precinct_id));
  }
  // The centre refuses a revoked reader's protocols: a row received after the revocation was
  // never accepted (the same second is left to the row: it may have come just before).
  if (key->revoked_unix_seconds != 0 && stored.received_unix_seconds > key->revoked_unix_seconds) {
    return absl::UnauthenticatedError(absl::StrCat("stored protocol ", stored.sequence,
                                                   " is filed as received after its reader ",
                                                   stored.reader_serial, " was revoked"));
  }
  absl::StatusOr<PrecinctProtocol> protocol = VerifyProtocol(envelope, key->public_key);
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

absl::StatusOr<RegisteredKeys> RegisteredKeys::Of(TabulationStore& store) {
  absl::StatusOr<std::vector<RegisteredReader>> readers = store.Readers();
  if (!readers.ok()) return readers.status();
  RegisteredKeys keys;
  for (RegisteredReader& r : *readers) {
    keys.keys_[KeyName(r.precinct_id, r.reader_serial)] = {std::move(r.public_key),
                                                           r.revoked_unix_seconds};
  }
  return keys;
}

const RegisteredKeys::Key* RegisteredKeys::KeyOf(std::string_view precinct_id,
                                                 std::string_view reader_serial) const {
  auto it = keys_.find(KeyName(precinct_id, reader_serial));
  return it == keys_.end() ? nullptr : &it->second;
}

void PutStoredProtocol(const StoredProtocol& stored, const RegisteredKeys& keys,
                       ResultsAggregator& aggregator) {
  Put(stored, stored.held() ? absl::UnknownError("held") : ReadBack(stored, keys), aggregator);
}

absl::StatusOr<ReadBackProtocols> ReadBackLatest(TabulationStore& store) {
  absl::StatusOr<std::vector<StoredProtocol>> latest = store.LatestProtocols();
  if (!latest.ok()) return latest.status();
  absl::StatusOr<RegisteredKeys> keys = RegisteredKeys::Of(store);
  if (!keys.ok()) return keys.status();

  // Verifying the signatures is most of the work: it is shared among the machine's cores.
  ReadBackProtocols out;
  out.stored = *std::move(latest);
  const std::size_t count = out.stored.size();
  out.read.assign(count, absl::UnknownError("not read"));
  internal::ForEachOnCores(count, 512, [&](std::size_t i) {
    if (!out.stored[i].held()) out.read[i] = ReadBack(out.stored[i], *keys);
  });
  return out;
}

absl::StatusOr<Results> CountReadBack(const Election& election, ReadBackProtocols protocols,
                                      const AggregationRules& rules) {
  ResultsAggregator aggregator(election, rules);
  aggregator.PauseCounting();
  for (std::size_t i = 0; i < protocols.stored.size(); ++i) {
    Put(protocols.stored[i], std::move(protocols.read[i]), aggregator);
  }
  aggregator.ResumeCounting();
  return std::move(aggregator).Snapshot();
}

absl::StatusOr<Results> ResultsOfStore(const Election& election, TabulationStore& store,
                                       const AggregationRules& rules) {
  absl::StatusOr<ReadBackProtocols> protocols = ReadBackLatest(store);
  if (!protocols.ok()) return protocols.status();
  return CountReadBack(election, *std::move(protocols), rules);
}

}  // namespace esep::transport
