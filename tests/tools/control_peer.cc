// A console that misbehaves, for the daemon-level tests: holds COUNT connections to esepd's
// control socket for SECONDS, sending nothing (silent) or half of a request's length (partial),
// and never reads an answer.
// Usage: control_peer SOCKET silent|partial COUNT SECONDS
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 5 || (std::strcmp(argv[2], "silent") != 0 && std::strcmp(argv[2], "partial") != 0)) {
    std::fprintf(stderr, "usage: control_peer SOCKET silent|partial COUNT SECONDS\n");
    return 2;
  }
  const std::string path = argv[1];
  const bool partial = std::strcmp(argv[2], "partial") == 0;
  const int count = std::atoi(argv[3]);
  const unsigned seconds = static_cast<unsigned>(std::atoi(argv[4]));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return 2;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  std::vector<int> held;
  for (int i = 0; i < count; ++i) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::perror("control_peer: connect");
      return 1;
    }
    if (partial && ::send(fd, "\0\0", 2, MSG_NOSIGNAL) != 2) {
      std::perror("control_peer: send");
      return 1;
    }
    held.push_back(fd);
  }
  std::printf("holding %d %s connections\n", count, argv[2]);
  std::fflush(stdout);
  ::sleep(seconds);
  for (int fd : held) ::close(fd);
  return 0;
}
