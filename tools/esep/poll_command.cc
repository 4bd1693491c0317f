// esep poll: the commission's console for esepd (status, test, open, close, reports, voter).
#include <iostream>
#include <map>

#include "command_line.h"
#include "commands.h"
#include "esep/scanner/control.h"

namespace esep::cli {

int RunPollCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"socket", true, "esepd's control socket (default /run/esep/esepd.sock)"},
      {"help", false, "print this help"}};
  static const std::map<std::string, ControlRequest::Command> kCommands = {
      {"status", ControlRequest::STATUS},           {"start-test", ControlRequest::START_TEST},
      {"finish-test", ControlRequest::FINISH_TEST}, {"open", ControlRequest::OPEN_POLLS},
      {"close", ControlRequest::CLOSE_POLLS},       {"test-report", ControlRequest::TEST_REPORT},
      {"results", ControlRequest::RESULTS_REPORT},  {"cast-as-is", ControlRequest::CAST_AS_IS},
      {"return", ControlRequest::RETURN_BALLOT},
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
                     "  return       the voter takes the held ballot back\n",
                     specs);
  }
  ControlRequest request;
  request.set_command(kCommands.at(cl->positional()[0]));
  absl::StatusOr<ControlResponse> response = scanner::SendControlRequest(
      cl->Get("socket").value_or("/run/esep/esepd.sock"), request, std::chrono::seconds(30));
  if (!response.ok()) {
    std::cerr << "esep poll: " << response.status().message() << "\n";
    return kExitUsage;
  }
  if (!response->report().empty()) std::cout << response->report();
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
