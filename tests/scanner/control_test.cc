#include "esep/scanner/control.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
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
  absl::StatusOr<bool> served = (*server)->ServeOne(std::chrono::seconds(5), [](const auto& r) {
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
  absl::StatusOr<bool> served = (*server)->ServeOne(std::chrono::milliseconds(10),
                                                    [](const auto&) { return ControlResponse(); });
  ASSERT_TRUE(served.ok());
  EXPECT_FALSE(*served);
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
  absl::StatusOr<bool> served = server.ServeOne(std::chrono::seconds(5), [&](const auto&) {
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
