#ifndef ESEP_SCANNER_BALLOT_STORE_H_
#define ESEP_SCANNER_BALLOT_STORE_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/proto/cast_vote_record.pb.h"
#include "esep/scanner/clock.h"

namespace esep::scanner {

namespace sqlite {
class Database;
}
class Witness;
struct WitnessMark;

// Where a sheet is in the ballot journal. A sheet enters in escrow (imaged, held in the reader),
// is decided (to cast or to return), and ends cast (in the box, counted) or returned (handed
// back to the voter, not counted).
enum class SheetState { kEscrow, kDecidedCast, kDecidedReturn, kCast, kReturned };

const char* SheetStateName(SheetState state);

// The counts of one tally (live or test): ballots cast, and per contest the votes of each option
// and the number of ballots per outcome.
struct Tally {
  std::int64_t ballots_cast = 0;
  // Ballots cast per ballot style, from the cast-vote records. A precinct is served by one style
  // of each ballot kind, so on an election day with several ballots per voter this is the
  // reader's count of cast sheets of each kind (protocol line L6 of that kind's protocol).
  std::map<std::string, std::int64_t> ballots_cast_by_style;
  std::map<std::pair<std::string, std::string>, std::int64_t> votes;     // (contest, option)
  std::map<std::pair<std::string, std::string>, std::int64_t> outcomes;  // (contest, outcome)
};

// One revision of the precinct protocol as the store keeps it: signed, never changed, and queued
// for the tabulation centre until its receipt is stored.
struct StoredProtocol {
  std::uint32_t revision = 0;
  std::string protocol_sha256;  // of the signed protocol bytes
  std::string signed_protocol;  // a serialized SignedProtocol
  std::int64_t created_unix_seconds = 0;
  std::optional<std::string> receipt;  // a serialized Receipt, once delivered
  std::int64_t delivered_unix_seconds = 0;
};

using Setting = std::pair<std::string, std::string>;

// What Open() found unfinished from before a power loss or crash.
struct Recovery {
  std::vector<std::int64_t> returned;  // were in escrow or decided to return: returned, not counted
  // Decided to cast, drop not confirmed: the daemon asks the reader's sensors and then calls
  // ResolveUnconfirmedCast(); until then they are neither counted nor returned.
  std::vector<std::int64_t> awaiting_drop_confirmation;
};

// The reader's durable state: the ballot journal, the cast-vote records, the live and test
// tallies, the stored ballot images and the hash-chained event log, in one SQLite database (WAL,
// synchronous=FULL) plus a content-addressed image directory.
//
// Every state change is one transaction that also appends its event, so a power loss at any
// instant leaves either the state before or the state after. Tallies change only in the
// transaction that makes a sheet "cast". Records carry a random id and no time; once a ballot is
// cast, the journal keeps no link from the feed order to its record (ballot secrecy).
class BallotStore {
 public:
  struct Options {
    std::filesystem::path directory;  // created if missing; holds esep.db and images/
    std::string election_hash;        // the store refuses to open for another election
    std::string reader_serial;
    // A new store is made only when this is set; otherwise a missing esep.db is refused, so a
    // removed store is never silently replaced by an empty one.
    bool create = true;
    // The store's witness (see Witness in src/store/witness.h): a file, best on other storage,
    // updated after every transaction with the event log's newest entry. A store rolled back,
    // replaced or removed behind it is refused. Empty: no witness.
    std::filesystem::path witness = {};
  };

  // Opens (creating when new and allowed), checks and recovers. A store that fails CheckStore(),
  // or disagrees with its witness, is refused with DataLoss naming the damage. Sheets left in
  // escrow are returned and logged.
  static absl::StatusOr<std::unique_ptr<BallotStore>> Open(const Options& options,
                                                           const Clock& clock);
  // Opens an existing store for reading only, as an auditor or `esep log` does: no schema is
  // created, nothing is recovered or written, the election is not checked, and a missing store is
  // an error. Works while esepd holds the store open. Every write on it fails.
  static absl::StatusOr<std::unique_ptr<BallotStore>> OpenReadOnly(
      const std::filesystem::path& directory);
  ~BallotStore();

