#include "esep/transport/delivery.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <random>
#include <stop_token>

#include "absl/strings/str_cat.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/proto/sha256.h"
#include "esep/transport/signing.h"

namespace esep::transport {

Backoff::Backoff(BackoffPolicy policy, std::function<double()> uniform)
    : policy_(policy), uniform_(std::move(uniform)) {
  if (!uniform_) {
    uniform_ = [engine = std::mt19937_64(std::random_device{}())]() mutable {
      return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    };
  }
}

absl::Duration Backoff::Next() {
  const double growth = std::pow(policy_.multiplier, std::min(attempt_, 62));
  const absl::Duration base = std::min(policy_.maximum, policy_.initial * growth);
  ++attempt_;
  const double u = std::clamp(uniform_(), 0.0, 1.0);
  const double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  return base * (1.0 - jitter * u);
}

absl::StatusOr<ReceiptBody> CheckReceipt(const Receipt& receipt,
                                         const SignedProtocol& signed_protocol,
                                         std::string_view centre_public_key) {
  absl::StatusOr<ReceiptBody> body = VerifyReceipt(receipt, centre_public_key);
  if (!body.ok()) return body.status();
  PrecinctProtocol protocol;
  if (!protocol.ParseFromString(signed_protocol.protocol())) {
    return absl::DataLossError("the protocol in the outbox cannot be parsed");
  }
  const std::string sha256 = ToHex(Sha256(signed_protocol.protocol()));
  if (body->protocol_sha256() != sha256 || body->precinct_id() != protocol.precinct_id() ||
      body->revision() != protocol.revision() || body->election_id() != protocol.election_id()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the centre's receipt acknowledges precinct ", body->precinct_id(), " revision ",
        body->revision(), " sha256 ", body->protocol_sha256().substr(0, 16),
        "..., not the protocol sent (precinct ", protocol.precinct_id(), " revision ",
        protocol.revision(), " sha256 ", sha256.substr(0, 16), "...)"));
  }
  return body;
}

DeliveryLoop::DeliveryLoop(ProtocolSender* sender, Outbox* outbox, std::string centre_public_key,
                           BackoffPolicy policy, std::function<double()> uniform,
                           std::function<void(const absl::Status&)> on_failure)
    : sender_(sender),
      outbox_(outbox),
      centre_public_key_(std::move(centre_public_key)),
      backoff_(policy, std::move(uniform)),
      on_failure_(std::move(on_failure)) {}

absl::StatusOr<bool> DeliveryLoop::DeliverNext() {
  absl::StatusOr<std::optional<PendingProtocol>> pending = outbox_->NextPending();
  if (!pending.ok()) return pending.status();
  if (!pending->has_value()) return false;
  const PendingProtocol& next = **pending;
  absl::StatusOr<Receipt> receipt = sender_->Submit(next.signed_protocol);
  if (!receipt.ok()) return receipt.status();
  if (absl::StatusOr<ReceiptBody> body =
          CheckReceipt(*receipt, next.signed_protocol, centre_public_key_);
      !body.ok()) {
    return absl::Status(body.status().code(),
                        absl::StrCat("the centre's receipt for outbox entry ", next.id,
                                     " is not accepted: ", body.status().message()));
  }
  if (absl::Status stored = outbox_->StoreReceipt(next.id, *receipt); !stored.ok()) {
    return stored;
  }
  return true;
}

bool DeliveryLoop::Sleep(std::stop_token stop, absl::Duration delay) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, absl::ToChronoNanoseconds(delay), [] { return false; });
  return !stop.stop_requested();
}

absl::Status DeliveryLoop::RunUntilEmpty(std::stop_token stop) {
  // A Submit waiting for the centre ends at once when the loop is stopped.
  const std::stop_callback cancel(stop, [this] { sender_->CancelSubmit(); });
  while (!stop.stop_requested()) {
    absl::StatusOr<bool> delivered = DeliverNext();
    if (delivered.ok()) {
      backoff_.Reset();
      if (!*delivered) return absl::OkStatus();
      continue;
    }
    if (on_failure_) on_failure_(delivered.status());
    if (!Sleep(stop, backoff_.Next())) break;
  }
  return absl::CancelledError("delivery to the tabulation centre was stopped");
}

void DeliveryLoop::Run(std::stop_token stop, absl::Duration idle_poll) {
  while (RunUntilEmpty(stop).ok()) {
    if (!Sleep(stop, idle_poll)) return;
  }
}

}  // namespace esep::transport
