#include "delivery.h"

#include "absl/strings/str_cat.h"

namespace esep::daemon {

absl::StatusOr<std::optional<transport::PendingProtocol>> PrecinctOutbox::NextPending() {
  std::lock_guard<std::mutex> hold(lock_);
  absl::StatusOr<std::optional<scanner::StoredProtocol>> next = precinct_.NextUndelivered();
  if (!next.ok()) return next.status();
  if (!next->has_value()) return std::optional<transport::PendingProtocol>();
  transport::PendingProtocol pending;
  pending.id = (*next)->revision;
  if (!pending.signed_protocol.ParseFromString((*next)->signed_protocol)) {
    return absl::DataLossError(
        absl::StrCat("tally store: protocol revision ", (*next)->revision, " is unreadable"));
  }
  return std::optional<transport::PendingProtocol>(std::move(pending));
}

absl::Status PrecinctOutbox::StoreReceipt(std::int64_t id, const Receipt& receipt) {
  std::lock_guard<std::mutex> hold(lock_);
  return precinct_.RecordReceipt(static_cast<std::uint32_t>(id), receipt.SerializeAsString());
}

}  // namespace esep::daemon
