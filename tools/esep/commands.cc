#include "commands.h"

namespace esep::cli {

// Entry points, one per file (<name>_command.cc).
int RunElectionCommand(const std::vector<std::string>& args);
int RunPollCommand(const std::vector<std::string>& args);
int RunReaderCommand(const std::vector<std::string>& args);
int RunInterpretCommand(const std::vector<std::string>& args);
int RunRenderCommand(const std::vector<std::string>& args);
int RunDeckCommand(const std::vector<std::string>& args);
int RunVerifyCommand(const std::vector<std::string>& args);
int RunExportCommand(const std::vector<std::string>& args);
int RunReplayCommand(const std::vector<std::string>& args);
int RunAuditCommand(const std::vector<std::string>& args);
int RunLogCommand(const std::vector<std::string>& args);
int RunCalibrateCommand(const std::vector<std::string>& args);
int RunKeyCommand(const std::vector<std::string>& args);
int RunMembersCommand(const std::vector<std::string>& args);

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"election", "validate an election definition and print its hash", RunElectionCommand},
      {"poll", "the commission's console for esepd: test, open, close, reports", RunPollCommand},
      {"reader", "list, inspect and drive the ballot reader (USB or simulated)", RunReaderCommand},
      {"interpret", "read ballot images and print what they read as", RunInterpretCommand},
      {"render", "print a ballot to PNG or PDF, optionally marked and damaged", RunRenderCommand},
      {"deck", "generate fixture decks or re-render their images", RunDeckCommand},
      {"verify", "check a printed protocol's QR codes from photos: signature, relations, numbers",
       RunVerifyCommand},
      {"export", "write a precinct's audit bundle from the reader's data", RunExportCommand},
      {"replay", "re-read ballot images and prove or disprove an export bundle", RunReplayCommand},
      {"audit", "risk-limiting audit sample and hand-count reconciliation", RunAuditCommand},
      {"log", "verify or print the tally store's hash-chained event log", RunLogCommand},
      {"calibrate", "measure a reader on the calibration sheet and write its profile",
       RunCalibrateCommand},
      {"key", "make or show a signing key kept in a PKCS#11 token", RunKeyCommand},
      {"members", "set the PINs of the commission members who sign in at the box's screen",
       RunMembersCommand},
  };
  return kCommands;
}

}  // namespace esep::cli
