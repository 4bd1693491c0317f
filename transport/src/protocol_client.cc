#include "esep/transport/protocol_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tabulation_service.grpc.pb.h"

namespace esep::transport {

class ProtocolClient::Stub {
 public:
  explicit Stub(std::shared_ptr<grpc::Channel> channel) : stub(Tabulation::NewStub(channel)) {}
  std::unique_ptr<Tabulation::Stub> stub;
};

bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<std::unique_ptr<ProtocolClient>> ProtocolClient::Connect(
    const ClientOptions& options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("the tabulation centre's address (HOST:PORT) is missing");
  }
  if (options.tls.ca_pem.empty()) {
    return absl::InvalidArgumentError(
        "the tabulation centre's CA certificate is missing: without it the centre cannot be "
        "told from an impostor");
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.tls.ca_pem;
  ssl.pem_private_key = options.tls.private_key_pem;
  ssl.pem_cert_chain = options.tls.certificate_pem;
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                   static_cast<int>(absl::ToInt64Milliseconds(options.initial_reconnect_backoff)));
  // gRPC's "minimum reconnect backoff" is the time one connection attempt may take.
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
                   static_cast<int>(absl::ToInt64Milliseconds(options.connect_timeout)));
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                   static_cast<int>(absl::ToInt64Milliseconds(options.max_reconnect_backoff)));
  if (!options.server_name.empty()) {
    arguments.SetSslTargetNameOverride(options.server_name);
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.target, grpc::SslCredentials(ssl), arguments);
  return std::unique_ptr<ProtocolClient>(new ProtocolClient(options, std::move(channel)));
}

ProtocolClient::ProtocolClient(const ClientOptions& options, std::shared_ptr<grpc::Channel> channel)
    : options_(options), channel_(channel), stub_(std::make_unique<Stub>(channel)) {}

ProtocolClient::~ProtocolClient() = default;

void ProtocolClient::AwaitConnectionAttempt(absl::Time deadline) {
  // gRPC's sync client makes progress on a connection only while some thread polls for it (or
  // at its 5-second backup poll): waiting here for the channel's state is that polling.
  bool attempted = false;
  grpc_connectivity_state state = channel_->GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY && !cancelled_ && absl::Now() < deadline) {
    if (state == GRPC_CHANNEL_CONNECTING) attempted = true;
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE && attempted) return;  // this attempt failed
    channel_->WaitForStateChange(
        state, absl::ToChronoTime(std::min(deadline, absl::Now() + absl::Milliseconds(200))));
    state = channel_->GetState(/*try_to_connect=*/true);
  }
}

bool ProtocolClient::SeemsReachable() {
  return channel_->GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_TRANSIENT_FAILURE;
}

void ProtocolClient::CancelSubmit() {
  cancelled_ = true;
  std::lock_guard lock(in_flight_lock_);
  if (in_flight_ != nullptr) in_flight_->TryCancel();
}

absl::StatusOr<Receipt> ProtocolClient::Submit(const SignedProtocol& signed_protocol) {
  const absl::Time deadline = absl::Now() + options_.deadline;
  cancelled_ = false;
  AwaitConnectionAttempt(deadline);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  {
    std::lock_guard lock(in_flight_lock_);
    in_flight_ = &context;
    if (cancelled_) context.TryCancel();
  }
  Receipt receipt;
  // Fail fast when still not connected: the status then carries the last connection error
  // (refused, TLS handshake failed...), which tells a technician what is wrong.
  const grpc::Status status = stub_->stub->Submit(&context, signed_protocol, &receipt);
  {
    std::lock_guard lock(in_flight_lock_);
    in_flight_ = nullptr;
  }
  if (status.ok()) return receipt;
  const absl::Status mapped(static_cast<absl::StatusCode>(status.error_code()),
                            status.error_message());
  if (IsTransient(mapped)) {
    return absl::Status(mapped.code(),
                        absl::StrCat("cannot deliver to the tabulation centre at ", options_.target,
                                     " (will retry): ", status.error_message()));
  }
  return absl::Status(mapped.code(), absl::StrCat("the tabulation centre refused the protocol: ",
                                                  status.error_message()));
}

FailoverSender::FailoverSender(std::vector<std::unique_ptr<ProtocolSender>> centres)
    : centres_(std::move(centres)) {}

absl::StatusOr<Receipt> FailoverSender::Submit(const SignedProtocol& signed_protocol) {
  cancelled_ = false;
  if (centres_.empty()) return absl::FailedPreconditionError("no tabulation centre is configured");
  // In turn from the current one, those that seem reachable first.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < centres_.size(); ++i)
    order.push_back((current_ + i) % centres_.size());
  std::stable_partition(order.begin(), order.end(),
                        [this](std::size_t index) { return centres_[index]->SeemsReachable(); });
  std::string unreachable;
  absl::Status last;
  for (std::size_t index : order) {
    if (cancelled_) break;
    absl::StatusOr<Receipt> receipt = centres_[index]->Submit(signed_protocol);
    if (receipt.ok() || !IsTransient(receipt.status())) {
      current_ = index;
      return receipt;
    }
    last = receipt.status();
    absl::StrAppend(&unreachable, unreachable.empty() ? "" : "; ", receipt.status().message());
    // The next Submit starts with the next instance.
    current_ = (index + 1) % centres_.size();
  }
  if (cancelled_) return absl::CancelledError("delivery cancelled");
  return absl::Status(last.code(), absl::StrCat("none of the ", centres_.size(),
                                                " centre instances answered: ", unreachable));
}

void FailoverSender::CancelSubmit() {
  cancelled_ = true;
  for (const std::unique_ptr<ProtocolSender>& centre : centres_) centre->CancelSubmit();
}

absl::StatusOr<std::vector<std::string>> ParseCentreTargets(const std::string& list) {
  std::vector<std::string> targets;
  for (absl::string_view part : absl::StrSplit(list, ',')) {
    const std::string target(absl::StripAsciiWhitespace(part));
    const std::size_t colon = target.rfind(':');
    if (target.empty() || colon == std::string::npos || colon == 0 || colon + 1 == target.size() ||
        target.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", list, "\" is not a list of centre addresses: HOST:PORT[,HOST:PORT...]"));
    }
    targets.push_back(target);
  }
  return targets;
}

absl::StatusOr<std::unique_ptr<ProtocolSender>> ConnectToCentres(
    const ClientOptions& options, const std::vector<std::string>& targets) {
  std::vector<std::unique_ptr<ProtocolSender>> centres;
  for (const std::string& target : targets) {
    ClientOptions one = options;
    one.target = target;
    absl::StatusOr<std::unique_ptr<ProtocolClient>> client = ProtocolClient::Connect(one);
    if (!client.ok()) return client.status();
    centres.push_back(*std::move(client));
  }
  if (centres.size() == 1) return std::move(centres.front());
  return std::make_unique<FailoverSender>(std::move(centres));
}

}  // namespace esep::transport
