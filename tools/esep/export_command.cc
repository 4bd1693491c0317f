// esep export: writes the audit bundle of one precinct from the reader's data directory.
#include <ctime>
#include <iostream>

#include "command_line.h"
#include "commands.h"
#include "esep/audit/bundle.h"
#include "esep/audit/nist.h"
#include "progress.h"

namespace esep::cli {

int RunExportCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"data-dir", true, "the reader's data directory (esep.db and images/)"},
      {"election", true, "the election definition (JSON) the reader counted with"},
      {"out", true, "the bundle directory to create"},
      {"precinct", true, "the precinct (default: the one named in the records)"},
      {"calibration", true, "the reader's calibration profile (esep calibrate --out)"},
      {"protocol", true, "signed protocol (default: DATA_DIR/protocol.signed.pb when present)"},
      {"help", false, "print this help"}};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("data-dir") || !cl->Has("election") ||
      !cl->Has("out") || !cl->positional().empty()) {
    return UsageExit(
        "esep export", cl,
        "usage: esep export --data-dir DIR --election E.json --out BUNDLE [--precinct P]\n"
        "                   [--calibration FILE] [--protocol FILE]\n"
        "Writes the audit bundle of a precinct: every signed protocol revision of each ballot\n"
        "kind, every cast-vote record,\n"
        "every ballot image, the event log, the election definition, the calibration profile\n"
        "and the software version, with a manifest of SHA-256 hashes, and the NIST SP 1500-103\n"
        "and 1500-101 JSON exports. The data directory is only read. Stop esepd first.\n",
        specs);
  }
  audit::ExportOptions options;
  options.data_directory = *cl->Get("data-dir");
  options.election_file = *cl->Get("election");
  options.precinct_id = cl->Get("precinct").value_or("");
  if (cl->Has("calibration")) options.calibration_file = *cl->Get("calibration");
  if (cl->Has("protocol")) options.protocol_file = *cl->Get("protocol");
  options.generated_utc = audit::IsoUtc(std::time(nullptr));
  Progress bar("export", "images");
  options.progress = [&bar](std::size_t done, std::size_t total) { bar.Update(done, total); };
  absl::StatusOr<audit::ExportSummary> summary =
      audit::ExportBundle(options, std::filesystem::path(*cl->Get("out")));
  if (!summary.ok()) {
    std::cerr << "esep export: " << summary.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << "bundle " << *cl->Get("out") << ": " << summary->records << " records, "
            << summary->images << " images, " << summary->events << " log entries, "
            << (summary->protocol ? "signed protocol" : "no signed protocol");
  if (summary->protocol_revisions > 0) {
    std::cout << ", " << summary->protocol_revisions << " protocol revision(s)";
  }
  std::cout << "\n";
  for (const std::string& note : summary->notes) std::cout << "note: " << note << "\n";
  return kExitOk;
}

}  // namespace esep::cli
