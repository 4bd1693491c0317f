#include <google/protobuf/util/json_util.h>
#include <httplib.h>
#include <sodium.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "esep/proto/protocol_checks.h"
#include "esep/scanner/control.h"
#include "esep/scanner/screen.h"
#include "esep/text/catalog.h"

namespace esep::scanner {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxBody = 64 * 1024;
constexpr std::size_t kMaxTexts = 1000;
constexpr std::uint64_t kMaxLine = 1'000'000'000;  // as the console's --lN flags
constexpr auto kMaxLock = std::chrono::seconds(600);
constexpr auto kAnswerWait = std::chrono::seconds(30);

template <typename Message>
absl::StatusOr<Message> ParseJson(std::string_view json) {
  if (json.size() > kMaxBody) return absl::InvalidArgumentError("the request is too large");
  Message message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &message, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request is not valid JSON of its kind: ", std::string(parsed.message())));
  }
  return message;
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return "{}";
  return json;
}

std::string RandomToken() {
  unsigned char bytes[24];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

void Reply(httplib::Response& res, int status, const ScreenReply& reply) {
  res.status = status;
  res.set_content(ToJson(reply), "application/json");
}

void Refuse(httplib::Response& res, int status, const std::string& error) {
  ScreenReply reply;
  reply.set_error(error);
  Reply(res, status, reply);
}

std::string Language(const std::string& language) {
  return language == "ky" || language == "en" ? language : "ru";
}

// The commands the page may send, in the console's words; the voter's need no member.
struct CommandWord {
  const char* word;
  ControlRequest::Command command;
  bool voter;
  bool two_members;
};
constexpr CommandWord kCommands[] = {
    {"cast-as-is", ControlRequest::CAST_AS_IS, true, false},
    {"return", ControlRequest::RETURN_BALLOT, true, false},
    {"start-test", ControlRequest::START_TEST, false, false},
    {"finish-test", ControlRequest::FINISH_TEST, false, false},
    {"test-report", ControlRequest::TEST_REPORT, false, false},
    {"expect", ControlRequest::SET_TEST_EXPECTATION, false, false},
    {"open", ControlRequest::OPEN_POLLS, false, false},
    {"zero-report", ControlRequest::ZERO_REPORT, false, false},
    {"close", ControlRequest::CLOSE_POLLS, false, true},
    {"results", ControlRequest::RESULTS_REPORT, false, false},
    {"lines", ControlRequest::ENTER_LINES, false, false},
    {"draft", ControlRequest::DRAFT_PROTOCOL, false, false},
    {"finalize", ControlRequest::FINALIZE_PROTOCOL, false, true},
    {"protocol", ControlRequest::PROTOCOL, false, false},
    {"resume", ControlRequest::RESUME_READER, false, false},
};

bool LinesInRange(const CommissionLines& lines) {
  for (const std::uint64_t value :
       {lines.voters_on_list(), lines.ballots_received(), lines.ballots_issued_in_room(),
        lines.ballots_issued_outside(), lines.ballots_cancelled(), lines.ballots_in_mobile_boxes(),
        lines.ballots_lost(), lines.ballots_not_counted_at_receipt()}) {
    if (value > kMaxLine) return false;
  }
  return lines.explanation().size() <= 4000;
}

}  // namespace

ScreenServer::ScreenServer(Options options) : options_(std::move(options)) {}

