#ifndef ESEP_TRANSPORT_SRC_STORE_BACKENDS_H_
#define ESEP_TRANSPORT_SRC_STORE_BACKENDS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "esep/transport/tabulation_store.h"

namespace esep::transport::internal {

// The backends TabulationStore::Open chooses from: an SQLite file, or a PostgreSQL database
// (a postgresql:// URI) whose schema SetUpPostgresSchema made.
absl::StatusOr<std::unique_ptr<TabulationStore>> OpenSqliteStore(const std::string& path);
absl::StatusOr<std::unique_ptr<TabulationStore>> OpenPostgresStore(const std::string& address);

}  // namespace esep::transport::internal

#endif  // ESEP_TRANSPORT_SRC_STORE_BACKENDS_H_