  const Recovery& recovery() const { return recovery_; }

  // Writes an image (encoded bytes) under its SHA-256, fsyncs file and directory, and returns the
  // hash in hex. Storing the same bytes again is a no-op.
  absl::StatusOr<std::string> StoreImage(std::span<const std::uint8_t> bytes);
  absl::StatusOr<std::string> LoadImage(const std::string& sha256_hex) const;

  // What is on the disk when each call returns: the image, the decisions (DecideCast,
  // DecideReturn) and every other change are flushed before the call returns, so the paper moves
  // only after its decision is durable. Escrow, ConfirmCast and ConfirmReturned are committed
  // without a flush of their own and become durable with the next decision (Durability below):
  // one flush of the log per sheet instead of three.
  //
  // A sheet was imaged; its image is already stored. Returns the sheet number.
  absl::StatusOr<std::int64_t> Escrow(const std::string& image_sha256);
  // The interpretation says cast (or the voter chose to cast as is). The record is kept pending
  // with the reader's count of sheets cast before the drop (-1 when unknown), which later tells
  // whether the sheet reached the box.
  absl::Status DecideCast(std::int64_t sheet, CastVoteRecord record,
                          std::int64_t reader_sheets_cast_before = -1);
  // The reader's count of sheets cast when `sheet` was decided to cast (-1 when unknown).
  absl::StatusOr<std::int64_t> ReaderSheetsCastAtDecision(std::int64_t sheet) const;
  absl::Status DecideReturn(std::int64_t sheet, const std::string& reason);
  // The reader confirmed the drop: the record becomes final and the tally counts it.
  absl::Status ConfirmCast(std::int64_t sheet);
  // The voter took the sheet back.
  absl::Status ConfirmReturned(std::int64_t sheet);
  // After a restart or a fault: whether the sheet reached the box, and how that is known (for the
  // event log).
  absl::Status ResolveUnconfirmedCast(std::int64_t sheet, bool dropped_into_box,
                                      const std::string& evidence = "the reader's sensors");

  absl::StatusOr<SheetState> State(std::int64_t sheet) const;
  // The sheets now in `state`, in feed order (only unfinished states keep that order long).
  absl::StatusOr<std::vector<std::int64_t>> SheetsIn(SheetState state) const;
  // The image of a sheet not yet cast or returned (the journal forgets it afterwards).
  absl::StatusOr<std::string> ImageOf(std::int64_t sheet) const;
  absl::StatusOr<Tally> GetTally(bool test) const;
  // Sheets in the journal that reached the end of their way (cast or returned).
  absl::StatusOr<std::int64_t> FinishedSheets() const;
  // Cast-vote records of one tally, ordered by their random id.
  absl::StatusOr<std::vector<CastVoteRecord>> Records(bool test) const;

  // Appends an event in its own transaction. `detail` must never hold ballot selections.
  absl::Status LogEvent(const std::string& type, const std::string& detail);
  absl::StatusOr<std::vector<esep::LogEvent>> Events() const;

  absl::StatusOr<std::string> GetSetting(const std::string& key) const;
  absl::Status SetSetting(const std::string& key, const std::string& value);
  // Several settings in one transaction, each logged.
  absl::Status SetSettings(const std::vector<Setting>& settings);

  // The commission's protocol lines (a serialized CommissionLines) of one ballot kind (empty in
  // an election without kinds); entering them again replaces them, and each entry is logged with
  // its hash.
  absl::Status SaveCommissionLines(const std::string& serialized_lines,
                                   const std::string& ballot_kind = "");
  absl::StatusOr<std::string> CommissionLinesBytes(const std::string& ballot_kind = "") const;
  // Forgets the entered lines of one ballot kind after the commission's newer lines were refused,
  // so that nothing it did not confirm last can be signed; the refusal is logged with `why`.
  absl::Status DiscardCommissionLines(const std::string& why, const std::string& ballot_kind = "");