ScreenServer::~ScreenServer() {
  {
    std::lock_guard<std::mutex> hold(mutex_);
    for (const std::shared_ptr<Pending>& pending : pending_) {
      ControlResponse stopped;
      stopped.set_error("esepd is stopping");
      pending->answer.set_value(stopped);
    }
    pending_.clear();
  }
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

absl::StatusOr<std::unique_ptr<ScreenServer>> ScreenServer::Start(Options options) {
  if (sodium_init() < 0) return absl::InternalError("libsodium cannot start");
  std::unique_ptr<ScreenServer> server(new ScreenServer(std::move(options)));
  server->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (server->wake_fd_ < 0) return absl::InternalError("the screen: no eventfd");
  server->http_ = std::make_unique<httplib::Server>();
  if (!std::filesystem::is_regular_file(server->options_.assets / "index.html") ||
      !server->http_->set_mount_point("/", server->options_.assets.string())) {
    return absl::NotFoundError(absl::StrCat("the screen's pages are not in ",
                                            server->options_.assets.string(),
                                            " (no index.html); give --screen-assets DIR"));
  }
  server->Routes();
  const std::string& host = server->options_.host;
  server->port_ =
      server->options_.port == 0
          ? server->http_->bind_to_any_port(host)
          : (server->http_->bind_to_port(host, server->options_.port) ? server->options_.port : -1);
  if (server->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("the screen cannot listen on ", host, ":",
                                               server->options_.port,
                                               "; is another program using the port?"));
  }
  ScreenServer* self = server.get();
  server->thread_ = std::thread([self] { self->http_->listen_after_bind(); });
  return server;
}

std::string ScreenServer::Text(const std::string& language, std::string_view msgid) const {
  const std::optional<text::Language> parsed = text::ParseLanguage(Language(language));
  if (!options_.catalog || !parsed) return std::string(msgid);
  return options_.catalog->Get(*parsed, msgid);
}

void ScreenServer::Log(const std::string& line) const {
  if (options_.log) options_.log(absl::StrCat("screen: ", line));
}

absl::StatusOr<ScreenCommand> ScreenServer::ParseCommand(std::string_view json) {
  return ParseJson<ScreenCommand>(json);
}
absl::StatusOr<ScreenLogin> ScreenServer::ParseLogin(std::string_view json) {
  return ParseJson<ScreenLogin>(json);
}
absl::StatusOr<ScreenTextRequest> ScreenServer::ParseTextRequest(std::string_view json) {
  return ParseJson<ScreenTextRequest>(json);
}

void ScreenServer::Publish(ScreenState state) {
  std::lock_guard<std::mutex> hold(mutex_);
  state_ = std::move(state);
}

void ScreenServer::RunPending(
    const std::function<ControlResponse(const ControlRequest&)>& handler) {
  std::uint64_t count = 0;
  while (::read(wake_fd_, &count, sizeof count) == sizeof count) {
  }
  std::deque<std::shared_ptr<Pending>> taken;
  {
    std::lock_guard<std::mutex> hold(mutex_);
    taken.swap(pending_);
  }
  for (const std::shared_ptr<Pending>& pending : taken) {
    pending->answer.set_value(handler(pending->request));
  }
}

absl::StatusOr<ControlResponse> ScreenServer::Carry(ControlRequest request) {
  auto pending = std::make_shared<Pending>();
  pending->request = std::move(request);
  std::future<ControlResponse> answer = pending->answer.get_future();
  {
    std::lock_guard<std::mutex> hold(mutex_);
    pending_.push_back(pending);
  }
  const std::uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) != sizeof one) {
    return absl::InternalError("the screen cannot wake esepd");
  }
  if (answer.wait_for(kAnswerWait) != std::future_status::ready) {
    return absl::DeadlineExceededError("esepd did not answer in time");
  }
  return answer.get();
}

