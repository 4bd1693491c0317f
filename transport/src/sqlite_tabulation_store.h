#ifndef ESEP_TRANSPORT_SRC_SQLITE_TABULATION_STORE_H_
#define ESEP_TRANSPORT_SRC_SQLITE_TABULATION_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "esep/transport/tabulation_store.h"

namespace esep::transport::internal {

// The Sqlite backend of TabulationStore::Open.
absl::StatusOr<std::unique_ptr<TabulationStore>> OpenSqliteStore(const std::string& address);

}  // namespace esep::transport::internal

#endif  // ESEP_TRANSPORT_SRC_SQLITE_TABULATION_STORE_H_
