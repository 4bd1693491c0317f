#include "esep/transport/site_server.h"

#include <httplib.h>

#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace esep::transport {
namespace fs = std::filesystem;
namespace {

std::string ContentType(const fs::path& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".sig", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
  };
  auto it = kTypes.find(path.extension().string());
  return it != kTypes.end() ? it->second : "application/octet-stream";
}

}  // namespace

fs::path SiteFileOf(const fs::path& generation, std::string_view target) {
  fs::path path = generation;
  for (const std::string& segment :
       std::vector<std::string>(absl::StrSplit(std::string(target), '/', absl::SkipEmpty()))) {
    if (segment == "." || segment == ".." || segment.find('\\') != std::string::npos) return {};
    path /= segment;
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) path /= "index.html";
  if (!fs::is_regular_file(path, ec)) return {};
  return path;
}

absl::StatusOr<std::unique_ptr<SiteServer>> SiteServer::Start(fs::path root, std::string host,
                                                              int port) {
  std::unique_ptr<SiteServer> server(new SiteServer());
  server->root_ = std::move(root);
  server->server_ = std::make_unique<httplib::Server>();
  SiteServer* self = server.get();
  auto serve = [self](const httplib::Request& request, httplib::Response& response) {
    std::error_code ec;
    // Read `current` once: every byte of this answer comes from one generation.
    const fs::path link = self->root_ / "current";
    const fs::path target = fs::read_symlink(link, ec);
    const fs::path generation = ec ? link : self->root_ / target;
    const fs::path file = SiteFileOf(generation, request.path);
    if (file.empty()) {
      response.status = 404;
      response.set_content("not found\n", "text/plain");
      return;
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in) {
      response.status = 404;
      response.set_content("not found\n", "text/plain");
      return;
    }
    response.set_header("Cache-Control", "no-cache");
    // Which publication answered: a mirror or a test checks the file against its manifest.
    if (!ec) response.set_header("X-Esep-Generation", target.filename().string());
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_content(bytes.str(), ContentType(file).c_str());
    ++self->files_served_;
  };
  server->server_->Get(".*", serve);
  server->server_->new_task_queue = [] { return new httplib::ThreadPool(8); };
  // Headers and body go out as separate writes: without TCP_NODELAY each keep-alive answer
  // waits for the reader's delayed acknowledgement (tens of milliseconds).
  server->server_->set_tcp_nodelay(true);
  if (port == 0) {
    server->port_ = server->server_->bind_to_any_port(host);
  } else if (server->server_->bind_to_port(host, port)) {
    server->port_ = port;
  } else {
    server->port_ = -1;
  }
  if (server->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", host, ":", port,
                                               " for the results site: is the port taken?"));
  }
  server->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  return server;
}

void SiteServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

SiteServer::~SiteServer() { Stop(); }

}  // namespace esep::transport
