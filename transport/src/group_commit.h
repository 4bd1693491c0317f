#ifndef ESEP_TRANSPORT_SRC_GROUP_COMMIT_H_
#define ESEP_TRANSPORT_SRC_GROUP_COMMIT_H_

// What every TabulationStore backend shares: the group-commit queue with its committer thread,
// and the history rules that decide what becomes of a submission given what the store holds.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/transport/tabulation_store.h"

namespace esep::transport::internal {

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

// At most this many submissions share one transaction.
inline constexpr std::size_t kMaxBatch = 1024;

// Gathers the jobs that arrive while a batch commits into the next batch, for one committer
// thread. `commit` writes a whole batch in one transaction and returns each job's outcome, or the
// failure of the transaction, which every job of the batch is told (as "send it again").
class GroupCommitQueue {
 public:
  using CommitBatch = std::function<absl::StatusOr<std::vector<Outcome>>(std::vector<Job>&)>;
  explicit GroupCommitQueue(CommitBatch commit);
  // Commits what is queued, then stops the committer.
  ~GroupCommitQueue();
  GroupCommitQueue(const GroupCommitQueue&) = delete;
  GroupCommitQueue& operator=(const GroupCommitQueue&) = delete;

  void Enqueue(Job job);

 private:
  void CommitLoop();

  CommitBatch commit_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread committer_;
};

// What a store holds that decides a submission's fate.
struct PrecinctState {
  // The protocol stored with the submission's precinct and revision, if any.
  struct SameRevision {
    std::string protocol_sha256;
    std::string receipt;  // serialized
    std::int64_t sequence = 0;
  };
  std::optional<SameRevision> same_revision;
  std::int64_t latest = 0;          // the precinct's latest revision, over all its ballot kinds
  std::int64_t latest_of_kind = 0;  // the latest revision of the submission's ballot kind
  std::int64_t next_sequence = 1;   // the sequence a new protocol gets
};

// A submission refused by the history rules: recorded as an alarm and answered with `reason`.
struct Refusal {
  absl::Status reason;
};

// The history rules: a replay (the stored receipt), a refusal, or the body of the receipt of a
// protocol to store. An error only when the stored receipt cannot be read back.
using Decision = std::variant<Receipt, Refusal, ReceiptBody>;
absl::StatusOr<Decision> Decide(const Submission& submission, const PrecinctState& state,
                                std::int64_t now_unix_seconds);

// The alarm that records a refusal, and the one that records a protocol held for review.
Alarm RefusalAlarm(const Submission& submission, const absl::Status& reason, std::int64_t now);
Alarm HeldAlarm(const Submission& submission, std::int64_t now);

std::string PrecinctName(const std::string& precinct_id);
std::int64_t NowUnixSeconds();

// Signs `body`; a signing failure is transient (the protocol is sent again).
absl::StatusOr<Receipt> SignForStorage(const ReceiptSigner& sign, const ReceiptBody& body);

// The message every caller of a failed batch gets: the protocol was not stored, send it again.
absl::Status NotStored(const absl::Status& cause);

}  // namespace esep::transport::internal

#endif  // ESEP_TRANSPORT_SRC_GROUP_COMMIT_H_
