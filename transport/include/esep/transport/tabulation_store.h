#ifndef ESEP_TRANSPORT_TABULATION_STORE_H_
#define ESEP_TRANSPORT_TABULATION_STORE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/proto/signed.pb.h"

struct sqlite3;

namespace esep::transport {

// A reader the centre accepts protocols from: for one precinct, with its Ed25519 key and the
// SHA-256 fingerprint (hex, of the DER bytes) of the TLS client certificate it connects with.
struct RegisteredReader {
  std::string precinct_id;
  std::string reader_serial;
  std::string public_key;  // 32 raw bytes
  std::string certificate_sha256;
  std::int64_t registered_unix_seconds = 0;
  // Set once the reader is revoked (lost, stolen or compromised): from then on the centre
  // refuses its protocols. A revocation is permanent.
  std::int64_t revoked_unix_seconds = 0;
  std::string revocation_reason{};
  bool revoked() const { return revoked_unix_seconds != 0; }
};

// The alarm code of a protocol held for review (see ProtocolBounds): stored, never counted.
inline constexpr char kHeldForReviewAlarm[] = "HELD_FOR_REVIEW";

// One accepted signed protocol, exactly as received, with the receipt the centre returned.
struct StoredProtocol {
  std::int64_t sequence = 0;
  std::string precinct_id;
  std::string reader_serial;
  std::uint32_t revision = 0;
  ProtocolStatus status = PROTOCOL_STATUS_UNSPECIFIED;
  std::string signed_protocol;  // the serialized SignedProtocol, byte for byte
  std::string protocol_sha256;  // hex, over SignedProtocol.protocol
  std::string receipt;          // the serialized Receipt
  std::int64_t received_unix_seconds = 0;
  // Why the protocol is held for review and never counted; empty for a protocol that counts.
  std::string held_reason{};
  bool held() const { return !held_reason.empty(); }
  // The protocol's ballot kind; empty in an election without kinds.
  std::string ballot_kind{};
};

// One refused or held submission, kept for the centre's operators.
struct Alarm {
  std::int64_t id = 0;
  std::int64_t at_unix_seconds = 0;
  std::string precinct_id;  // empty when the submission could not be read that far
  std::string reader_serial;
  std::string protocol_sha256;
  std::string code;  // the refusal's status code, e.g. "ALREADY_EXISTS", or kHeldForReviewAlarm
  std::string reason;
};

// A verified protocol on its way into the store: the store decides, against what it holds,
// whether it is new, a replay, a correction or a conflict.
struct Submission {
  std::string election_id;
  std::string precinct_id;
  std::string reader_serial;
  std::uint32_t revision = 0;
  ProtocolStatus status = PROTOCOL_STATUS_UNSPECIFIED;
  std::string signed_protocol;
  std::string protocol_sha256;
  // Not empty: the protocol is stored, with an alarm, but held for review (never counted).
  std::string held_reason{};
  bool held() const { return !held_reason.empty(); }
  // The protocol's ballot kind; empty in an election without kinds.
  std::string ballot_kind{};
};

// Signs the receipt of a protocol being stored (the centre's key lives with the centre).
using ReceiptSigner = std::function<absl::StatusOr<Receipt>(const ReceiptBody&)>;
using ReceiptCallback = std::function<void(absl::StatusOr<Receipt>)>;

// The tabulation centre's SQLite store (WAL, synchronous=FULL): registered readers, every
// accepted signed protocol (held ones with their reason) and every refusal. Protocols and alarms
// are append-only, enforced by triggers that abort any UPDATE or DELETE. Writes go through one
// committer thread that gathers the submissions arriving meanwhile into one transaction (group
// commit), so one fsync serves many protocols; each caller is answered only after its transaction
// committed.
class TabulationStore {
 public:
  static absl::StatusOr<std::unique_ptr<TabulationStore>> Open(const std::string& path);
  ~TabulationStore();
  TabulationStore(const TabulationStore&) = delete;
  TabulationStore& operator=(const TabulationStore&) = delete;

