#ifndef ESEP_TOOLS_ESEPD_DELIVERY_H_
#define ESEP_TOOLS_ESEPD_DELIVERY_H_

#include <mutex>

#include "esep/scanner/precinct.h"
#include "esep/transport/delivery.h"

namespace esep::daemon {

// The daemon's durable outbox as transport's DeliveryLoop sees it: final protocols queued in the
// tally store, oldest revision first, and their receipts stored back there. Every access to the
// precinct holds `lock`, which the daemon's main loop holds too, so the delivery thread never
// meets the ballot flow halfway.
class PrecinctOutbox final : public transport::Outbox {
 public:
  PrecinctOutbox(scanner::Precinct& precinct, std::mutex& lock)
      : precinct_(precinct), lock_(lock) {}

  absl::StatusOr<std::optional<transport::PendingProtocol>> NextPending() override;
  absl::Status StoreReceipt(std::int64_t id, const Receipt& receipt) override;

 private:
  scanner::Precinct& precinct_;
  std::mutex& lock_;
};

}  // namespace esep::daemon

#endif  // ESEP_TOOLS_ESEPD_DELIVERY_H_
