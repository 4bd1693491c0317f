// esep poll: the commission's console for esepd (status, test, open, close, reports, voter).
#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "command_line.h"
#include "commands.h"
#include "esep/proto/deck.pb.h"
#include "esep/proto/election.h"
#include "esep/report/protocol_sheet.h"
#include "esep/scanner/control.h"
#include "esep/text/catalog.h"

namespace esep::cli {

namespace {

// Prints the answer on paper (--pdf, --png): the test sheet or the protocol sheet (with its QR
// codes once signed) when the election is given, otherwise the report's text; `report_text` is
// the report in the commission's language.
absl::Status Print(const CommandLine& cl, ControlResponse response,
                   const std::string& report_text) {
  const std::optional<std::string> pdf = cl.Get("pdf");
  const std::optional<std::string> png = cl.Get("png");
  if (!pdf && !png) return absl::OkStatus();
  std::optional<Election> election;
  if (const std::optional<std::string> election_path = cl.Get("election")) {
    absl::StatusOr<Election> loaded = LoadElectionFile(*election_path);
    if (!loaded.ok()) return loaded.status();
    election = *std::move(loaded);
  } else if (!response.protocol().empty()) {
    return absl::InvalidArgumentError("printing the protocol sheet needs --election E.json");
  }
  response.set_report(report_text);
  for (const auto& [path, format] :
       {std::pair{pdf, report::SheetFormat::kPdf}, std::pair{png, report::SheetFormat::kPng}}) {
    if (!path) continue;
    absl::StatusOr<report::WrittenSheet> written =
        report::RenderAnswer(election ? &*election : nullptr, response, format, 200, *path);
    if (!written.ok()) return written.status();
  }
  return absl::OkStatus();
}

// The lines line by line: each --lN flag names one protocol line.
struct LineFlag {
  const char* flag;
  const char* help;
  void (CommissionLines::*set)(std::uint64_t);
};
constexpr LineFlag kLineFlags[] = {
    {"l1", "with lines: L1, voters on the list", &CommissionLines::set_voters_on_list},
    {"l2", "with lines: L2, ballots received", &CommissionLines::set_ballots_received},
    {"l3", "with lines: L3, ballots issued in the room",
     &CommissionLines::set_ballots_issued_in_room},
    {"l4", "with lines: L4, ballots issued outside the room",
     &CommissionLines::set_ballots_issued_outside},
    {"l5", "with lines: L5, cancelled ballots", &CommissionLines::set_ballots_cancelled},
    {"l7", "with lines: L7, ballots in mobile boxes",
     &CommissionLines::set_ballots_in_mobile_boxes},
    {"l10", "with lines: L10, lost ballots", &CommissionLines::set_ballots_lost},
    {"l11", "with lines: L11, ballots not counted at receipt",
     &CommissionLines::set_ballots_not_counted_at_receipt},
};

// The commission's lines from --file (JSON) and/or the --lN and --explanation flags; a flag
// overrides the file's field. Errors name the field.
absl::StatusOr<CommissionLines> ReadLines(const CommandLine& cl) {
  CommissionLines lines;
  bool any = false;
  if (const std::optional<std::string> path = cl.Get("file")) {
    any = true;
    std::ifstream in(*path);
    std::stringstream json;
    json << in.rdbuf();
    if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", *path));
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    if (const auto parsed =
            google::protobuf::util::JsonStringToMessage(json.str(), &lines, options);
        !parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(*path, " is not a commission-lines JSON file (see docs/esepd.md): ",
                       std::string(parsed.message())));
    }
  }
  for (const LineFlag& line : kLineFlags) {
    if (!cl.Has(line.flag)) continue;
    any = true;
    absl::StatusOr<long long> value = cl.GetInt(line.flag, 0, 0, 1'000'000'000);
    if (!value.ok()) return value.status();
    (lines.*line.set)(static_cast<std::uint64_t>(*value));
  }
  if (const std::optional<std::string> text = cl.Get("explanation")) {
    any = true;
    lines.set_explanation(*text);
  }
  if (!any) {
    return absl::InvalidArgumentError(
        "give the lines as flags (--l1 N --l2 N --l3 N ... --explanation TEXT) or --file "
        "LINES.json");
  }
  return lines;
}

// The counts the commission expects from its test deck: --votes CONTEST/OPTION=N,... (the deck's
// marks) or --deck MANIFEST.json (a deck manifest's test ballots that are not returned, each
// selection one vote). Either names the whole deck: every other option expects 0.
absl::StatusOr<TestExpectation> ReadExpectation(const CommandLine& cl) {
  std::map<std::pair<std::string, std::string>, std::uint64_t> votes;
  if (const std::optional<std::string> list = cl.Get("votes")) {
    for (const absl::string_view item : absl::StrSplit(*list, ',', absl::SkipWhitespace())) {
      const std::vector<std::string> parts = absl::StrSplit(item, absl::ByAnyChar("/="));
      std::uint64_t n = 0;
      if (parts.size() != 3 || parts[0].empty() || parts[1].empty() ||
          !absl::SimpleAtoi(parts[2], &n)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--votes ", item, ": each count is CONTEST/OPTION=N, e.g. president/japarov=1"));
      }
      votes[{parts[0], parts[1]}] += n;
    }
  }
  if (const std::optional<std::string> path = cl.Get("deck")) {
    std::ifstream in(*path);
    std::stringstream json;
    json << in.rdbuf();
    if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", *path));
    DeckManifest deck;
    if (const auto parsed = google::protobuf::util::JsonStringToMessage(json.str(), &deck);
        !parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(*path, " is not a deck manifest: ", std::string(parsed.message())));
    }
    for (const DeckBallot& ballot : deck.ballots()) {
      if (!ballot.render().test() || !ballot.expect_accepted() || ballot.expect_returned()) {
        continue;
      }
      for (const ExpectedContest& contest : ballot.contests()) {
        for (const std::string& option : contest.selections()) {
          ++votes[{contest.contest_id(), option}];
        }
      }
    }
  }
  if (!cl.Has("votes") && !cl.Has("deck")) {
    return absl::InvalidArgumentError(
        "give the test deck's marks: --votes CONTEST/OPTION=N,... or --deck MANIFEST.json");
  }
  TestExpectation expectation;
  expectation.set_others_zero(true);
  for (const auto& [key, n] : votes) {
    TestExpectedCount* count = expectation.add_counts();
    count->set_contest_id(key.first);
    count->set_option_id(key.second);
    count->set_votes(n);
  }
  return expectation;
}

// The console's words for people in the commission's language (--lang, else $ESEP_LANGUAGE),
// from the catalogs of the domain esep; in English (for technicians, and scripts that read the
// output) the msgids as they are.
class Console {
 public:
  static absl::StatusOr<Console> For(const CommandLine& cl) {
    Console console;
    const char* environment = std::getenv("ESEP_LANGUAGE");
    const std::string code = cl.Get("lang").value_or(environment ? environment : "en");
    const std::optional<text::Language> language = text::ParseLanguage(code);
    if (!language) {
      return absl::InvalidArgumentError(
          absl::StrCat("--lang ", code, ": the console speaks ky, ru or en"));
    }
    console.language_ = *language;
    if (console.english()) return console;
    absl::StatusOr<text::Catalog> catalog = text::Catalog::Load("esep");
    if (!catalog.ok()) return catalog.status();
    console.catalog_ = std::make_shared<const text::Catalog>(*std::move(catalog));
    return console;
  }
  bool english() const { return language_ == text::Language::kEnglish; }
  // esepd's sentences (its refusals, notices, delivery) in this console's language; `english`
  // when esepd sent none.
  std::string Said(const google::protobuf::RepeatedPtrField<Sentence>& sentences,
                   const std::string& english) const {
    return scanner::SayToPeople(sentences, english, catalog_.get(), language_);
  }
  std::string Said(const Sentence& sentence, const std::string& english) const {
    return scanner::SayToPeople(sentence, english, catalog_.get(), language_);
  }
  // esepd's report (zero, test, results) in this console's language.
  std::string Report(const ControlResponse& response) const {
    return scanner::ReportToPeople(response, catalog_.get(), language_);
  }
  // `msgid` is marked N_() where it is written.
  std::string operator()(std::string_view msgid) const {
    return english() ? std::string(msgid) : catalog_->Get(language_, msgid);
  }
  // The poll state: its name in English, as scripts read it; a phrase otherwise.
  std::string State(const std::string& state) const {
    if (english()) return state;
    static const std::map<std::string, const char*> kStates = {
        {"setup", N_("Set up, not tested")},      {"testing", N_("Logic-and-accuracy test")},
        {"ready", N_("Tested, ready to open")},   {"open", N_("Polls open")},
        {"closed", N_("Polls closed")},           {"protocol_final", N_("Protocol final")},
        {"transmitted", N_("Protocol delivered")}};
    const auto found = kStates.find(state);
    return found == kStates.end() ? state : (*this)(found->second);
  }

