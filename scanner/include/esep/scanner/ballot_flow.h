#ifndef ESEP_SCANNER_BALLOT_FLOW_H_
#define ESEP_SCANNER_BALLOT_FLOW_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/interpretation.pb.h"
#include "esep/proto/software.pb.h"
#include "esep/scanner/ballot_store.h"
#include "esep/scanner/reader.h"
#include "esep/vision/interpreter.h"
#include "esep/vision/return_policy.h"

namespace esep::scanner {

using vision::BallotDecision;

// A moment of a sheet's way: the steady clock, and the CPU time the calling thread had used (so
// that a busy machine's waits can be told from the work).
struct SheetMoment {
  std::chrono::steady_clock::time_point wall;
  std::chrono::nanoseconds thread_cpu{0};
  static SheetMoment Now();
};

// Where a sheet ended after ProcessSheet() or VoterChoice().
enum class SheetOutcome {
  kCast,           // in the box and counted
  kReturned,       // handed back to the voter, not counted
  kAwaitingVoter,  // held in the reader: the voter chooses to take it back or to cast it as is
};

struct SheetResult {
  std::int64_t sheet = 0;
  SheetOutcome outcome = SheetOutcome::kReturned;
  BallotDecision decision;
  Interpretation interpretation;
  // When the reader's image had arrived, and when the decision to cast or return was on the
  // disk, before the paper moved (unset while the ballot waits for the voter).
  SheetMoment scanned_at;
  std::optional<SheetMoment> decided_at;
};

// One sheet's way from the reader's entry to the box or back to the voter:
//   scan -> image stored (fsynced) -> journal "escrow" -> interpret -> decide
//   -> "decided" -> reader casts or returns -> journal "cast" (tally +1) or "returned".
// The image and "decided" are flushed to the disk before the paper moves; "escrow" and the final
// "cast" or "returned" are flushed with the next decision (BallotStore, Durability).
// A failure of the reader at any step leaves the journal in a state the next start recovers.
class BallotFlow {
 public:
  struct Context {
    Reader* reader;
    BallotStore* store;
    const vision::Interpreter* live;  // live ballots at this precinct
    const vision::Interpreter* test;  // logic-and-accuracy test ballots
    ReturnPolicy policy;
    std::string election_hash;
    std::string reader_serial;
    std::string precinct_id;
    std::string batch_id;            // the poll session
    SoftwareIdentity software = {};  // carried by every cast-vote record
  };

  explicit BallotFlow(Context context) : c_(std::move(context)) {}

  // Handles the sheet waiting at the entry. `test` selects the logic-and-accuracy tally.
  absl::StatusOr<SheetResult> ProcessSheet(bool test);

  // The voter's choice for the sheet held after kAwaitingVoter.
  absl::StatusOr<SheetResult> VoterChoice(bool cast_as_is);

  // After a restart or a reader fault: settles every sheet decided "cast" whose drop was never
  // confirmed. The reader's own count of sheets cast decides: above the count recorded with the
  // decision, the sheet reached the box; equal, it did not. Only when the reader's count went
  // back (the reader lost power or its box was emptied) do its sensors decide (still in the
  // paper path: returned; gone: it reached the box, the only way out of the path the reader was
  // commanded). Then hands back a sheet still held in the path (not counted). Returns the sheets
  // settled.
  absl::StatusOr<std::vector<std::int64_t>> ReconcileUnconfirmedCasts();

  bool holding_for_voter() const { return held_.has_value(); }

  // The first failure to read or write the tally store, once there was one (OK before). From
  // then on no sheet is taken: a sheet whose "decided" record cannot be made durable is never
  // moved into the box, and one whose drop cannot be recorded stays decided for the reader's
  // count to settle at the next start.
  const absl::Status& storage_fault() const { return storage_fault_; }
  // After a storage fault: hands a sheet still held in the reader back to the voter without
  // touching the store. It is not counted: its journal entry is at most "decided to cast", which
  // the next start settles by the reader's count (no drop since the decision: returned).
  absl::Status HandBackAfterStorageFault();
  // Passes a store's answer through, remembering the first failure as the storage fault (also
  // for the store's writes outside the ballot flow: poll commands, protocols, receipts).
  absl::Status Stored(absl::Status status);

 private:
  template <typename T>
  absl::StatusOr<T> Stored(absl::StatusOr<T> value) {
    if (!value.ok()) return Stored(value.status());
    return value;
  }
  absl::StatusOr<SheetResult> Cast(SheetResult result, bool test, bool cast_as_is);
  absl::StatusOr<SheetResult> Return(SheetResult result);

  Context c_;
  struct Held {
    SheetResult result;
    bool test;
  };
  std::optional<Held> held_;
  absl::Status storage_fault_;
};

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_BALLOT_FLOW_H_
