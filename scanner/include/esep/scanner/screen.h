#ifndef ESEP_SCANNER_SCREEN_H_
#define ESEP_SCANNER_SCREEN_H_

// The box's screen: a local web page (scanner/screen/) that esepd serves on the loopback
// interface only, for the voter (insert, counted, returned and why) and, behind a PIN per
// commission member, for the commission (test, open, close, lines, finalize). The page is a
// client like the console: each command it sends becomes a ControlRequest that esepd's main loop
// carries out with HandleControlRequest; the server's threads never touch the Precinct.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "esep/proto/control.pb.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/reader.pb.h"
#include "esep/proto/screen.pb.h"
#include "esep/scanner/ballot_flow.h"
#include "esep/scanner/precinct.h"
#include "esep/text/catalog.h"

namespace httplib {
class Server;
}

namespace esep::scanner {

// The commission members' PINs, hashed with libsodium's crypto_pwhash_str (Argon2id), one
// "NAME:HASH" line per member in a file only esepd's user reads (DATA_DIR/members).
class CommissionMembers {
 public:
  // An absent file is no member: nobody can sign in at the screen.
  static absl::StatusOr<CommissionMembers> Load(const std::filesystem::path& file);
  // Adds `name` with `pin` (4 to 12 digits), or replaces that member's PIN; the file is rewritten
  // atomically, owner-only.
  static absl::Status Add(const std::filesystem::path& file, const std::string& name,
                          const std::string& pin);
  bool Verify(const std::string& name, const std::string& pin) const;
  bool Has(const std::string& name) const { return hashes_.contains(name); }
  std::size_t size() const { return hashes_.size(); }

 private:
  std::map<std::string, std::string> hashes_;
};

// "127.0.0.1:8080" or "localhost:8080": the screen is for the box itself, never the network;
// any other host is refused.
absl::StatusOr<std::pair<std::string, int>> ParseScreenAddress(std::string_view address);

// What the voter is shown about a sheet esepd read.
VoterEvent VoterEventOf(const SheetResult& result, const Election& election);
// A reader fault from FeedSheet's error and the reader's status read before it was reset.
ReaderFault ReaderFaultOf(const absl::Status& error,
                          const absl::StatusOr<reader::DeviceStatus>& status);
// The screen's view of the precinct now (on the main loop: it reads the Precinct).
ScreenState DescribeForScreen(Precinct& precinct, const std::string& precinct_id,
                              const VoterEvent& voter, const std::optional<ReaderFault>& fault);

class ScreenServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: any free port (tests)
    std::filesystem::path assets;
    std::filesystem::path members_file;
    Election election;
    // Lines for the journal (wrong PINs, locks, refusals), in English.
    std::function<void(const std::string&)> log = nullptr;
    // The catalogs of the domain "esep" (po/esep/): the page's texts and the refusals, in the
    // language each request names ("ky", "ru"; English is the msgid). Without: the msgids.
    std::shared_ptr<const text::Catalog> catalog = nullptr;
    // Renders esepd's answer (test report, draft, protocol) as the PDF sheet the commission
    // prints: esepd passes the printed reports' renderer. Without it, printing is refused.
    std::function<absl::StatusOr<std::string>(const ControlResponse&)> print = nullptr;
    // The page polls; a window not heard from for this long gives the screen up to another.
    std::chrono::milliseconds claim_timeout{5000};
    std::chrono::minutes session_timeout{15};
    int attempts_before_lock = 3;
    std::chrono::seconds first_lock{30};
  };

  static absl::StatusOr<std::unique_ptr<ScreenServer>> Start(Options options);
  ~ScreenServer();
  ScreenServer(const ScreenServer&) = delete;
  ScreenServer& operator=(const ScreenServer&) = delete;

  int port() const { return port_; }
  // Readable while commands wait for the main loop (an eventfd): the loop polls it with the
  // control socket.
  int wake_fd() const { return wake_fd_; }
  // On the main loop: carries out every command the screen sent since the last call.
  void RunPending(const std::function<ControlResponse(const ControlRequest&)>& handler);
  // On the main loop: what the screen shows from now on.
  void Publish(ScreenState state);

  // The JSON bodies the page sends, parsed as the server parses them: bad input is an error,
  // never a crash (tests/fuzz/screen_request_fuzzer.cc).
  static absl::StatusOr<ScreenCommand> ParseCommand(std::string_view json);
  static absl::StatusOr<ScreenLogin> ParseLogin(std::string_view json);
  static absl::StatusOr<ScreenTextRequest> ParseTextRequest(std::string_view json);

 private:
  struct Pending {
    ControlRequest request;
    std::promise<ControlResponse> answer;
  };
  struct Session {
    std::string member;
    std::chrono::steady_clock::time_point last_used;
  };
  struct Attempts {
    int failures = 0;
    std::chrono::steady_clock::time_point locked_until;
  };

  explicit ScreenServer(Options options);
  void Routes();
  // Sends `request` to the main loop and waits for its answer.
  absl::StatusOr<ControlResponse> Carry(ControlRequest request);
  // Checks a member's PIN, counting wrong ones; an error in `language` when refused.
  absl::Status CheckPin(const std::string& member, const std::string& pin,
                        const std::string& language);
  std::string Text(const std::string& language, std::string_view msgid) const;
  void Log(const std::string& line) const;

  Options options_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
  int wake_fd_ = -1;

  std::mutex mutex_;  // guards everything below
  std::deque<std::shared_ptr<Pending>> pending_;
  std::string state_json_;
  ScreenState state_;
  std::string screen_token_;  // the window that is the box's screen
  std::chrono::steady_clock::time_point screen_seen_;
  std::map<std::string, Session> sessions_;   // by token
  std::map<std::string, Attempts> attempts_;  // by member name ("" for unknown names)
};

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_SCREEN_H_
