#ifndef ESEP_TRANSPORT_TABULATION_SERVER_H_
#define ESEP_TRANSPORT_TABULATION_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tls.h"

namespace grpc {
class Server;
}

namespace esep::transport {

struct ServerOptions {
  std::string listen_address;  // "HOST:PORT"; port 0 picks a free one
  TlsFiles tls;                // the centre's certificate and key, and the readers' CA
};

// The Tabulation gRPC service over mutual TLS: a client must present a certificate signed by the
// readers' CA, and the centre then checks that it is the one registered for the reader. Requests
// are read as raw bytes so that a malformed message is refused by the centre, with an alarm,
// rather than by the gRPC runtime.
class TabulationServer {
 public:
  // `centre` must outlive the server.
  static absl::StatusOr<std::unique_ptr<TabulationServer>> Start(TabulationCentre* centre,
                                                                 const ServerOptions& options);
  ~TabulationServer();

  int port() const { return port_; }
  // Stops taking calls and finishes those in flight.
  void Shutdown();
  // Blocks until Shutdown() returns.
  void Wait();

 private:
  class Service;
  TabulationServer() = default;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_TABULATION_SERVER_H_
