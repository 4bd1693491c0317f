#include "group_commit.h"

#include <ctime>
#include <utility>

#include "absl/strings/str_cat.h"

namespace esep::transport {
namespace internal {

std::int64_t NowUnixSeconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string PrecinctName(const std::string& precinct_id) {
  return absl::StrCat("precinct ", precinct_id);
}

absl::Status NotStored(const absl::Status& cause) {
  return absl::UnavailableError(
      absl::StrCat("the protocol could not be stored; send it again: ", cause.message()));
}

GroupCommitQueue::GroupCommitQueue(CommitBatch commit) : commit_(std::move(commit)) {
  committer_ = std::thread([this] { CommitLoop(); });
}

GroupCommitQueue::~GroupCommitQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  committer_.join();
}

void GroupCommitQueue::Enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  changed_.notify_one();
}

void GroupCommitQueue::CommitLoop() {
  for (;;) {
    std::vector<Job> batch;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to write
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    absl::StatusOr<std::vector<Outcome>> outcomes = commit_(batch);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (auto* append = std::get_if<AppendJob>(&batch[i])) {
        if (!append->done) continue;
        append->done(outcomes.ok() ? std::get<absl::StatusOr<Receipt>>(std::move((*outcomes)[i]))
                                   : absl::StatusOr<Receipt>(NotStored(outcomes.status())));
      } else if (auto* alarm = std::get_if<AlarmJob>(&batch[i])) {
        if (!alarm->done) continue;
        alarm->done(outcomes.ok() ? std::get<absl::Status>(std::move((*outcomes)[i]))
                                  : outcomes.status());
      }
    }
  }
}

Alarm RefusalAlarm(const Submission& s, const absl::Status& reason, std::int64_t now) {
  return {0,
          now,
          s.precinct_id,
          s.reader_serial,
          s.protocol_sha256,
          absl::StatusCodeToString(reason.code()),
          std::string(reason.message())};
}

Alarm HeldAlarm(const Submission& s, std::int64_t now) {
  return {0,
          now,
          s.precinct_id,
          s.reader_serial,
          s.protocol_sha256,
          kHeldForReviewAlarm,
          absl::StrCat("revision ", s.revision,
                       " is held for review, stored and not counted: ", s.held_reason)};
}

absl::StatusOr<Receipt> SignForStorage(const ReceiptSigner& sign, const ReceiptBody& body) {
  absl::StatusOr<Receipt> receipt = sign(body);
  if (!receipt.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "the centre could not sign the receipt; send it again: ", receipt.status().message()));
  }
  return receipt;
}

absl::StatusOr<Decision> Decide(const Submission& s, const PrecinctState& state, std::int64_t now) {
  // The same revision already stored: a replay answers the stored receipt, anything else is a
  // conflict.
  if (state.same_revision) {
    const PrecinctState::SameRevision& same = *state.same_revision;
    if (same.protocol_sha256 == s.protocol_sha256) {
      Receipt receipt;
      if (!receipt.ParseFromString(same.receipt)) {
        return absl::DataLossError(absl::StrCat("tabulation store: the receipt of sequence ",
                                                same.sequence, " cannot be read back"));
      }
      return receipt;
    }
    return Refusal{absl::AlreadyExistsError(absl::StrCat(
        PrecinctName(s.precinct_id), " already has a different protocol with revision ", s.revision,
        " (stored as sequence ", same.sequence, ", sha256 ", same.protocol_sha256.substr(0, 16),
        "...): the new one (sha256 ", s.protocol_sha256.substr(0, 16),
        "...) is refused; a change must be sent as a CORRECTION with a higher revision"))};
  }

  // Revisions are numbered per precinct across its ballot kinds; FINAL is the first protocol of
  // a kind, CORRECTION a later one of the same kind.
  const std::string of_kind =
      s.ballot_kind.empty() ? "" : absl::StrCat(" of ballot kind ", s.ballot_kind);
  ReceiptDisposition disposition = RECEIPT_DISPOSITION_UNSPECIFIED;
  if (s.status == FINAL) {
    if (state.latest_of_kind != 0) {
      return Refusal{absl::FailedPreconditionError(
          absl::StrCat(PrecinctName(s.precinct_id), " already has revision ", state.latest_of_kind,
                       of_kind, "; revision ", s.revision,
                       " must be sent as a CORRECTION with a revision above ", state.latest))};
    }
    if (s.revision <= state.latest) {
      return Refusal{absl::FailedPreconditionError(
          absl::StrCat("revision ", s.revision, of_kind, " of ", PrecinctName(s.precinct_id),
                       " is not above the latest stored revision ", state.latest))};
    }
    disposition = RECEIPT_ACCEPTED;
  } else if (s.status == CORRECTION) {
    if (state.latest_of_kind == 0) {
      return Refusal{absl::FailedPreconditionError(
          absl::StrCat(PrecinctName(s.precinct_id), " has no final protocol", of_kind,
                       " yet: a CORRECTION can only follow one"))};
    }
    if (s.revision <= state.latest) {
      return Refusal{absl::FailedPreconditionError(
          absl::StrCat("correction revision ", s.revision, " of ", PrecinctName(s.precinct_id),
                       " is not above the latest stored revision ", state.latest))};
    }
    disposition = RECEIPT_CORRECTION;
  } else {
    return Refusal{absl::InvalidArgumentError(
        "only FINAL and CORRECTION protocols are stored by the tabulation centre")};
  }
  if (s.held()) disposition = RECEIPT_HELD_FOR_REVIEW;

  ReceiptBody body;
  body.set_election_id(s.election_id);
  body.set_precinct_id(s.precinct_id);
  body.set_revision(s.revision);
  body.set_protocol_sha256(s.protocol_sha256);
  body.set_disposition(disposition);
  body.set_sequence(static_cast<std::uint64_t>(state.next_sequence));
  body.set_received_unix_seconds(now);
  body.set_review_reason(s.held_reason);
  return body;
}

}  // namespace internal

}  // namespace esep::transport
