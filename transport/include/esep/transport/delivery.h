#ifndef ESEP_TRANSPORT_DELIVERY_H_
#define ESEP_TRANSPORT_DELIVERY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "esep/proto/signed.pb.h"
#include "esep/transport/protocol_client.h"

namespace esep::transport {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(500);
  absl::Duration maximum = absl::Minutes(2);
  double multiplier = 2.0;
  double jitter = 0.5;  // each delay is drawn from [(1 - jitter) x base, base]
};

// Exponential backoff with jitter, so that readers whose centre came back do not all retry in
// the same instant. The random source is injectable for tests: it returns values in [0, 1).
class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy, std::function<double()> uniform = {});
  // The delay before the next attempt; each call grows the base up to the maximum.
  absl::Duration Next();
  // After a success: the next delay starts from `initial` again.
  void Reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  BackoffPolicy policy_;
  std::function<double()> uniform_;
  int attempt_ = 0;
};

// A signed protocol waiting in the reader's durable outbox.
struct PendingProtocol {
  std::int64_t id = 0;
  SignedProtocol signed_protocol;
};

// The reader's durable outbox (the daemon's SQLite store): protocols are put in it in the same
// transaction that makes them final, and leave it when their receipt is stored.
class Outbox {
 public:
  virtual ~Outbox() = default;
  // The oldest protocol without a receipt, or nullopt when everything is delivered.
  virtual absl::StatusOr<std::optional<PendingProtocol>> NextPending() = 0;
  // Stores the centre's verified receipt for protocol `id`, durably.
  virtual absl::Status StoreReceipt(std::int64_t id, const Receipt& receipt) = 0;
};

// Checks that `receipt` is signed by the centre's key and acknowledges exactly `signed_protocol`
// (its precinct, revision and SHA-256); returns the receipt's body.
absl::StatusOr<ReceiptBody> CheckReceipt(const Receipt& receipt,
                                         const SignedProtocol& signed_protocol,
                                         std::string_view centre_public_key);

// Delivers the outbox to the centre one protocol at a time, oldest first, retrying with backoff
// until each has a verified receipt. Every failure is retried (a refusal may be cured at the
// centre, e.g. by registering the reader) and reported to `on_failure`.
class DeliveryLoop {
 public:
  DeliveryLoop(ProtocolSender* sender, Outbox* outbox, std::string centre_public_key,
               BackoffPolicy policy = {}, std::function<double()> uniform = {},
               std::function<void(const absl::Status&)> on_failure = {});

  // One attempt at the oldest pending protocol: true when it was delivered and its receipt
  // stored, false when nothing is pending.
  absl::StatusOr<bool> DeliverNext();
  // Delivers until the outbox is empty (OK) or `stop` is requested (CANCELLED).
  absl::Status RunUntilEmpty(std::stop_token stop);
  // Delivers forever, looking at an empty outbox again every `idle_poll`, until `stop`.
  void Run(std::stop_token stop, absl::Duration idle_poll);

 private:
  // Sleeps `delay` or until `stop`; false when stopped.
  static bool Sleep(std::stop_token stop, absl::Duration delay);

  ProtocolSender* sender_;
  Outbox* outbox_;
  std::string centre_public_key_;
  Backoff backoff_;
  std::function<void(const absl::Status&)> on_failure_;
};

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_DELIVERY_H_
