// A tabulation centre's request bytes come from the network: any bytes must end in a receipt or
// a refusal with a reason (and an alarm), never a crash, and whatever was stored, the results
// must still be published for everyone with no impossible figure in them. The centre runs for
// real, with a store in a temporary directory and one reader registered with a fixed key, so
// seeds signed with that key (tests/fuzz/corpus/tabulator_request_fuzzer/) reach the checks past
// the signature: protocols counted, held for review (turnout of 160% and 100,000%, a list longer
// than the precinct's registered voters) and refused (numbers near 2^63).
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "esep/proto/election.h"
#include "esep/transport/results_format.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tabulation_results.h"
#include "esep/transport/tabulation_store.h"

namespace {

// The reader key the seeds are signed with: Ed25519 from this 32-byte seed.
constexpr char kReaderSeed[] = "esep-fuzz-reader-key-seed-000000";
constexpr char kReaderCertificate[] = "fuzz-reader-certificate";

struct Centre {
  esep::Election election;
  std::unique_ptr<esep::transport::TabulationStore> store;
  std::unique_ptr<esep::transport::TabulationCentre> centre;
};

// The store's directory, in memory where possible (the store syncs every commit), removed at exit.
const std::string& Directory() {
  // Never destroyed, so the exit handler can still read it.
  static const std::string* directory = [] {
    std::string pattern =
        std::filesystem::exists("/dev/shm") ? "/dev/shm/esep-fuzz-XXXXXX" : "/tmp/esep-fuzz-XXXXXX";
    std::string made = ::mkdtemp(pattern.data());
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(Directory(), ignored);
    });
    return new std::string(made);
  }();
  return *directory;
}

Centre* MakeCentre() {
  const std::string& directory = Directory();
  absl::StatusOr<esep::Election> election = esep::LoadElectionFile(
      std::string(ESEP_SOURCE_DIR) + "/fixtures/elections/party-list-2021.json");
  absl::StatusOr<std::unique_ptr<esep::transport::TabulationStore>> store =
      esep::transport::TabulationStore::Open(directory + "/tabulation.db");
  absl::StatusOr<esep::transport::SigningKey> reader = esep::transport::SigningKey::FromSeed(
      std::span(reinterpret_cast<const std::uint8_t*>(kReaderSeed), 32));
  if (!election.ok() || !store.ok() || !reader.ok()) std::abort();
  for (const char* precinct : {"1001", "1002"}) {
    (void)(*store)->RegisterReader(
        {precinct, "FUZZ-1", reader->public_key(), kReaderCertificate, 1});
  }
  auto* centre = new Centre{*election, *std::move(store), nullptr};
  centre->centre = std::make_unique<esep::transport::TabulationCentre>(
      *std::move(election), esep::transport::SigningKey::Generate(), centre->store.get(),
      [](std::string_view) {});
  return centre;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Centre* centre = MakeCentre();
  const esep::transport::PeerIdentity peer{kReaderCertificate, "FUZZ-1"};
  absl::StatusOr<esep::Receipt> receipt =
      centre->centre->IngestBytes(std::string(reinterpret_cast<const char*>(data), size), peer);
  if (receipt.ok() &&
      !esep::transport::VerifyReceipt(*receipt, centre->centre->public_key()).ok()) {
    std::abort();  // an accepted protocol must come with a receipt signed by the centre
  }
  // No protocol, stored or refused, may stop the results of the others or put an impossible
  // figure in them.
  absl::StatusOr<esep::transport::Results> results =
      esep::transport::ResultsOfStore(centre->election, *centre->store);
  if (!results.ok() || !esep::transport::FormatResultsJson(*results).ok()) std::abort();
  for (const esep::transport::UnitTotals& unit : results->precincts) {
    if (unit.ballots_in_boxes > unit.voters_on_list) std::abort();
  }
  return 0;
}
