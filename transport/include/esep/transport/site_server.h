#ifndef ESEP_TRANSPORT_SITE_SERVER_H_
#define ESEP_TRANSPORT_SITE_SERVER_H_

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace esep::transport {

// The file under `generation` that the URL path `target` names ("/ky/index.html"; a directory
// means its index.html); empty for a path with "." or ".." segments or a backslash, or one that
// names no plain file. Nothing outside `generation` is ever named.
std::filesystem::path SiteFileOf(const std::filesystem::path& generation, std::string_view target);

// Serves the public results site from one machine (docs/results-site.md): GET and HEAD of the
// files of the generation that `current` under the site's root points to, read-only. Each
// request reads `current` once, so it gets a whole file of one generation, named in the
// X-Esep-Generation header. Any web server or
// mirror can serve the same directory instead; this one is for a single machine, loopback by
// default.
class SiteServer {
 public:
  // `host` "127.0.0.1" by default; port 0 picks a free one.
  static absl::StatusOr<std::unique_ptr<SiteServer>> Start(std::filesystem::path root,
                                                           std::string host, int port);
  ~SiteServer();
  SiteServer(const SiteServer&) = delete;
  SiteServer& operator=(const SiteServer&) = delete;

  int port() const { return port_; }
  // The requests answered with a file so far.
  std::uint64_t files_served() const { return files_served_; }
  void Stop();

 private:
  SiteServer() = default;

  std::filesystem::path root_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<std::uint64_t> files_served_{0};
};

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_SITE_SERVER_H_
