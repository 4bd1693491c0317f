// esep poll: the commission's console for esepd (status, test, open, close, reports, voter).
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "command_line.h"
#include "commands.h"
#include "esep/proto/election.h"
#include "esep/report/protocol_sheet.h"
#include "esep/scanner/control.h"

namespace esep::cli {

namespace {

// Prints the answer on paper: the protocol sheet (with its QR codes once signed) when the answer
// carries a protocol and the election is given, otherwise the report's text.
absl::Status Print(const CommandLine& cl, const ControlResponse& response) {
  const std::optional<std::string> pdf = cl.Get("pdf");
  const std::optional<std::string> png = cl.Get("png");
  if (!pdf && !png) return absl::OkStatus();
  if (!response.protocol().empty()) {
    const std::optional<std::string> election_path = cl.Get("election");
    if (!election_path) {
      return absl::InvalidArgumentError("printing the protocol sheet needs --election E.json");
    }
    absl::StatusOr<Election> election = LoadElectionFile(*election_path);
    if (!election.ok()) return election.status();
    PrecinctProtocol protocol;
    SignedProtocol signed_protocol;
    if (!protocol.ParseFromString(response.protocol()) ||
        (!response.signed_protocol().empty() &&
         !signed_protocol.ParseFromString(response.signed_protocol()))) {
      return absl::DataLossError("esepd's protocol is unreadable");
    }
    const SignedProtocol* signature =
        response.signed_protocol().empty() ? nullptr : &signed_protocol;
    for (const auto& [path, format] :
         {std::pair{pdf, report::SheetFormat::kPdf}, std::pair{png, report::SheetFormat::kPng}}) {
      if (!path) continue;
      absl::StatusOr<report::WrittenSheet> written =
          report::RenderProtocolSheet(*election, protocol, signature, format, 200, *path);
      if (!written.ok()) return written.status();
    }
    return absl::OkStatus();
  }
  if (response.report().empty()) {
    return absl::FailedPreconditionError("esepd sent nothing to print for this command");
  }
  const std::string title = response.report().substr(0, response.report().find('\n'));
  for (const auto& [path, format] :
       {std::pair{pdf, report::SheetFormat::kPdf}, std::pair{png, report::SheetFormat::kPng}}) {
    if (!path) continue;
    absl::StatusOr<report::WrittenSheet> written =
        report::RenderTextReport(title, response.report(), format, 200, *path);
    if (!written.ok()) return written.status();
  }
  return absl::OkStatus();
}

}  // namespace

int RunPollCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"socket", true, "esepd's control socket (default /run/esep/esepd.sock)"},
      {"file", true, "with lines: the commission's lines (JSON, see docs/esepd.md)"},
      {"out", true, "with finalize or protocol: also write the signed protocol (binary) here"},
      {"pdf", true, "also print the report to this PDF (the protocol sheet needs --election)"},
      {"png", true, "also print the protocol sheet as PNG pages (with --election)"},
      {"election", true, "the election definition, for the printed protocol sheet's names"},
      {"kind", true, "with draft, finalize or protocol: the ballot kind of the protocol"},
      {"help", false, "print this help"}};
  static const std::map<std::string, ControlRequest::Command> kCommands = {
      {"status", ControlRequest::STATUS},           {"start-test", ControlRequest::START_TEST},
      {"finish-test", ControlRequest::FINISH_TEST}, {"open", ControlRequest::OPEN_POLLS},
      {"close", ControlRequest::CLOSE_POLLS},       {"test-report", ControlRequest::TEST_REPORT},
      {"results", ControlRequest::RESULTS_REPORT},  {"cast-as-is", ControlRequest::CAST_AS_IS},
      {"return", ControlRequest::RETURN_BALLOT},    {"lines", ControlRequest::ENTER_LINES},
      {"draft", ControlRequest::DRAFT_PROTOCOL},    {"finalize", ControlRequest::FINALIZE_PROTOCOL},
      {"protocol", ControlRequest::PROTOCOL},
  };
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || cl->positional().size() != 1 ||
      !kCommands.contains(cl->positional()[0])) {
    return UsageExit("esep poll", cl,
                     "usage: esep poll COMMAND [--socket PATH]\n"
                     "  status       poll state and the number of ballots cast\n"
                     "  start-test   start the logic-and-accuracy test (test ballots only)\n"
                     "  finish-test  finish the test\n"
                     "  open         open the polls; prints the zero report\n"
                     "  close        close the polls (they can never be reopened)\n"
                     "  test-report  counts of the logic-and-accuracy test\n"
                     "  results      results, once the polls are closed\n"
                     "  cast-as-is   the voter casts the held ballot as it is\n"
                     "  return       the voter takes the held ballot back\n"
                     "  lines        enter the commission's protocol lines (--file LINES.json)\n"
                     "  draft        the protocol with its control relations, not yet final\n"
                     "  finalize     check, sign and send the protocol (again: a correction)\n"
                     "  protocol     print the latest final protocol\n",
                     specs);
  }
  ControlRequest request;
  request.set_command(kCommands.at(cl->positional()[0]));
  request.set_ballot_kind(cl->Get("kind").value_or(""));
  if (request.command() == ControlRequest::ENTER_LINES) {
    absl::StatusOr<std::string> path = cl->Require("file");
    if (!path.ok()) {
      std::cerr << "esep poll lines: " << path.status().message() << "\n";
      return kExitUsage;
    }
    std::ifstream in(*path);
    std::stringstream json;
    json << in.rdbuf();
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    if (!in ||
        !google::protobuf::util::JsonStringToMessage(json.str(), request.mutable_lines(), options)
             .ok()) {
      std::cerr << "esep poll lines: " << *path
                << " is not a readable commission-lines JSON file (see docs/esepd.md)\n";
      return kExitUsage;
    }
  }
  absl::StatusOr<ControlResponse> response = scanner::SendControlRequest(
      cl->Get("socket").value_or("/run/esep/esepd.sock"), request, std::chrono::seconds(30));
  if (!response.ok()) {
    std::cerr << "esep poll: " << response.status().message() << "\n";
    return kExitUsage;
  }
  if (!response->report().empty()) std::cout << response->report();
  if (const std::optional<std::string> out = cl->Get("out");
      out && !response->signed_protocol().empty()) {
    std::ofstream file(*out, std::ios::binary | std::ios::trunc);
    file << response->signed_protocol();
    if (!file.flush()) {
      std::cerr << "esep poll: cannot write " << *out << "\n";
      return kExitUsage;
    }
  }
  if (absl::Status printed = Print(*cl, *response); !printed.ok()) {
    std::cerr << "esep poll: " << printed.message() << "\n";
    return kExitUsage;
  }
  if (!response->transmission().empty()) std::cout << response->transmission() << "\n";
  for (const std::string& notice : response->notices()) std::cout << "notice: " << notice << "\n";
  std::cout << "poll state: " << response->poll_state()
            << ", ballots cast: " << response->ballots_cast() << ", reader "
            << response->reader_serial() << "\n";
  std::cout << "sheets read: " << response->sheets_read();
  if (response->poll_state() != "open") {
    std::cout << ", test ballots cast: " << response->test_ballots_cast();
  }
  std::cout << "\n";
  if (response->ballot_waiting_for_voter()) {
    std::cout << "a ballot is held for the voter: " << response->last_return_reason() << "\n";
  }
  if (!response->ok()) {
    std::cerr << "esep poll: refused: " << response->error() << "\n";
    return kExitRejected;
  }
  return kExitOk;
}

}  // namespace esep::cli