  // Registers readers in one transaction; a reader already registered for the precinct is an
  // error and nothing is written.
  absl::Status RegisterReaders(const std::vector<RegisteredReader>& readers);
  absl::Status RegisterReader(const RegisteredReader& reader) { return RegisterReaders({reader}); }
  // Revokes a registered reader for good, with the commission's or technician's reason (not
  // empty). NotFound for a reader not registered for the precinct, AlreadyExists when revoked.
  absl::Status RevokeReader(const std::string& precinct_id, const std::string& reader_serial,
                            const std::string& reason);
  // The readers registered for `precinct_id`, revoked ones included; Readers() every reader.
  absl::StatusOr<std::vector<RegisteredReader>> ReadersOf(const std::string& precinct_id);
  absl::StatusOr<std::vector<RegisteredReader>> Readers();

  // Appends `submission` under the history rules: the same bytes as a stored revision answer
  // the stored receipt again; other bytes with a stored revision are refused (ALREADY_EXISTS,
  // with an alarm); FINAL is accepted only for a precinct with nothing stored, CORRECTION only
  // above its latest revision. A submission with a held_reason is stored with it, answered with
  // a RECEIPT_HELD_FOR_REVIEW receipt and recorded as a kHeldForReviewAlarm alarm in the same
  // transaction. `done` runs on the committer thread once the outcome is durable.
  void Append(Submission submission, ReceiptSigner sign, ReceiptCallback done);
  // Appends and waits.
  absl::StatusOr<Receipt> Append(Submission submission, ReceiptSigner sign);

  // Records a refusal (group-committed like Append); `done` may be empty.
  void RecordAlarm(Alarm alarm, std::function<void(absl::Status)> done);
  absl::Status RecordAlarm(Alarm alarm);

  // Every stored protocol in arrival order.
  absl::StatusOr<std::vector<StoredProtocol>> Protocols();
  // The latest accepted revision of each precinct, by precinct id: what results count, unless
  // it is held for review.
  absl::StatusOr<std::vector<StoredProtocol>> LatestProtocols();
  // Every revision of one precinct, oldest first.
  absl::StatusOr<std::vector<StoredProtocol>> History(const std::string& precinct_id);
  absl::StatusOr<std::vector<Alarm>> Alarms();

  // Runs `sql` on the store's connection: for tests and repair tools that must see the
  // append-only triggers refuse.
  absl::Status ExecForTesting(const std::string& sql);

  // Prepared statements kept per connection (defined in tabulation_store.cc).
  struct StatementCache;

 private:
  struct AppendJob {
    Submission submission;
    ReceiptSigner sign;
    ReceiptCallback done;
  };
  struct AlarmJob {
    Alarm alarm;
    std::function<void(absl::Status)> done;
  };
  using Job = std::variant<AppendJob, AlarmJob>;
  // What one job of a batch will be told once the batch committed.
  using Outcome = std::variant<absl::StatusOr<Receipt>, absl::Status>;

  TabulationStore(sqlite3* db, sqlite3* read_db);
  void Enqueue(Job job);
  void CommitLoop();
  Outcome Apply(Job& job);
  absl::StatusOr<Receipt> ApplyAppend(AppendJob& job);
  absl::Status InsertAlarm(const Alarm& alarm);
  absl::StatusOr<std::vector<RegisteredReader>> QueryReaders(
      const std::optional<std::string>& precinct_id);
  absl::StatusOr<std::vector<StoredProtocol>> QueryProtocols(const std::string& sql,
                                                             const std::string& argument);

  sqlite3* db_;          // the committer's connection, for every write
  std::mutex db_mutex_;  // one statement at a time on it
  sqlite3* read_db_;     // queries, which WAL lets run while the committer writes
  std::mutex read_mutex_;
  std::unique_ptr<StatementCache> write_statements_;
  std::unique_ptr<StatementCache> read_statements_;
  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread committer_;
};

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_TABULATION_STORE_H_
