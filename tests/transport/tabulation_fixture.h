#ifndef ESEP_TESTS_TRANSPORT_TABULATION_FIXTURE_H_
#define ESEP_TESTS_TRANSPORT_TABULATION_FIXTURE_H_

#include <sqlite3.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/transport/delivery.h"
#include "esep/transport/results_site.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_store.h"
#include "esep/transport/tls.h"

namespace esep::transport::testing {

// A temporary directory, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs tools/make-certs.sh into `dir` for `serials` (plus the CA, the centre and "stranger").
void MakeCertificates(const std::filesystem::path& dir, const std::vector<std::string>& serials);

// The reader's TLS files from a make-certs.sh directory: its certificate and key (none when
// `serial` is empty; "stranger" for the certificate registered nowhere) and the CA.
TlsFiles ReaderTls(const std::filesystem::path& certs, const std::string& serial);
TlsFiles CentreTls(const std::filesystem::path& certs);
std::string FingerprintOf(const std::filesystem::path& pem_file);

// The party-list fixture election.
Election PartyListElection();

// A protocol of `precinct` whose control relations all hold and that the centre counts (the
// precinct's registered voters on the list); `variant` moves that many votes between the first
// two options, so different variants are different bytes of the same shape.
PrecinctProtocol ValidProtocol(const Election& election, const std::string& precinct,
                               const std::string& reader_serial, std::uint32_t revision,
                               ProtocolStatus status, std::uint64_t variant = 0);

// `protocol` with `ballots` in the boxes (all in the stationary box, every valid vote on the
// first option) and every control relation still holding: the ballots issued stay within the
// list and the ballots received cover those in the boxes. With more ballots than voters on the
// list, only the relation the centre holds for review is broken (turnout above 100%).
PrecinctProtocol WithBallotsInBoxes(PrecinctProtocol protocol, std::uint64_t ballots);

// A protocol of `precinct` whose numbers near 2^63 agree with every control relation, and whose
// totals with any other precinct overflow 64 bits.
PrecinctProtocol NearTwoToThe63Protocol(const Election& election, const std::string& precinct,
                                        const std::string& reader_serial, std::uint32_t revision,
                                        ProtocolStatus status);

// A reader "R<precinct>" for every precinct of `election`, each with its own new key and the
// certificate fingerprint "cert-<precinct>", registered in `store`; the keys by precinct.
absl::StatusOr<std::map<std::string, SigningKey>> RegisterReaderPerPrecinct(
    const Election& election, TabulationStore& store);

// A new tabulation store in `dir` (tabulation.db) with reader R1 registered for precinct 1001
// under `r1`'s key ("cert-R1") and R2 for 1002 under `r2`'s ("cert-R2").
absl::StatusOr<std::unique_ptr<TabulationStore>> OpenStoreWithTwoReaders(
    const std::filesystem::path& dir, const SigningKey& r1, const SigningKey& r2);

// The results site's options for tests: `root`, the verifier from the source tree and the
// catalogs of the build tree.
absl::StatusOr<SiteOptions> TestSiteOptions(const std::filesystem::path& root);

// The reader's durable outbox as a small SQLite table, as the daemon keeps it.
class SqliteOutbox final : public Outbox {
 public:
  explicit SqliteOutbox(const std::filesystem::path& path);
  ~SqliteOutbox() override;
  std::int64_t Add(const SignedProtocol& signed_protocol);
  absl::StatusOr<std::optional<PendingProtocol>> NextPending() override;
  absl::Status StoreReceipt(std::int64_t id, const Receipt& receipt) override;
  // The stored receipt of `id`, if any.
  std::optional<Receipt> ReceiptOf(std::int64_t id);

 private:
  sqlite3* db_ = nullptr;
};

// esep-tabulator serve as its own process, as in a deployment; killed when destroyed.
class TabulatorProcess {
 public:
  // Serves `data` on 127.0.0.1:`port` (0: any free port), writing the port to `port_file`.
  TabulatorProcess(const std::string& binary, const std::filesystem::path& data,
                   const std::filesystem::path& certs, int port,
                   const std::filesystem::path& port_file);
  ~TabulatorProcess() { Kill(); }
  TabulatorProcess(const TabulatorProcess&) = delete;
  TabulatorProcess& operator=(const TabulatorProcess&) = delete;

  // The port, once the server listens; 0 if it exited instead.
  int WaitUntilServing();
  // SIGTERM; the exit status, which is 0 for a clean stop.
  int Stop();
  // SIGKILL, as a lost machine.
  void Kill();

 private:
  std::filesystem::path port_file_;
  pid_t pid_ = -1;
};

// Runs `sql` (one statement, or several in one transaction) on the PostgreSQL database at
// `address`; the server's error message, empty on success.
std::string RunSql(const std::string& address, const std::string& sql);

// The address of `role` on database `database` of the server that `address` names
// (postgresql://USER@HOST:PORT/DB).
std::string PostgresAddressOf(const std::string& address, const std::string& role,
                              const std::string& database);

}  // namespace esep::transport::testing

#endif  // ESEP_TESTS_TRANSPORT_TABULATION_FIXTURE_H_
