// The control socket: esepd's side (ControlServer) and the console's (SendControlRequest).
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "esep/scanner/control.h"

namespace esep::scanner {
namespace {

using SteadyClock = std::chrono::steady_clock;

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat("control socket: ", what, ": ", std::strerror(errno)));
}

absl::StatusOr<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return absl::InvalidArgumentError(absl::StrCat(
        "control socket path must be 1 to ", sizeof addr.sun_path - 1, " characters: ", path));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Makes way for the daemon's socket at `path`: nothing there, or a socket no one answers on (left
// by a daemon that was killed), which is removed. Anything else stays where it is.
absl::Status ClearStaleSocket(const std::string& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return Errno(absl::StrCat("cannot examine ", path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "control socket: ", path,
        " exists and is not a socket; it is left as it is. Is --socket pointing at the wrong "
        "file? Give the socket's own path (default /run/esep/esepd.sock)"));
  }
  const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (probe < 0) return Errno("socket");
  const int rc = ::connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int error = errno;
  ::close(probe);
  if (rc == 0 || error == EAGAIN) {  // EAGAIN: it listens, its backlog is full
    return absl::FailedPreconditionError(
        absl::StrCat("control socket: another daemon answers on ", path,
                     "; stop it first, or give this one another --socket"));
  }
  if (error != ECONNREFUSED) {
    errno = error;
    return Errno(absl::StrCat("cannot tell whether a daemon answers on ", path));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Errno(absl::StrCat("cannot remove the stale socket ", path));
  }
  return absl::OkStatus();
}

ControlResponse ErrorResponse(std::string_view error) {
  ControlResponse response;
  response.set_ok(false);
  response.set_error(std::string(error));
  return response;
}

// The bytes on the wire: a 4-byte big-endian length, then the message.
std::string Frame(const std::string& body) {
  const std::uint32_t n = static_cast<std::uint32_t>(body.size());
  std::string frame = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  return frame + body;
}

// An answer too large for the console's limit becomes an error.
std::string AnswerFrame(const ControlResponse& response) {
  std::string body = response.SerializeAsString();
  if (body.size() > kMaxControlMessage) {
    body = ErrorResponse("the answer is larger than a control message may be").SerializeAsString();
  }
  return Frame(body);
}

