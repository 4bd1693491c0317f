#include "esep/transport/tabulation_store.h"

#include <future>
#include <utility>

#include "store_backends.h"

namespace esep::transport {

bool IsPostgresAddress(const std::string& address) {
  return address.starts_with("postgresql://") || address.starts_with("postgres://");
}

absl::StatusOr<std::unique_ptr<TabulationStore>> TabulationStore::Open(const std::string& address) {
  if (IsPostgresAddress(address)) return internal::OpenPostgresStore(address);
  return internal::OpenSqliteStore(address);
}

absl::StatusOr<Receipt> TabulationStore::Append(Submission submission, ReceiptSigner sign) {
  std::promise<absl::StatusOr<Receipt>> promise;
  std::future<absl::StatusOr<Receipt>> future = promise.get_future();
  Append(std::move(submission), std::move(sign),
         [&promise](absl::StatusOr<Receipt> receipt) { promise.set_value(std::move(receipt)); });
  return future.get();
}

absl::Status TabulationStore::RecordAlarm(Alarm alarm) {
  std::promise<absl::Status> promise;
  std::future<absl::Status> future = promise.get_future();
  RecordAlarm(std::move(alarm), [&promise](absl::Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

}  // namespace esep::transport
