#include "esep/scanner/control.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "esep/proto/signed.pb.h"

namespace esep::scanner {
namespace {

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

// Waits until `fd` is ready for `events` or the deadline passes.
absl::Status WaitFor(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return absl::DeadlineExceededError("control socket: timed out");
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return absl::OkStatus();
    if (rc < 0 && errno != EINTR) return Errno("poll");
  }
}

absl::Status WriteAll(int fd, const std::string& bytes,
                      std::chrono::steady_clock::time_point deadline) {
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

absl::Status ReadAll(int fd, char* out, std::size_t size,
                     std::chrono::steady_clock::time_point deadline) {
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

absl::Status WriteFrame(int fd, const google::protobuf::Message& message,
                        std::chrono::steady_clock::time_point deadline) {
  const std::string body = message.SerializeAsString();
  if (body.size() > kMaxControlMessage) {
    return absl::ResourceExhaustedError("control message too large");
  }
  const std::uint32_t n = static_cast<std::uint32_t>(body.size());
  std::string frame = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  frame += body;
  return WriteAll(fd, frame, deadline);
}

absl::Status ReadFrame(int fd, google::protobuf::Message& message,
                       std::chrono::steady_clock::time_point deadline) {
  unsigned char header[4];
  if (absl::Status s = ReadAll(fd, reinterpret_cast<char*>(header), 4, deadline); !s.ok()) {
    return s;
  }
  const std::uint32_t n = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                          (std::uint32_t{header[2]} << 8) | std::uint32_t{header[3]};
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

ControlResponse HandleControlRequest(Precinct& precinct, const ControlRequest& request,
                                     const std::string& last_return_reason) {
  ControlResponse response;
  absl::Status status;
  switch (request.command()) {
    case ControlRequest::STATUS:
      break;
    case ControlRequest::START_TEST:
      status = precinct.StartTest();
      break;
    case ControlRequest::FINISH_TEST:
      status = precinct.FinishTest();
      break;
    case ControlRequest::OPEN_POLLS: {
      absl::StatusOr<std::string> zero = precinct.OpenPolls();
      status = zero.status();
      if (zero.ok()) response.set_report(*zero);
      break;
    }
    case ControlRequest::CLOSE_POLLS:
      status = precinct.ClosePolls();
      break;
    case ControlRequest::TEST_REPORT:
    case ControlRequest::RESULTS_REPORT: {
      absl::StatusOr<std::string> report = request.command() == ControlRequest::TEST_REPORT
                                               ? precinct.TestReport()
                                               : precinct.ResultsReport();
      status = report.status();
      if (report.ok()) response.set_report(*report);
      break;
    }
    case ControlRequest::CAST_AS_IS:
    case ControlRequest::RETURN_BALLOT: {
      absl::StatusOr<SheetResult> result =
          precinct.VoterChoice(request.command() == ControlRequest::CAST_AS_IS);
      status = result.status();
      break;
    }
    case ControlRequest::ENTER_LINES:
      status = precinct.EnterCommissionLines(request.lines());
      break;
    case ControlRequest::DRAFT_PROTOCOL: {
      absl::StatusOr<ProtocolDraft> draft = precinct.DraftProtocol();
      status = draft.status();
      if (draft.ok()) {
        response.set_report(precinct.ProtocolText(draft->protocol, draft->checks));
        response.set_protocol(draft->protocol.SerializeAsString());
      }
      break;
    }
    case ControlRequest::FINALIZE_PROTOCOL:
    case ControlRequest::PROTOCOL: {
      absl::StatusOr<StoredProtocol> stored;
      if (request.command() == ControlRequest::FINALIZE_PROTOCOL) {
        stored = precinct.FinalizeProtocol();
      } else {
        absl::StatusOr<std::vector<StoredProtocol>> all = precinct.Protocols();
        if (!all.ok()) {
          stored = all.status();
        } else if (all->empty()) {
          stored = absl::NotFoundError("no protocol has been made final yet");
        } else {
          stored = all->back();
        }
      }
      status = stored.status();
      SignedProtocol signed_protocol;
      PrecinctProtocol protocol;
      if (status.ok() && (!signed_protocol.ParseFromString(stored->signed_protocol) ||
                          !protocol.ParseFromString(signed_protocol.protocol()))) {
        status = absl::DataLossError("tally store: the final protocol is unreadable");
      }
      if (status.ok()) {
        response.set_protocol(signed_protocol.protocol());
        response.set_signed_protocol(stored->signed_protocol);
        response.set_report(precinct.ProtocolText(
            protocol,
            CheckProtocol(protocol, precinct.election(), protocol.ballots_in_stationary_box())));
      }
      break;
    }
    default:
      status = absl::InvalidArgumentError("unknown command");
  }
  response.set_ok(status.ok());
  if (!status.ok()) response.set_error(std::string(status.message()));
  response.set_poll_state(PollStateName(precinct.state()));
  response.set_reader_serial(precinct.reader_serial());
  absl::StatusOr<std::int64_t> cast = precinct.BallotsCast();
  if (cast.ok()) response.set_ballots_cast(*cast);
  response.set_ballot_waiting_for_voter(precinct.holding_for_voter());
  absl::StatusOr<std::int64_t> sheets = precinct.store().FinishedSheets();
  if (sheets.ok()) response.set_sheets_read(*sheets);
  if (precinct.state() != PollState::kOpen) {
    absl::StatusOr<Tally> test = precinct.store().GetTally(true);
    if (test.ok()) response.set_test_ballots_cast(test->ballots_cast);
  }
  response.set_last_return_reason(last_return_reason);
  if (const absl::Status& fault = precinct.storage_fault(); !fault.ok()) {
    response.add_notices(absl::StrCat("STORAGE FAULT: ", std::string(fault.message()),
                                      ". The reader takes no paper; call the technician"));
  }
  for (std::int64_t sheet : precinct.recovery().returned) {
    response.add_notices(absl::StrCat("sheet ", sheet,
                                      " was in the reader at the restart: returned to the voter, "
                                      "not counted"));
  }
  for (std::int64_t sheet : precinct.reconciled()) {
    absl::StatusOr<SheetState> state = precinct.store().State(sheet);
    response.add_notices(absl::StrCat(
        "sheet ", sheet, " was decided to cast but the reader did not confirm its drop: ",
        state.ok() && *state == SheetState::kCast
            ? "the reader shows it reached the box: counted once"
            : "the reader shows it did not reach the box: returned, not counted"));
  }
  absl::StatusOr<std::vector<StoredProtocol>> protocols = precinct.Protocols();
  if (protocols.ok() && !protocols->empty()) {
    const StoredProtocol& newest = protocols->back();
    Receipt receipt;
    ReceiptBody body;
    const bool held = newest.receipt && receipt.ParseFromString(*newest.receipt) &&
                      body.ParseFromString(receipt.body()) &&
                      body.disposition() == RECEIPT_HELD_FOR_REVIEW;
    response.set_transmission(
        held             ? absl::StrCat("protocol revision ", newest.revision,
                                        " delivered, but the centre HOLDS IT FOR REVIEW and does not count "
                                                    "it: ",
                                        body.review_reason(), "; a corrected protocol releases it")
        : newest.receipt ? absl::StrCat("protocol revision ", newest.revision,
                                        " delivered; the centre's receipt is stored")
                         : absl::StrCat("protocol revision ", newest.revision,
                                        " final, waiting for the centre's receipt"));
  }
  return response;
}

absl::StatusOr<std::unique_ptr<ControlServer>> ControlServer::Listen(const std::string& path) {
  absl::StatusOr<sockaddr_un> addr = Address(path);
  if (!addr.ok()) return addr.status();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  ::unlink(path.c_str());  // a socket left by a previous run
  const mode_t old_mask = ::umask(0077);
  const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
  ::umask(old_mask);
  if (rc != 0 || ::listen(fd, 8) != 0) {
    absl::Status s = Errno(absl::StrCat("cannot listen on ", path));
    ::close(fd);
    return s;
  }
  return std::unique_ptr<ControlServer>(new ControlServer(fd, path));
}

ControlServer::~ControlServer() {
  ::close(fd_);
  ::unlink(path_.c_str());
}

absl::StatusOr<bool> ControlServer::ServeOne(
    std::chrono::milliseconds timeout,
    const std::function<ControlResponse(const ControlRequest&)>& handler) {
  pollfd p{fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready < 0 && errno != EINTR) return Errno("poll");
  if (ready <= 0) return false;
  const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return false;  // the peer went away
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  ControlRequest request;
  ControlResponse response;
  if (absl::Status s = ReadFrame(client, request, deadline); !s.ok()) {
    response.set_ok(false);
    response.set_error(std::string(s.message()));
  } else {
    response = handler(request);
  }
  (void)WriteFrame(client, response, deadline);  // a console that left does not stop the daemon
  ::close(client);
  return true;
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
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ControlResponse response;
  absl::Status s = WriteFrame(fd, request, deadline);
  if (s.ok()) s = ReadFrame(fd, response, deadline);
  ::close(fd);
  if (!s.ok()) return s;
  return response;
}

}  // namespace esep::scanner
