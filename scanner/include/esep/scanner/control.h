#ifndef ESEP_SCANNER_CONTROL_H_
#define ESEP_SCANNER_CONTROL_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "esep/proto/control.pb.h"
#include "esep/scanner/precinct.h"

namespace esep::scanner {

// Largest control message accepted on the socket.
inline constexpr std::size_t kMaxControlMessage = 1 << 20;

// Carries out one commission command on the precinct (the daemon's only dispatch). A refused
// command answers ok = false with the reason; the precinct is unchanged.
ControlResponse HandleControlRequest(Precinct& precinct, const ControlRequest& request,
                                     const std::string& last_return_reason);

// A Unix stream socket that answers one framed ControlRequest per connection. Owner-only
// permissions: the console runs as the daemon's user.
class ControlServer {
 public:
  static absl::StatusOr<std::unique_ptr<ControlServer>> Listen(const std::string& path);
  ~ControlServer();

  // Waits up to `timeout` for a connection and answers it with `handler`. Returns true when a
  // request was answered; a malformed or oversize request is answered with an error, never
  // crashes the daemon.
  absl::StatusOr<bool> ServeOne(
      std::chrono::milliseconds timeout,
      const std::function<ControlResponse(const ControlRequest&)>& handler);

 private:
  ControlServer(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// The console's side: sends one request to the daemon at `path` and waits for the answer.
absl::StatusOr<ControlResponse> SendControlRequest(const std::string& path,
                                                   const ControlRequest& request,
                                                   std::chrono::milliseconds timeout);

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_CONTROL_H_