  // Keeps a final protocol revision and queues it for transmission, with `settings` (the poll
  // state), in one transaction: a protocol is final exactly when it is in the outbox.
  absl::Status CommitProtocol(std::uint32_t revision, const std::string& signed_protocol,
                              const std::string& protocol_sha256,
                              const std::vector<Setting>& settings);
  // Every revision, oldest first, with its receipt when delivered.
  absl::StatusOr<std::vector<StoredProtocol>> Protocols() const;
  // Stores the centre's receipt for a revision, with `settings`, in one transaction. A second
  // receipt for the same revision is ignored: the first one stays.
  absl::Status StoreReceipt(std::uint32_t revision, const std::string& receipt,
                            const std::vector<Setting>& settings);
  // The reader's calibration history: a profile (serialized CalibrationProfile) becomes the
  // current one when it differs from the current one; each change is logged. False when it
  // already was the current profile.
  absl::StatusOr<bool> AddCalibrationProfile(const std::string& serialized_profile,
                                             const std::string& description);
  // Every profile loaded, oldest first; the last is the current one.
  absl::StatusOr<std::vector<std::string>> CalibrationProfiles() const;
  // The hash of the newest event-log entry (64 zeros for an empty log).
  absl::StatusOr<std::string> EventLogHead() const;

  // Checks the whole store: SQLite's integrity check of the database file, the event log's hash
  // chain, the event log against the journal and the counters (one cast event per counted
  // ballot), the tallies against a recount of the cast-vote records, and every stored image
  // against its hash. DataLoss lists everything found damaged.
  absl::Status CheckStore() const;
  // CheckStore() and, when the store has a witness, the witness against the event log.
  absl::Status CheckWithWitness(const std::filesystem::path& witness,
                                const std::string& election_hash) const;

 private:
  BallotStore(std::unique_ptr<sqlite::Database> db, Options options, const Clock& clock);
  // How durable a transaction is when Write returns.
  enum class Durability {
    // On the disk: SQLite flushes the write-ahead log at the commit (synchronous=FULL), then the
    // witness records the new head and is flushed too.
    kFlushed,
    // Written to the write-ahead log without a flush (synchronous=NORMAL), and the witness left
    // as it is: the next kFlushed transaction's flush makes it durable, the log keeping the order
    // of commits, so a power cut can only lose a suffix of such transactions. Used only where
    // losing the suffix loses nothing counted: the escrow of a sheet (a sheet never journaled is
    // handed back at the next start) and the confirmation of a drop or a return (a sheet decided
    // cast is settled at the next start from the reader's count of sheets cast). The witness
    // never gets ahead of what is on the disk.
    kFlushedWithNext,
  };
  // Runs `body` in one transaction; once it is committed, the witness records the new head.
  absl::Status Write(const std::function<absl::Status()>& body,
                     Durability durability = Durability::kFlushed);
  absl::Status CheckStoreLocked() const;
  absl::Status CheckAgainstWitness(const WitnessMark& mark, const std::string& where) const;
  absl::Status CreateSchema();
  absl::Status CheckIdentity();
  absl::Status RecoverUnfinished();
  absl::Status AppendEventLocked(const std::string& type, const std::string& detail);
  absl::Status SetSettingsLocked(const std::vector<Setting>& settings);
  absl::Status Transition(std::int64_t sheet, SheetState from, SheetState to);
  absl::Status ApplyToTally(const CastVoteRecord& record);
  std::filesystem::path ImagePath(const std::string& sha256_hex) const;

  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<Witness> witness_;
  // The newest event appended in the open transaction (sequence 0: none).
  std::uint64_t appended_sequence_ = 0;
  std::string appended_hash_;
  Options options_;
  const Clock& clock_;
  Recovery recovery_;
};

// Checks that the entries form one unbroken chain from the first: sequence 1, 2, 3, ..., each
// previous_hash equal to the hash before it, each hash equal to the entry's recomputed hash.
// The error names the first entry that breaks the chain.
absl::Status VerifyEventChain(const std::vector<esep::LogEvent>& events);

// The hash of an entry: SHA-256 of its deterministic serialization with `hash` cleared.
std::string EventHash(const esep::LogEvent& event);

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_BALLOT_STORE_H_