std::uint32_t FrameLength(const std::string& bytes) {
  const auto byte = [&](int i) { return std::uint32_t{static_cast<unsigned char>(bytes[i])}; };
  return (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

// Waits until `fd` is ready for `events` or the deadline passes (the console's side).
absl::Status WaitFor(int fd, short events, SteadyClock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return absl::DeadlineExceededError("control socket: timed out");
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return absl::OkStatus();
    if (rc < 0 && errno != EINTR) return Errno("poll");
  }
}

absl::Status WriteAll(int fd, const std::string& bytes, SteadyClock::time_point deadline) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    if (absl::Status s = WaitFor(fd, POLLOUT, deadline); !s.ok()) return s;
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return Errno("send");
    done += static_cast<std::size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status ReadAll(int fd, char* out, std::size_t size, SteadyClock::time_point deadline) {
  std::size_t done = 0;
  while (done < size) {
    if (absl::Status s = WaitFor(fd, POLLIN, deadline); !s.ok()) return s;
    const ssize_t n = ::recv(fd, out + done, size - done, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n == 0) return absl::DataLossError("control socket: the peer closed the connection early");
    if (n < 0) return Errno("recv");
    done += static_cast<std::size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status ReadFrame(int fd, google::protobuf::Message& message,
                       SteadyClock::time_point deadline) {
  std::string header(4, '\0');
  if (absl::Status s = ReadAll(fd, header.data(), 4, deadline); !s.ok()) return s;
  const std::uint32_t n = FrameLength(header);
  if (n > kMaxControlMessage) {
    return absl::InvalidArgumentError(
        absl::StrCat("control message of ", n, " bytes exceeds the limit of ", kMaxControlMessage));
  }
  std::string body(n, '\0');
  if (absl::Status s = ReadAll(fd, body.data(), n, deadline); !s.ok()) return s;
  if (!message.ParseFromString(body)) {
    return absl::InvalidArgumentError("control message is not a valid protobuf message");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ControlServer>> ControlServer::Listen(const std::string& path) {
  return Listen(path, Options{});
}

absl::StatusOr<std::unique_ptr<ControlServer>> ControlServer::Listen(const std::string& path,
                                                                     Options options) {
  absl::StatusOr<sockaddr_un> addr = Address(path);
  if (!addr.ok()) return addr.status();
  if (absl::Status s = ClearStaleSocket(path, *addr); !s.ok()) return s;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Errno("socket");
  const mode_t old_mask = ::umask(0077);
  const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
  ::umask(old_mask);
  struct stat st {};
  if (rc != 0 || ::listen(fd, 8) != 0 || ::stat(path.c_str(), &st) != 0) {
    absl::Status s = Errno(absl::StrCat("cannot listen on ", path));
    ::close(fd);
    return s;
  }
  std::unique_ptr<ControlServer> server(new ControlServer(fd, path, options));
  server->device_ = st.st_dev;
  server->inode_ = st.st_ino;
  return server;
}

ControlServer::~ControlServer() {
  for (const Client& client : clients_) ::close(client.fd);
  ::close(fd_);
  // Only the socket this server made: whatever took the path since stays.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_) {
    ::unlink(path_.c_str());
  }
}

bool ControlServer::SendAnswer(Client& client) {
  while (client.sent < client.answer.size()) {
    const ssize_t n = ::send(client.fd, client.answer.data() + client.sent,
                             client.answer.size() - client.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      client.sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;  // the rest when the client has read some
    } else {
      return false;  // the client left
    }
  }
  return false;
}

bool ControlServer::Receive(Client& client,
                            const std::function<ControlResponse(const ControlRequest&)>& handler) {
  for (;;) {
    std::size_t want = 4;
    if (client.request.size() >= 4) {
      const std::uint32_t n = FrameLength(client.request);
      if (n > kMaxControlMessage) {
        client.answer = AnswerFrame(ErrorResponse(absl::StrCat(
            "control message of ", n, " bytes exceeds the limit of ", kMaxControlMessage)));
        return SendAnswer(client);
      }
      want = 4 + std::size_t{n};
      if (client.request.size() == want) break;
    }
    char buffer[16384];
    const ssize_t got = ::recv(client.fd, buffer,
                               std::min(sizeof buffer, want - client.request.size()), MSG_DONTWAIT);
    if (got > 0) {
      client.request.append(buffer, static_cast<std::size_t>(got));
    } else if (got < 0 && errno == EINTR) {
      continue;
    } else if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;  // the rest of the request later
    } else if (got == 0 && !client.request.empty()) {
      client.answer =
          AnswerFrame(ErrorResponse("control socket: the peer closed the connection early"));
      return SendAnswer(client);
    } else {
      return false;  // left without a request, or the connection broke
    }
  }
  ControlRequest request;
  if (!request.ParseFromArray(client.request.data() + 4,
                              static_cast<int>(client.request.size() - 4))) {
    client.answer = AnswerFrame(ErrorResponse("control message is not a valid protobuf message"));
  } else {
    client.answer = AnswerFrame(handler(request));
  }
  return SendAnswer(client);
}

bool ControlServer::AcceptWaiting() {
  for (;;) {
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0 && errno == EINTR) continue;
    if (fd < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    if (clients_.size() >= options_.max_clients) {
      Client busy;
      busy.fd = fd;
      busy.answer = AnswerFrame(ErrorResponse(absl::StrCat(
          "esepd is busy with ", clients_.size(), " other console connections; try again")));
      SendAnswer(busy);
      ::close(fd);
      continue;
    }
    Client client;
    client.fd = fd;
    client.deadline = SteadyClock::now() + options_.client_deadline;
    clients_.push_back(std::move(client));
  }
}

absl::StatusOr<bool> ControlServer::Serve(
    std::chrono::milliseconds timeout,
    const std::function<ControlResponse(const ControlRequest&)>& handler, int reader_fd) {
  const SteadyClock::time_point end = SteadyClock::now() + timeout;
  bool answered = false;
  bool accepting = true;
  for (;;) {
    // Clients past their deadline: an error answer if they take it at once, then dropped.
    SteadyClock::time_point now = SteadyClock::now();
    for (std::size_t i = clients_.size(); i-- > 0;) {
      Client& client = clients_[i];
      if (now < client.deadline) continue;
      if (client.answer.empty()) {
        client.answer = AnswerFrame(ErrorResponse(
            absl::StrCat("control socket: no complete request within ",
                         options_.client_deadline.count(), " ms of connecting; dropped")));
        SendAnswer(client);
        answered = true;
      }
      ::close(client.fd);
      clients_.erase(clients_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (answered) return true;

    std::vector<pollfd> fds;
    fds.push_back({fd_, static_cast<short>(accepting ? POLLIN : 0), 0});
    SteadyClock::time_point wake = end;
    for (const Client& client : clients_) {
      fds.push_back({client.fd, static_cast<short>(client.answer.empty() ? POLLIN : POLLOUT), 0});
      wake = std::min(wake, client.deadline);
    }
    // After the clients: the screen's descriptor, then the reader's.
    const std::size_t wake_at = fds.size();
    if (wake_fd_ >= 0) fds.push_back({wake_fd_, POLLIN, 0});
    if (reader_fd >= 0) fds.push_back({reader_fd, POLLIN, 0});
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - now);
    const int ready =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(0, wait.count())));
    if (ready < 0 && errno != EINTR) return Errno("poll");
    if (ready > 0) {
      // Another client of the daemon's loop (the screen) or the reader has work: the loop
      // serves it now.
      for (std::size_t i = wake_at; i < fds.size(); ++i) answered |= fds[i].revents != 0;
      for (std::size_t i = clients_.size(); i-- > 0;) {
        if (fds[i + 1].revents == 0) continue;
        Client& client = clients_[i];
        const bool had_answer = !client.answer.empty();
        const bool open = had_answer ? SendAnswer(client) : Receive(client, handler);
        answered |= !had_answer && !client.answer.empty();
        if (!open) {
          ::close(client.fd);
          clients_.erase(clients_.begin() + static_cast<std::ptrdiff_t>(i));
        }
      }
      // A listening socket that cannot accept now (out of descriptors) waits for the next call.
      if (fds[0].revents != 0) accepting = AcceptWaiting();
    }
    if (answered) return true;
    if (SteadyClock::now() >= end) return false;
  }
}

absl::StatusOr<ControlResponse> SendControlRequest(const std::string& path,
                                                   const ControlRequest& request,
                                                   std::chrono::milliseconds timeout) {
  absl::StatusOr<sockaddr_un> addr = Address(path);
  if (!addr.ok()) return addr.status();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    absl::Status s = Errno(absl::StrCat("esepd is not answering on ", path));
    ::close(fd);
    return s;
  }
  const auto deadline = SteadyClock::now() + timeout;
  ControlResponse response;
  const std::string body = request.SerializeAsString();
  absl::Status s = body.size() > kMaxControlMessage
                       ? absl::ResourceExhaustedError("control message too large")
                       : WriteAll(fd, Frame(body), deadline);
  if (s.ok()) s = ReadFrame(fd, response, deadline);
  ::close(fd);
  if (!s.ok()) return s;
  return response;
}

}  // namespace esep::scanner
