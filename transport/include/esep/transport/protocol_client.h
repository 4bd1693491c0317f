#ifndef ESEP_TRANSPORT_PROTOCOL_CLIENT_H_
#define ESEP_TRANSPORT_PROTOCOL_CLIENT_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "esep/proto/signed.pb.h"
#include "esep/transport/tls.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace esep::transport {

// Something that delivers a signed protocol and answers the centre's receipt: the gRPC client,
// or in tests the centre called in-process.
class ProtocolSender {
 public:
  virtual ~ProtocolSender() = default;
  virtual absl::StatusOr<Receipt> Submit(const SignedProtocol& signed_protocol) = 0;
  // Makes a Submit in progress on another thread return soon (CANCELLED); for shutdown.
  virtual void CancelSubmit() {}
  // False when the last attempt to reach the centre failed and no new one has succeeded since:
  // a Submit would first wait for the next attempt. A hint, never a refusal.
  virtual bool SeemsReachable() { return true; }
};

struct ClientOptions {
  std::string target;  // the centre's "HOST:PORT"
  TlsFiles tls;        // this reader's certificate and key, and the centre's CA
  // How long one Submit may take, waiting for a connection included.
  absl::Duration deadline = absl::Seconds(15);
  // The name the centre's certificate must carry, when it is not the host of `target`.
  std::string server_name;
  // How soon the channel tries to reconnect after losing the centre, growing to the maximum.
  absl::Duration initial_reconnect_backoff = absl::Seconds(1);
  absl::Duration max_reconnect_backoff = absl::Seconds(30);
  // How long one connection attempt (TCP and the TLS handshake) may take: seconds over a slow
  // mobile link from a rural precinct.
  absl::Duration connect_timeout = absl::Seconds(20);
};

// The reader's gRPC client of the Tabulation service over mutual TLS. gRPC's status is mapped
// to absl::Status with the same code and a message saying whether the centre refused the
// protocol (do not resend unchanged) or could not be reached (resend later). A Submit first
// waits, up to its deadline, for the outcome of one connection attempt (after the channel's
// reconnect backoff): the waiting call is what drives the connection, so a centre that comes
// back is reached within one backoff, and a refused one is reported with its reason.
class ProtocolClient final : public ProtocolSender {
 public:
  // The channel connects lazily, on the first Submit.
  static absl::StatusOr<std::unique_ptr<ProtocolClient>> Connect(const ClientOptions& options);
  ~ProtocolClient() override;

  absl::StatusOr<Receipt> Submit(const SignedProtocol& signed_protocol) override;
  void CancelSubmit() override;
  bool SeemsReachable() override;

 private:
  class Stub;
  ProtocolClient(const ClientOptions& options, std::shared_ptr<grpc::Channel> channel);
  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
  // Returns when the channel is ready, a connection attempt begun during this wait has failed,
  // `deadline` has passed or CancelSubmit was called.
  void AwaitConnectionAttempt(absl::Time deadline);
  std::atomic<bool> cancelled_{false};
  std::mutex in_flight_lock_;
  grpc::ClientContext* in_flight_ = nullptr;  // the Submit in progress, guarded by the lock
};

// A reader's client of several centre instances (one store behind them): a Submit goes to the
// instance that answered last and, while the one tried cannot be reached (a transient failure),
// on to the next, each tried once per Submit; instances whose last connection attempt failed are
// tried after the others, so that a dead one costs no wait while another answers. A refusal is the
// centre's answer and is returned as it is; when none answers, the delivery loop retries later as
// with one centre. Idempotency is the store's: an instance that receives a protocol another one
// stored answers its receipt.
class FailoverSender final : public ProtocolSender {
 public:
  explicit FailoverSender(std::vector<std::unique_ptr<ProtocolSender>> centres);
  absl::StatusOr<Receipt> Submit(const SignedProtocol& signed_protocol) override;
  void CancelSubmit() override;
  // The index of the instance the next Submit goes to first.
  std::size_t current() const { return current_; }

 private:
  std::vector<std::unique_ptr<ProtocolSender>> centres_;
  std::atomic<std::size_t> current_{0};
  std::atomic<bool> cancelled_{false};
};

// Parses "HOST:PORT[,HOST:PORT...]" (the addresses of the centre instances, in the order tried).
absl::StatusOr<std::vector<std::string>> ParseCentreTargets(const std::string& list);

// A client of every target in `targets`: one ProtocolClient with `options` for a single target,
// a FailoverSender over one per target otherwise.
absl::StatusOr<std::unique_ptr<ProtocolSender>> ConnectToCentres(
    const ClientOptions& options, const std::vector<std::string>& targets);

// True for failures after which the same protocol should be sent again later unchanged: the
// centre was unreachable, timed out or could not commit.
bool IsTransient(const absl::Status& status);

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_PROTOCOL_CLIENT_H_
