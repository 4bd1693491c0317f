#ifndef ESEP_SCANNER_CONTROL_H_
#define ESEP_SCANNER_CONTROL_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/proto/control.pb.h"
#include "esep/scanner/precinct.h"
#include "esep/text/catalog.h"
#include "esep/text/sentence.h"

namespace esep::scanner {

// Largest control message accepted on the socket.
inline constexpr std::size_t kMaxControlMessage = 1 << 20;

// Carries out one commission command on the precinct (the daemon's only dispatch). A refused
// command answers ok = false with the reason; the precinct is unchanged.
ControlResponse HandleControlRequest(Precinct& precinct, const ControlRequest& request,
                                     const std::string& last_return_reason);

// Sentences between esepd and its clients (ControlResponse's error, notices, transmission).
void SentenceToProto(const text::Sentence& sentence, Sentence* out);
text::Sentence SentenceFromProto(const Sentence& sentence);
// What a client shows: the sentences in `language` (joined with "; "), or `english` when esepd
// sent none.
std::string SayToPeople(const google::protobuf::RepeatedPtrField<Sentence>& sentences,
                        const std::string& english, const text::Catalog* catalog,
                        text::Language language);
std::string SayToPeople(const Sentence& sentence, const std::string& english,
                        const text::Catalog* catalog, text::Language language);
// The response's report in `language`: its lines (report_sentences) said one by one, or its text
// as esepd wrote it when it has none (the draft protocol, trilingual on its own).
std::string ReportToPeople(const ControlResponse& response, const text::Catalog* catalog,
                           text::Language language);

// A Unix stream socket that answers one framed ControlRequest per connection, owner-only: the
// console runs as the daemon's user. No client can hold up the daemon: connections are served
// side by side without blocking, and one that is too slow to send its request or to read its
// answer is dropped.
class ControlServer {
 public:
  struct Options {
    // A client must have sent its whole request, and read its whole answer, this long after it
    // connected; a slower one is dropped, with an error answer when it can still take one.
    std::chrono::milliseconds client_deadline{5000};
    // Connections served at once; one more is refused with an error answer.
    std::size_t max_clients = 16;
  };

  // Listens on `path`. Refuses a path that exists and is not a socket (it is never removed),
  // and a socket another daemon answers on; a socket no one answers on (left by a daemon that
  // was killed) is replaced.
  static absl::StatusOr<std::unique_ptr<ControlServer>> Listen(const std::string& path);
  static absl::StatusOr<std::unique_ptr<ControlServer>> Listen(const std::string& path,
                                                               Options options);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Serves the socket for at most `timeout`: accepts connections, reads each request as its
  // bytes arrive, answers a complete one with `handler` and sends answers as clients read them,
  // never waiting on any one client. Returns true as soon as a request was answered or refused
  // (malformed, oversize, too slow) or the WakeOn() descriptor is readable, false when `timeout`
  // passed without one. A malformed request is answered with an error, never crashes the daemon.
  // With `reader_fd` (Reader::EventFd()), it also returns true as soon as that is readable: the
  // daemon's loop then sleeps until a console, the screen or the reader needs it.
  absl::StatusOr<bool> Serve(std::chrono::milliseconds timeout,
                             const std::function<ControlResponse(const ControlRequest&)>& handler,
                             int reader_fd = -1);

  // Serve() also returns, with true, as soon as `fd` is readable (the screen's commands waiting,
  // ScreenServer::wake_fd()); the caller reads it. -1: none.
  void WakeOn(int fd) { wake_fd_ = fd; }

  // Connections accepted and not finished yet.
  std::size_t pending_clients() const { return clients_.size(); }

 private:
  struct Client {
    int fd = -1;
    std::chrono::steady_clock::time_point deadline;
    std::string request;  // the bytes received so far
    std::string answer;   // the framed answer, once there is one
    std::size_t sent = 0;
  };

  ControlServer(int fd, std::string path, Options options)
      : fd_(fd), path_(std::move(path)), options_(options) {}
  // Accepts every connection waiting. Returns false when the socket cannot accept now (out of
  // file descriptors).
  bool AcceptWaiting();
  // Reads what `client` sent and answers it once the request is complete or broken. Returns
  // false when the connection is finished.
  bool Receive(Client& client,
               const std::function<ControlResponse(const ControlRequest&)>& handler);
  // Sends what the client can take of its answer. Returns false when the connection is finished.
  static bool SendAnswer(Client& client);

  int fd_;
  std::string path_;
  Options options_;
  dev_t device_ = 0;  // the socket file this server made, removed only if it is still there
  ino_t inode_ = 0;
  std::vector<Client> clients_;
  int wake_fd_ = -1;
};

// The console's side: sends one request to the daemon at `path` and waits for the answer.
absl::StatusOr<ControlResponse> SendControlRequest(const std::string& path,
                                                   const ControlRequest& request,
                                                   std::chrono::milliseconds timeout);

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_CONTROL_H_