absl::Status ScreenServer::CheckPin(const std::string& member, const std::string& pin,
                                    const std::string& language) {
  absl::StatusOr<CommissionMembers> members = CommissionMembers::Load(options_.members_file);
  if (!members.ok()) {
    Log(absl::StrCat("the members file: ", members.status().message()));
    return absl::FailedPreconditionError(
        Text(language, N_("The commission's PINs cannot be read. Call the technician.")));
  }
  // Unknown names share one counter, so trying names is as slow as trying PINs.
  const std::string key = members->Has(member) ? member : "";
  const auto now = SteadyClock::now();
  {
    std::lock_guard<std::mutex> hold(mutex_);
    const Attempts& attempts = attempts_[key];
    if (now < attempts.locked_until) {
      const auto wait =
          std::chrono::ceil<std::chrono::seconds>(attempts.locked_until - now).count();
      Log(absl::StrCat("PIN of member \"", member, "\" refused unchecked: locked for ", wait,
                       " more seconds"));
      return absl::ResourceExhaustedError(absl::StrCat(
          Text(language, N_("Too many wrong PINs. Try again in seconds:")), " ", wait));
    }
  }
  const bool right = members->Verify(member, pin);
  std::lock_guard<std::mutex> hold(mutex_);
  Attempts& attempts = attempts_[key];
  if (right) {
    attempts.failures = 0;
    return absl::OkStatus();
  }
  ++attempts.failures;
  std::string locked;
  if (attempts.failures >= options_.attempts_before_lock) {
    const int doublings = std::min(attempts.failures - options_.attempts_before_lock, 10);
    const auto lock =
        std::min<std::chrono::seconds>(options_.first_lock * (1 << doublings), kMaxLock);
    attempts.locked_until = SteadyClock::now() + lock;
    locked = absl::StrCat("; locked for ", lock.count(), " s");
  }
  Log(absl::StrCat("wrong PIN for member \"", member, "\" (", attempts.failures, " in a row",
                   locked, ")"));
  return absl::PermissionDeniedError(Text(language, N_("Wrong member or PIN.")));
}

