#ifndef ESEP_TRANSPORT_TABULATION_STORE_H_
#define ESEP_TRANSPORT_TABULATION_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/proto/signed.pb.h"

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
// The alarm of a protocol that is counted but that a person should look at (ProtocolReview::flag).
inline constexpr char kFlaggedForReviewAlarm[] = "FLAGGED_FOR_REVIEW";

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
  // Not empty: counted, but a person should look at it; the centre records a
  // kFlaggedForReviewAlarm alarm once it is stored.
  std::string flagged_reason{};
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
  // Not empty: counted, but a person should look at it; the centre records a
  // kFlaggedForReviewAlarm alarm once it is stored.
  std::string flagged_reason{};
};

// Signs the receipt of a protocol being stored (the centre's key lives with the centre).
using ReceiptSigner = std::function<absl::StatusOr<Receipt>(const ReceiptBody&)>;
using ReceiptCallback = std::function<void(absl::StatusOr<Receipt>)>;

// The tabulation centre's store: registered readers, every accepted signed protocol (held ones
// with their reason) and every refusal. Protocols, alarms and revocations are append-only, enforced
// by the database itself. Writes are group-committed: the submissions arriving while one batch
// commits share the next transaction, and each caller is answered only once its transaction is
// durable. Two backends, opened from a store address by Open(): SQLite (a file path: one machine,
// the default) and PostgreSQL (a postgresql:// URI: several centre instances on one database with a
// synchronous hot standby). Callers never learn which one they have.
class TabulationStore {
 public:
  // `address` is a file path (SQLite, created if missing) or a postgresql:// (or postgres://)
  // URI of a database whose schema SetUpPostgresSchema made; libpq's multi-host URIs with
  // target_session_attrs=read-write let the store follow a promoted standby.
  static absl::StatusOr<std::unique_ptr<TabulationStore>> Open(const std::string& address);
  virtual ~TabulationStore() = default;
  TabulationStore(const TabulationStore&) = delete;
  TabulationStore& operator=(const TabulationStore&) = delete;

  // Registers readers in one transaction; a reader already registered for the precinct is an
  // error and nothing is written.
  virtual absl::Status RegisterReaders(const std::vector<RegisteredReader>& readers) = 0;
  absl::Status RegisterReader(const RegisteredReader& reader) { return RegisterReaders({reader}); }
  // Revokes a registered reader for good, with the commission's or technician's reason (not
  // empty). NotFound for a reader not registered for the precinct, AlreadyExists when revoked.
  virtual absl::Status RevokeReader(const std::string& precinct_id,
                                    const std::string& reader_serial,
                                    const std::string& reason) = 0;
  // The readers registered for `precinct_id`, revoked ones included; Readers() every reader.
  virtual absl::StatusOr<std::vector<RegisteredReader>> ReadersOf(
      const std::string& precinct_id) = 0;
  virtual absl::StatusOr<std::vector<RegisteredReader>> Readers() = 0;

  // Appends `submission` under the history rules: the same bytes as a stored revision answer
  // the stored receipt again; other bytes with a stored revision are refused (ALREADY_EXISTS,
  // with an alarm); FINAL is accepted only for a precinct with nothing stored, CORRECTION only
  // above its latest revision. A submission with a held_reason is stored with it, answered with
  // a RECEIPT_HELD_FOR_REVIEW receipt and recorded as a kHeldForReviewAlarm alarm in the same
  // transaction. `done` runs on the committer thread once the outcome is durable.
  virtual void Append(Submission submission, ReceiptSigner sign, ReceiptCallback done) = 0;
  // Appends and waits.
  absl::StatusOr<Receipt> Append(Submission submission, ReceiptSigner sign);

  // Records a refusal (group-committed like Append); `done` may be empty.
  virtual void RecordAlarm(Alarm alarm, std::function<void(absl::Status)> done) = 0;
  absl::Status RecordAlarm(Alarm alarm);

  // Every stored protocol in arrival order.
  virtual absl::StatusOr<std::vector<StoredProtocol>> Protocols() = 0;
  // The latest accepted revision of each precinct and ballot kind, by precinct id: what results
  // count, unless it is held for review.
  virtual absl::StatusOr<std::vector<StoredProtocol>> LatestProtocols() = 0;
  // Every revision of one precinct, oldest first.
  virtual absl::StatusOr<std::vector<StoredProtocol>> History(const std::string& precinct_id) = 0;
  virtual absl::StatusOr<std::vector<Alarm>> Alarms() = 0;

  // Runs `sql` on the store's connection: for tests and repair tools that must see the
  // append-only rules refuse.
  virtual absl::Status ExecForTesting(const std::string& sql) = 0;

 protected:
  TabulationStore() = default;
};

// True when `address` names a PostgreSQL database rather than an SQLite file.
bool IsPostgresAddress(const std::string& address);

// Creates (or completes) the centre's schema in the PostgreSQL database at `owner_address`,
// connected as the role that is to own it, and lets `centre_role` (an existing role, not the
// owner) insert and read, nothing more: the centre cannot change, delete or truncate a stored
// protocol, receipt, alarm or revocation, nor drop the triggers that refuse it. Run once per
// database, again after an upgrade.
absl::Status SetUpPostgresSchema(const std::string& owner_address, const std::string& centre_role);

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_TABULATION_STORE_H_
