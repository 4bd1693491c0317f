#include "esep/transport/tabulation_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tabulation_service.grpc.pb.h"

namespace esep::transport {
namespace {

std::string FirstProperty(const grpc::AuthContext& context, const char* name) {
  const std::vector<grpc::string_ref> values = context.FindPropertyValues(name);
  if (values.empty()) return "";
  return std::string(values.front().data(), values.front().size());
}

PeerIdentity PeerOf(const grpc::CallbackServerContext& context) {
  PeerIdentity peer;
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return peer;
  const std::string pem = FirstProperty(*auth, GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (absl::StatusOr<std::string> fingerprint = CertificateFingerprint(pem); fingerprint.ok()) {
    peer.certificate_sha256 = *fingerprint;
  }
  peer.common_name = FirstProperty(*auth, GRPC_X509_CN_PROPERTY_NAME);
  return peer;
}

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace

class TabulationServer::Service final
    : public Tabulation::WithRawCallbackMethod_Submit<Tabulation::Service> {
 public:
  explicit Service(TabulationCentre* centre) : centre_(centre) {}

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (request->Dump(&slices).ok()) {
      for (const grpc::Slice& slice : slices) {
        bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    centre_->IngestBytes(std::move(bytes), PeerOf(*context),
                         [reactor, response](absl::StatusOr<Receipt> receipt) {
                           if (!receipt.ok()) {
                             reactor->Finish(ToGrpc(receipt.status()));
                             return;
                           }
                           grpc::Slice slice(receipt->SerializeAsString());
                           *response = grpc::ByteBuffer(&slice, 1);
                           reactor->Finish(grpc::Status::OK);
                         });
    return reactor;
  }

 private:
  TabulationCentre* centre_;
};

absl::StatusOr<std::unique_ptr<TabulationServer>> TabulationServer::Start(
    TabulationCentre* centre, const ServerOptions& options) {
  if (options.tls.certificate_pem.empty() || options.tls.private_key_pem.empty() ||
      options.tls.ca_pem.empty()) {
    return absl::InvalidArgumentError(
        "the centre needs its TLS certificate, its private key and the readers' CA certificate");
  }
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = options.tls.ca_pem;
  ssl.pem_key_cert_pairs.push_back({options.tls.private_key_pem, options.tls.certificate_pem});

  std::unique_ptr<TabulationServer> server(new TabulationServer());
  server->service_ = std::make_unique<Service>(centre);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, grpc::SslServerCredentials(ssl), &server->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(kMaxSignedProtocolBytes + 1024));
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen_address,
                                               ": the address is in use, or the TLS "
                                               "certificate and key do not match"));
  }
  return server;
}

TabulationServer::~TabulationServer() { Shutdown(); }

void TabulationServer::Shutdown() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
}

void TabulationServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace esep::transport