 private:
  text::Language language_ = text::Language::kEnglish;
  std::shared_ptr<const text::Catalog> catalog_;
};

// Asks the commission to confirm an irreversible step; --yes answers for scripts.
bool Confirmed(const CommandLine& cl, const Console& say, const std::string& question) {
  if (cl.Has("yes")) return true;
  std::cout << question << " " << say(N_("This cannot be undone. Type yes to go on:")) << " "
            << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "yes";
}

}  // namespace

int RunPollCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"socket", true, "esepd's control socket (default $ESEP_SOCKET, else /run/esep/esepd.sock)"},
      {"file", true, "with lines: the commission's lines (JSON, see docs/esepd.md)"},
      {"l1", true, kLineFlags[0].help},
      {"l2", true, kLineFlags[1].help},
      {"l3", true, kLineFlags[2].help},
      {"l4", true, kLineFlags[3].help},
      {"l5", true, kLineFlags[4].help},
      {"l7", true, kLineFlags[5].help},
      {"l10", true, kLineFlags[6].help},
      {"l11", true, kLineFlags[7].help},
      {"explanation", true, "with lines: the commission's written explanation of a warning"},
      {"yes", false, "with close or finalize: do not ask for confirmation (for scripts)"},
      {"out", true, "with finalize or protocol: also write the signed protocol (binary) here"},
      {"pdf", true, "also print the report to this PDF (the protocol sheet needs --election)"},
      {"png", true, "also print the protocol sheet as PNG pages (with --election)"},
      {"election", true,
       "the election definition, for the printed protocol and test sheets' names"},
      {"votes", true,
       "with expect: the test deck's marks, CONTEST/OPTION=N,... (other options expect 0)"},
      {"deck", true, "with expect: a test deck's manifest; its ballots' marks are expected"},
      {"kind", true, "with draft, finalize or protocol: the ballot kind of the protocol"},
      {"lang", true,
       "the language of the messages: ky, ru or en (default $ESEP_LANGUAGE, else en)"},
      {"help", false, "print this help"}};
  static const std::map<std::string, ControlRequest::Command> kCommands = {
      {"status", ControlRequest::STATUS},
      {"start-test", ControlRequest::START_TEST},
      {"finish-test", ControlRequest::FINISH_TEST},
      {"open", ControlRequest::OPEN_POLLS},
      {"zero-report", ControlRequest::ZERO_REPORT},
      {"close", ControlRequest::CLOSE_POLLS},
      {"test-report", ControlRequest::TEST_REPORT},
      {"results", ControlRequest::RESULTS_REPORT},
      {"cast-as-is", ControlRequest::CAST_AS_IS},
      {"return", ControlRequest::RETURN_BALLOT},
      {"lines", ControlRequest::ENTER_LINES},
      {"draft", ControlRequest::DRAFT_PROTOCOL},
      {"finalize", ControlRequest::FINALIZE_PROTOCOL},
      {"protocol", ControlRequest::PROTOCOL},
      {"resume", ControlRequest::RESUME_READER},
      {"expect", ControlRequest::SET_TEST_EXPECTATION},
  };
  std::vector<std::string> actions;
  for (const auto& [name, command] : kCommands) actions.push_back(name);
  absl::StatusOr<CommandLine> cl = ParseWithAction(args, specs, actions);
  if (!cl.ok() || cl->Has("help")) {
    return UsageExit(
        "esep poll", cl,
        "usage: esep poll COMMAND [--socket PATH]\n"
        "  status       poll state and the number of ballots cast\n"
        "  start-test   start the logic-and-accuracy test (test ballots only)\n"
        "  finish-test  finish the test\n"
        "  open         open the polls; prints the zero report\n"
        "  zero-report  a copy of the zero report printed when the polls opened\n"
        "  close        close the polls (they can never be reopened; asks unless --yes)\n"
        "  expect       the counts the test deck must give (--votes C/O=N,... or --deck M.json)\n"
        "  test-report  expected and found counts of the logic-and-accuracy test, and the verdict\n"
        "  results      results, once the polls are closed\n"
        "  cast-as-is   the voter casts the held ballot as it is\n"
        "  return       the voter takes the held ballot back\n"
        "  lines        enter the commission's protocol lines (--l1 N ... or --file LINES.json)\n"
        "  draft        the protocol with its control relations, not yet final\n"
        "  finalize     show the draft, then check, sign and send it (again: a correction;\n"
        "               asks unless --yes)\n"
        "  protocol     print the latest final protocol\n"
        "  resume       the reader is cleared after a jam, an open cover or paper in the path\n",
        specs);
  }
  absl::StatusOr<Console> console = Console::For(*cl);
  if (!console.ok()) {
    std::cerr << "esep poll: " << console.status().message() << "\n";
    return kExitUsage;
  }
  const Console& say = *console;
  ControlRequest request;
  request.set_command(kCommands.at(cl->positional()[0]));
  request.set_ballot_kind(cl->Get("kind").value_or(""));
  const char* socket_from_environment = std::getenv("ESEP_SOCKET");
  const std::string socket = cl->Get("socket").value_or(socket_from_environment != nullptr &&
                                                                *socket_from_environment != '\0'
                                                            ? socket_from_environment
                                                            : "/run/esep/esepd.sock");
  if (request.command() == ControlRequest::ENTER_LINES) {
    absl::StatusOr<CommissionLines> lines = ReadLines(*cl);
    if (!lines.ok()) {
      std::cerr << "esep poll lines: " << lines.status().message() << "\n";
      return kExitUsage;
    }
    if (lines->ballot_kind().empty()) lines->set_ballot_kind(request.ballot_kind());
    *request.mutable_lines() = *std::move(lines);
  }
  if (request.command() == ControlRequest::SET_TEST_EXPECTATION) {
    absl::StatusOr<TestExpectation> expectation = ReadExpectation(*cl);
    if (!expectation.ok()) {
      std::cerr << "esep poll expect: " << expectation.status().message() << "\n";
      return kExitUsage;
    }
    *request.mutable_test_expectation() = *std::move(expectation);
  }
  if (request.command() == ControlRequest::CLOSE_POLLS &&
      !Confirmed(*cl, say, say(N_("Close the polls? They can never be reopened.")))) {
    std::cerr << "esep poll close: " << say(N_("not confirmed; the polls stay as they are"))
              << "\n";
    return kExitRejected;
  }
  if (request.command() == ControlRequest::FINALIZE_PROTOCOL) {
    // The commission signs what it sees: the draft is shown first, and esepd signs only the
    // lines this draft was made from.
    ControlRequest draft_request;
    draft_request.set_command(ControlRequest::DRAFT_PROTOCOL);
    draft_request.set_ballot_kind(request.ballot_kind());
    absl::StatusOr<ControlResponse> draft =
        scanner::SendControlRequest(socket, draft_request, std::chrono::seconds(30));
    if (!draft.ok()) {
      std::cerr << "esep poll: " << draft.status().message() << "\n";
      return kExitUsage;
    }
    if (!draft->ok()) {
      std::cerr << "esep poll finalize: " << say(N_("refused")) << ": "
                << say.Said(draft->error_sentences(), draft->error()) << "\n";
      return kExitRejected;
    }
    std::cout << draft->report() << "\n";
    if (!Confirmed(*cl, say, say(N_("Sign and send the protocol above?")))) {
      std::cerr << "esep poll finalize: " << say(N_("not confirmed; nothing was signed")) << "\n";
      return kExitRejected;
    }
    request.set_confirmed_lines_sha256(draft->lines_sha256());
  }
  absl::StatusOr<ControlResponse> response =
      scanner::SendControlRequest(socket, request, std::chrono::seconds(30));
  if (!response.ok()) {
    std::cerr << "esep poll: " << response.status().message() << "\n";
    return kExitUsage;
  }
  const std::string report_text = say.Report(*response);
  std::cout << report_text;
  if (const std::optional<std::string> out = cl->Get("out");
      out && !response->signed_protocol().empty()) {
    std::ofstream file(*out, std::ios::binary | std::ios::trunc);
    file << response->signed_protocol();
    if (!file.flush()) {
      std::cerr << "esep poll: cannot write " << *out << "\n";
      return kExitUsage;
    }
  }
  if (absl::Status printed = response->ok() ? Print(*cl, *response, report_text) : absl::OkStatus();
      !printed.ok()) {
    std::cerr << "esep poll: " << printed.message() << "\n";
    return kExitUsage;
  }
  if (!response->transmission().empty()) {
    std::cout << say.Said(response->transmission_sentence(), response->transmission()) << "\n";
  }
  for (int i = 0; i < response->notices_size(); ++i) {
    std::cout << say(N_("notice")) << ": "
              << (i < response->notice_sentences_size()
                      ? say.Said(response->notice_sentences(i), response->notices(i))
                      : response->notices(i))
              << "\n";
  }
  std::cout << say(N_("poll state")) << ": " << say.State(response->poll_state()) << ", "
            << say(N_("ballots cast")) << ": " << response->ballots_cast() << ", "
            << say(N_("reader")) << " " << response->reader_serial() << "\n";
  std::cout << say(N_("sheets read")) << ": " << response->sheets_read();
  if (response->poll_state() != "open") {
    std::cout << ", " << say(N_("test ballots cast")) << ": " << response->test_ballots_cast();
  }
  std::cout << "\n";
  if (response->ballot_waiting_for_voter()) {
    std::cout << say(N_("a ballot is held for the voter")) << ": " << response->last_return_reason()
              << "\n";
  }
  if (!response->ok()) {
    std::cerr << "esep poll: " << say(N_("refused")) << ": "
              << say.Said(response->error_sentences(), response->error()) << "\n";
    return kExitRejected;
  }
  return kExitOk;
}

}  // namespace esep::cli
