#include "esep/scanner/control.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

namespace esep::scanner {
namespace {

std::string SocketPath() {
  return (std::filesystem::temp_directory_path() /
          ("esep-ctl-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".sock"))
      .string();
}

TEST(ControlServerTest, AnswersOneRequestPerConnection) {
  const std::string path = SocketPath();
  absl::StatusOr<std::unique_ptr<ControlServer>> server = ControlServer::Listen(path);
  ASSERT_TRUE(server.ok()) << server.status();
  std::thread console([&] {
    ControlRequest request;
    request.set_command(ControlRequest::CLOSE_POLLS);
    absl::StatusOr<ControlResponse> response =
        SendControlRequest(path, request, std::chrono::seconds(5));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->poll_state(), "closed");
  });
  absl::StatusOr<bool> served = (*server)->Serve(std::chrono::seconds(5), [](const auto& r) {
    ControlResponse response;
    response.set_ok(r.command() == ControlRequest::CLOSE_POLLS);
    response.set_poll_state("closed");
    return response;
  });
  console.join();
  ASSERT_TRUE(served.ok());
  EXPECT_TRUE(*served);
}

TEST(ControlServerTest, NoConnectionIsNotAnError) {
  absl::StatusOr<std::unique_ptr<ControlServer>> server = ControlServer::Listen(SocketPath());
  ASSERT_TRUE(server.ok());
  absl::StatusOr<bool> served = (*server)->Serve(std::chrono::milliseconds(10),
                                                 [](const auto&) { return ControlResponse(); });
  ASSERT_TRUE(served.ok());
  EXPECT_FALSE(*served);
}

// esepd's loop waits in Serve() on the reader's event descriptor too: a readable one ends the
// wait at once with true, like a console's request, and leaves the descriptor to the caller.
TEST(ControlServerTest, TheReadersDescriptorEndsTheWait) {
  absl::StatusOr<std::unique_ptr<ControlServer>> server = ControlServer::Listen(SocketPath());
  ASSERT_TRUE(server.ok());
  const int reader_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ASSERT_GE(reader_fd, 0);
  const auto no_handler = [](const auto&) { return ControlResponse(); };
  absl::StatusOr<bool> idle =
      (*server)->Serve(std::chrono::milliseconds(10), no_handler, reader_fd);
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(*idle);
  const std::uint64_t one = 1;
  ASSERT_EQ(::write(reader_fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
  // A wait of a minute that the reader ends: the test would take a minute and fail otherwise.
  absl::StatusOr<bool> woken = (*server)->Serve(std::chrono::minutes(1), no_handler, reader_fd);
  ASSERT_TRUE(woken.ok());
  EXPECT_TRUE(*woken);
  ::close(reader_fd);
}

// Sends raw bytes and returns the daemon's answer.
ControlResponse SendRaw(ControlServer& server, const std::string& path, const std::string& bytes,
                        bool* handler_called) {
  ControlResponse answer;
  std::thread peer([&] {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
    ::shutdown(fd, SHUT_WR);
    std::string reply;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, n);
    ::close(fd);
    ASSERT_GE(reply.size(), 4u);
    ASSERT_TRUE(answer.ParseFromString(reply.substr(4)));
  });
  *handler_called = false;
  absl::StatusOr<bool> served = server.Serve(std::chrono::seconds(5), [&](const auto&) {
    *handler_called = true;
    return ControlResponse();
  });
  peer.join();
  EXPECT_TRUE(served.ok() && *served);
  return answer;
}

TEST(ControlServerTest, RefusesMalformedAndOversizeRequests) {
  const std::string path = SocketPath();
  absl::StatusOr<std::unique_ptr<ControlServer>> server = ControlServer::Listen(path);
  ASSERT_TRUE(server.ok());
  bool called = false;
  ControlResponse oversize = SendRaw(**server, path, std::string("\xff\xff\xff\xff", 4), &called);
  EXPECT_FALSE(called);
  EXPECT_FALSE(oversize.ok());
  EXPECT_NE(oversize.error().find("exceeds the limit"), std::string::npos) << oversize.error();
  ControlResponse garbage =
      SendRaw(**server, path, std::string("\0\0\0\3\xff\xff\xff", 7), &called);
  EXPECT_FALSE(called);
  EXPECT_NE(garbage.error().find("not a valid protobuf"), std::string::npos) << garbage.error();
  ControlResponse truncated = SendRaw(**server, path, std::string("\0\0\0\x10\x08", 5), &called);
  EXPECT_FALSE(called);
  EXPECT_FALSE(truncated.ok());
}

using SteadyClock = std::chrono::steady_clock;

int Connect(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads one framed answer, or nothing when the connection closes first.
std::optional<ControlResponse> ReadAnswer(int fd) {
  std::string reply;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, n);
  ControlResponse answer;
  if (reply.size() < 4 || !answer.ParseFromString(reply.substr(4))) return std::nullopt;
  return answer;
}

std::string StatusRequestFrame() {
  ControlRequest request;
  request.set_command(ControlRequest::STATUS);
  const std::string body = request.SerializeAsString();
  return std::string{0, 0, 0, static_cast<char>(body.size())} + body;
}

ControlResponse Answer(const ControlRequest&) {
  ControlResponse response;
  response.set_ok(true);
  response.set_poll_state("open");
  return response;
}

// Serves as esepd's main loop does, in short turns, until `done` or `limit`.
void ServeUntil(ControlServer& server, const std::atomic<bool>& done,
                std::chrono::milliseconds limit,
                const std::function<ControlResponse(const ControlRequest&)>& handler = Answer) {
  const auto end = SteadyClock::now() + limit;
  while (!done && SteadyClock::now() < end) {
    ASSERT_TRUE(server.Serve(std::chrono::milliseconds(50), handler).ok());
  }
}

// The console's STATUS on its own thread; `answered_after` is how long it waited.
std::thread Console(const std::string& path, std::atomic<bool>& done,
                    std::chrono::milliseconds& answered_after) {
  return std::thread([&path, &done, &answered_after] {
    const auto start = SteadyClock::now();
    ControlRequest request;
    request.set_command(ControlRequest::STATUS);
    absl::StatusOr<ControlResponse> response =
        SendControlRequest(path, request, std::chrono::seconds(20));
    answered_after =
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
    EXPECT_TRUE(response.ok()) << response.status();
    if (response.ok()) {
      EXPECT_EQ(response->poll_state(), "open");
    }
    done = true;
  });
}

TEST(ControlServerTest, ASilentClientDoesNotHoldUpTheConsole) {
  const std::string path = SocketPath();
  absl::StatusOr<std::unique_ptr<ControlServer>> server = ControlServer::Listen(path);
  ASSERT_TRUE(server.ok()) << server.status();
  const int silent = Connect(path);  // connects and sends nothing
  ASSERT_GE(silent, 0);
  std::atomic<bool> done = false;
  std::chrono::milliseconds waited{};
  std::thread console = Console(path, done, waited);
  ServeUntil(**server, done, std::chrono::seconds(20));
  console.join();
  EXPECT_LT(waited, std::chrono::seconds(2)) << "the console waited behind a silent client";
  ::close(silent);
}

TEST(ControlServerTest, AClientThatDoesNotReadItsAnswerDoesNotHoldUpTheConsole) {
  const std::string path = SocketPath();
  absl::StatusOr<std::unique_ptr<ControlServer>> server = ControlServer::Listen(path);
  ASSERT_TRUE(server.ok()) << server.status();
  // An answer far larger than a socket's buffer.
  const auto large = [](const ControlRequest& request) {
    ControlResponse response = Answer(request);
    response.set_report(std::string(kMaxControlMessage - 1000, 'x'));
    return response;
  };
  const int deaf = Connect(path);  // asks and never reads
  ASSERT_GE(deaf, 0);
  const std::string frame = StatusRequestFrame();
  ASSERT_EQ(::send(deaf, frame.data(), frame.size(), 0), static_cast<ssize_t>(frame.size()));
  std::atomic<bool> done = false;
  std::chrono::milliseconds waited{};
  std::thread console = Console(path, done, waited);
  // A server blocked in sending to the deaf client would wait for ever: after 10 s it goes.
  std::thread leaves([&] {
    const auto end = SteadyClock::now() + std::chrono::seconds(10);
    while (!done && SteadyClock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::shutdown(deaf, SHUT_RDWR);
  });
  ServeUntil(**server, done, std::chrono::seconds(20), large);
  console.join();
  leaves.join();
  EXPECT_LT(waited, std::chrono::seconds(2)) << "the console waited behind a client not reading";
  ::close(deaf);
}

TEST(ControlServerTest, ARequestInPiecesIsAnsweredAcrossTurns) {
  const std::string path = SocketPath();
  absl::StatusOr<std::unique_ptr<ControlServer>> server = ControlServer::Listen(path);
  ASSERT_TRUE(server.ok()) << server.status();
  std::atomic<bool> done = false;
  std::optional<ControlResponse> answer;
  std::thread slow([&] {
    const int fd = Connect(path);
    ASSERT_GE(fd, 0);
    for (char byte : StatusRequestFrame()) {
      ASSERT_EQ(::send(fd, &byte, 1, 0), 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    answer = ReadAnswer(fd);
    ::close(fd);
    done = true;
  });
  ServeUntil(**server, done, std::chrono::seconds(20));
  slow.join();
  ASSERT_TRUE(answer.has_value());
  EXPECT_TRUE(answer->ok());
  EXPECT_EQ(answer->poll_state(), "open");
}

TEST(ControlServerTest, ATooSlowClientIsDroppedWithAnError) {
  const std::string path = SocketPath();
  ControlServer::Options options;
  options.client_deadline = std::chrono::milliseconds(200);
  absl::StatusOr<std::unique_ptr<ControlServer>> server = ControlServer::Listen(path, options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::atomic<bool> done = false;
  std::optional<ControlResponse> answer;
  std::thread slow([&] {
    const int fd = Connect(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, "\0\0", 2, 0), 2);  // half a length, then nothing
    answer = ReadAnswer(fd);
    ::close(fd);
    done = true;
  });
  bool handler_called = false;
  ServeUntil(**server, done, std::chrono::seconds(20), [&](const ControlRequest& request) {
    handler_called = true;
    return Answer(request);
  });
  slow.join();
  EXPECT_FALSE(handler_called);
  ASSERT_TRUE(answer.has_value());
  EXPECT_FALSE(answer->ok());
  EXPECT_NE(answer->error().find("no complete request within 200 ms"), std::string::npos)
      << answer->error();
  EXPECT_EQ((*server)->pending_clients(), 0u);
}

TEST(ControlServerTest, ConsolesBeyondTheLimitAreTurnedAwayWithAnAnswer) {
  const std::string path = SocketPath();
  ControlServer::Options options;
  options.max_clients = 2;
  absl::StatusOr<std::unique_ptr<ControlServer>> server = ControlServer::Listen(path, options);
  ASSERT_TRUE(server.ok()) << server.status();
  const int first = Connect(path), second = Connect(path), third = Connect(path);
  ASSERT_TRUE(first >= 0 && second >= 0 && third >= 0);
  ASSERT_TRUE((*server)->Serve(std::chrono::milliseconds(50), Answer).ok());
  EXPECT_EQ((*server)->pending_clients(), 2u);
  std::optional<ControlResponse> busy = ReadAnswer(third);
  ASSERT_TRUE(busy.has_value());
  EXPECT_FALSE(busy->ok());
  EXPECT_NE(busy->error().find("busy"), std::string::npos) << busy->error();
  for (int fd : {first, second, third}) ::close(fd);
}

TEST(ControlServerTest, ListenRefusesAPathThatIsNotASocketAndLeavesIt) {
  const std::string path = SocketPath();
  {
    std::ofstream store(path, std::ios::binary);
    store << "SQLite format 3";
  }
  absl::StatusOr<std::unique_ptr<ControlServer>> server = ControlServer::Listen(path);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(server.status().message().find(path + " exists and is not a socket"), std::string::npos)
      << server.status().message();
  std::ifstream kept(path, std::ios::binary);
  std::string contents((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
  EXPECT_EQ(contents, "SQLite format 3");

  // Nor a link, even to a socket.
  const std::string link = path + ".link";
  ASSERT_EQ(::symlink(path.c_str(), link.c_str()), 0);
  EXPECT_FALSE(ControlServer::Listen(link).ok());
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  std::filesystem::remove(link);
  std::filesystem::remove(path);
}

TEST(ControlServerTest, ListenReplacesASocketNoDaemonAnswersOn) {
  const std::string path = SocketPath();
  {
    // A daemon killed with its socket left behind.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    ::close(fd);
  }
  ASSERT_TRUE(std::filesystem::is_socket(path));
  absl::StatusOr<std::unique_ptr<ControlServer>> server = ControlServer::Listen(path);
  ASSERT_TRUE(server.ok()) << server.status();
  std::atomic<bool> done = false;
  std::chrono::milliseconds waited{};
  std::thread console = Console(path, done, waited);
  ServeUntil(**server, done, std::chrono::seconds(20));
  console.join();
  EXPECT_TRUE(done);
}

TEST(ControlServerTest, ListenRefusesASocketAnotherDaemonAnswersOn) {
  const std::string path = SocketPath();
  absl::StatusOr<std::unique_ptr<ControlServer>> first = ControlServer::Listen(path);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<ControlServer>> second = ControlServer::Listen(path);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("another daemon answers on " + path), std::string::npos)
      << second.status().message();
  // The first daemon keeps its socket.
  std::atomic<bool> done = false;
  std::chrono::milliseconds waited{};
  std::thread console = Console(path, done, waited);
  ServeUntil(**first, done, std::chrono::seconds(20));
  console.join();
  EXPECT_TRUE(done);
}

TEST(ControlServerTest, ConsoleGetsAClearErrorWhenNoDaemonListens) {
  ControlRequest request;
  request.set_command(ControlRequest::STATUS);
  absl::StatusOr<ControlResponse> response =
      SendControlRequest(SocketPath(), request, std::chrono::seconds(1));
  ASSERT_FALSE(response.ok());
  EXPECT_NE(std::string(response.status().message()).find("esepd is not answering"),
            std::string::npos);
}

}  // namespace
}  // namespace esep::scanner