void ScreenServer::Routes() {
  http_->set_payload_max_length(kMaxBody);
  http_->set_default_headers({
      {"Content-Security-Policy",
       "default-src 'self'; frame-src blob:; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'none'"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
  });
  // Only the box itself: a loopback peer that names this server as its host (a page of another
  // name that resolves here, DNS rebinding, is refused) and, for anything but reading, a page of
  // this origin sending JSON (a form or a script of another site is refused).
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const std::string port = std::to_string(port_);
    const std::string host = req.get_header_value("Host");
    const bool host_ok = host == "127.0.0.1:" + port || host == "localhost:" + port;
    const bool from_box = req.remote_addr == "127.0.0.1" || req.remote_addr == "::1";
    const bool reading = req.method == "GET" || req.method == "HEAD";
    const std::string origin = req.get_header_value("Origin");
    const bool origin_ok = (reading && !req.has_header("Origin")) ||
                           origin == "http://127.0.0.1:" + port ||
                           origin == "http://localhost:" + port;
    const bool json_ok =
        reading || absl::StartsWith(req.get_header_value("Content-Type"), "application/json");
    if (host_ok && from_box && origin_ok && json_ok)
      return httplib::Server::HandlerResponse::Unhandled;
    Log(absl::StrCat("refused ", req.method, " ", req.path, " from ", req.remote_addr, " (Host \"",
                     host, "\", Origin \"", origin, "\")"));
    Refuse(res, 403,
           "refused: the screen answers only the box's own browser, at http://127.0.0.1:" + port);
    return httplib::Server::HandlerResponse::Handled;
  });

  http_->Get("/api/state", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string token = req.get_param_value("screen");
    std::lock_guard<std::mutex> hold(mutex_);
    ScreenState state = state_;
    const bool claimed = !token.empty() && token == screen_token_;
    if (claimed) screen_seen_ = SteadyClock::now();
    state.set_screen_claimed(claimed);
    // esepd's sentences in the page's language.
    const std::string asked = req.get_param_value("language");
    const std::optional<text::Language> language = text::ParseLanguage(Language(asked));
    const text::Catalog* catalog = options_.catalog.get();
    if (!asked.empty() && language && catalog != nullptr) {
      state.set_transmission(
          SayToPeople(state.transmission_sentence(), state.transmission(), catalog, *language));
      for (int i = 0; i < state.notice_sentences_size() && i < state.notices_size(); ++i) {
        state.set_notices(
            i, SayToPeople(state.notice_sentences(i), state.notices(i), catalog, *language));
      }
    }
    state.clear_transmission_sentence();
    state.clear_notice_sentences();
    res.set_content(ToJson(state), "application/json");
  });

  http_->Post("/api/claim", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string language = Language(req.get_param_value("language"));
    std::lock_guard<std::mutex> hold(mutex_);
    if (!screen_token_.empty() && SteadyClock::now() - screen_seen_ < options_.claim_timeout) {
      Log("a second window asked for the screen; refused");
      return Refuse(res, 409,
                    Text(language, N_("The screen is already open in another window. Close this "
                                      "window; use the one that is open.")));
    }
    screen_token_ = RandomToken();
    screen_seen_ = SteadyClock::now();
    sessions_.clear();  // a new window starts signed out
    ScreenReply reply;
    reply.set_ok(true);
    reply.set_screen(screen_token_);
    Reply(res, 200, reply);
  });

  http_->Post("/api/text", [this](const httplib::Request& req, httplib::Response& res) {
    absl::StatusOr<ScreenTextRequest> request = ParseTextRequest(req.body);
    if (!request.ok()) return Refuse(res, 400, std::string(request.status().message()));
    if (request->msgids_size() > static_cast<int>(kMaxTexts)) {
      return Refuse(res, 400, "too many texts asked for at once");
    }
    ScreenTextReply reply;
    for (const std::string& msgid : request->msgids()) {
      (*reply.mutable_texts())[msgid] = Text(request->language(), msgid);
    }
    res.set_content(ToJson(reply), "application/json");
  });

  // The window that is the box's screen; a second window changes nothing.
  const auto is_screen = [this](const httplib::Request& req) {
    const std::string token = req.get_header_value("X-Esep-Screen");
    std::lock_guard<std::mutex> hold(mutex_);
    if (token.empty() || token != screen_token_) return false;
    screen_seen_ = SteadyClock::now();
    return true;
  };

  http_->Post("/api/login", [this, is_screen](const httplib::Request& req, httplib::Response& res) {
    absl::StatusOr<ScreenLogin> login = ParseLogin(req.body);
    if (!login.ok()) return Refuse(res, 400, std::string(login.status().message()));
    const std::string& language = login->language();
    if (!is_screen(req)) {
      return Refuse(res, 409,
                    Text(language, N_("The screen is already open in another window. Close this "
                                      "window; use the one that is open.")));
    }
    if (absl::Status pin = CheckPin(login->member(), login->pin(), language); !pin.ok()) {
      return Refuse(res, absl::IsResourceExhausted(pin) ? 429 : 403, std::string(pin.message()));
    }
    ScreenReply reply;
    reply.set_ok(true);
    reply.set_session(RandomToken());
    reply.set_member(login->member());
    {
      std::lock_guard<std::mutex> hold(mutex_);
      sessions_[reply.session()] = {login->member(), SteadyClock::now()};
    }
    Log(absl::StrCat("member \"", login->member(), "\" signed in"));
    Reply(res, 200, reply);
  });

  http_->Post("/api/command", [this, is_screen](const httplib::Request& req,
                                                httplib::Response& res) {
    absl::StatusOr<ScreenCommand> command = ParseCommand(req.body);
    if (!command.ok()) return Refuse(res, 400, std::string(command.status().message()));
    const std::string& language = command->language();
    if (!is_screen(req)) {
      return Refuse(res, 409,
                    Text(language, N_("The screen is already open in another window. Close this "
                                      "window; use the one that is open.")));
    }
    const std::string session_token = req.get_header_value("X-Esep-Session");
    std::optional<std::string> member;
    {
      std::lock_guard<std::mutex> hold(mutex_);
      const auto session = sessions_.find(session_token);
      if (session != sessions_.end()) {
        if (SteadyClock::now() - session->second.last_used > options_.session_timeout) {
          sessions_.erase(session);
        } else {
          session->second.last_used = SteadyClock::now();
          member = session->second.member;
        }
      }
      if (command->command() == "logout") {
        if (member) Log(absl::StrCat("member \"", *member, "\" signed out"));
        sessions_.erase(session_token);
        ScreenReply reply;
        reply.set_ok(true);
        return Reply(res, 200, reply);
      }
    }
    const auto word =
        std::find_if(std::begin(kCommands), std::end(kCommands),
                     [&](const CommandWord& w) { return w.word == command->command(); });
    if (word == std::end(kCommands)) {
      return Refuse(res, 400, Text(language, N_("Unknown command.")));
    }
    if (!word->voter && !member) {
      return Refuse(res, 401, Text(language, N_("Sign in with your PIN first.")));
    }
    if (word->two_members) {
      if (command->second_member().empty() || command->second_member() == *member) {
        return Refuse(res, 403,
                      Text(language, N_("A second member of the commission must confirm with "
                                        "their own PIN.")));
      }
      if (absl::Status pin = CheckPin(command->second_member(), command->second_pin(), language);
          !pin.ok()) {
        return Refuse(res, absl::IsResourceExhausted(pin) ? 429 : 403, std::string(pin.message()));
      }
    }
    ControlRequest request;
    request.set_command(word->command);
    if (word->command == ControlRequest::ENTER_LINES) {
      if (!LinesInRange(command->lines())) {
        return Refuse(res, 400,
                      Text(language, N_("A number is out of range: every line is 0 to "
                                        "1,000,000,000.")));
      }
      *request.mutable_lines() = command->lines();
    }
    if (word->command == ControlRequest::SET_TEST_EXPECTATION) {
      *request.mutable_test_expectation() = command->test_expectation();
    }
    request.set_confirmed_lines_sha256(command->confirmed_lines_sha256());
    if (member) {
      Log(absl::StrCat(command->command(), " by member \"", *member, "\"",
                       word->two_members ? absl::StrCat(", confirmed by member \"",
                                                        command->second_member(), "\"")
                                         : ""));
    }
    absl::StatusOr<ControlResponse> response = Carry(std::move(request));
    if (!response.ok()) return Refuse(res, 503, std::string(response.status().message()));
    // The page's language for esepd's sentences and reports.
    const std::optional<text::Language> said = text::ParseLanguage(Language(language));
    if (said && options_.catalog != nullptr) {
      response->set_report(ReportToPeople(*response, options_.catalog.get(), *said));
    }
    if (command->print() && response->ok()) {
      if (!options_.print) return Refuse(res, 501, Text(language, N_("Printing is not set up.")));
      absl::StatusOr<std::string> pdf = options_.print(*response);
      if (!pdf.ok()) return Refuse(res, 500, std::string(pdf.status().message()));
      res.status = 200;
      res.set_content(*pdf, "application/pdf");
      return;
    }
    ScreenReply reply;
    reply.set_ok(response->ok());
    if (said && options_.catalog != nullptr) {
      reply.set_error(SayToPeople(response->error_sentences(), response->error(),
                                  options_.catalog.get(), *said));
    } else {
      reply.set_error(response->error());
    }
    reply.set_report(response->report());
    reply.set_lines_sha256(response->lines_sha256());
    if (!response->protocol().empty() &&
        reply.mutable_protocol()->ParseFromString(response->protocol())) {
      for (const ProtocolCheck& check : CheckProtocol(
               reply.protocol(), options_.election, reply.protocol().ballots_in_stationary_box())) {
        ProtocolRelation* relation = reply.add_relations();
        relation->set_relation(check.relation);
        relation->set_blocking(check.blocking);
        relation->set_holds(check.holds);
        relation->set_detail(check.detail);
      }
    }
    Reply(res, response->ok() ? 200 : 409, reply);
  });
}

}  // namespace esep::scanner
