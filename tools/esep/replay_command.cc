// esep replay: reads every ballot image again with the same interpreter and, against an export
// bundle, proves or disproves it.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "command_line.h"
#include "commands.h"
#include "esep/audit/bundle.h"
#include "esep/audit/json.h"
#include "esep/audit/nist.h"
#include "esep/audit/report.h"
#include "esep/audit/verify.h"
#include "esep/proto/calibration.pb.h"
#include "esep/proto/election.h"
#include "esep/transport/signing.h"
#include "esep/vision/image_codec.h"
#include "google/protobuf/util/json_util.h"
#include "progress.h"

namespace esep::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kProgram[] = "esep replay";

int Fail(const absl::Status& status) {
  std::cerr << kProgram << ": " << status.message() << "\n";
  return kExitUsage;
}

}  // namespace

int RunReplayCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"election", true, "the election definition (JSON), the auditor's own copy"},
      {"against", true, "an export bundle to prove (default: INPUT when it is a bundle)"},
      {"jobs", true, "worker threads (default 1); the output is the same for any number"},
      {"report", true, "directory for the report: CVR JSON, tally, discrepancies, overlays"},
      {"key", true, "the reader's published public key (.pub, hex) to check the protocol"},
      {"precinct", true, "without a bundle: the precinct the images were read at"},
      {"calibration", true, "without a bundle: the reader's calibration profile (esep calibrate)"},
      {"test-mode", false, "without a bundle: read logic-and-accuracy test ballots"},
      {"help", false, "print this help"}};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("election") || cl->positional().size() != 1) {
    return UsageExit(
        kProgram, cl,
        "usage: esep replay --election E.json IMAGES_DIR_OR_BUNDLE [--against BUNDLE]\n"
        "                   [--jobs N] [--report OUT] [--key READER.pub]\n"
        "Reads every ballot image again with the interpreter, in parallel, and prints the\n"
        "tally. Against a bundle it checks the manifest hashes, the event-log chain, the\n"
        "protocol's signature, that every cast-vote record is reproduced byte for byte, that\n"
        "the protocol's numbers equal the replayed tally and that every file is covered by what\n"
        "the protocol signs (a bundle without its protocol is not proved); each discrepancy is\n"
        "printed on one line, what the protocol cannot cover as a note. Exit status: 0 proved\n"
        "(or replayed), 1 not proved, 2 bad flags or input.\n",
        specs);
  }
  absl::StatusOr<long long> jobs = cl->GetInt("jobs", 1, 1, 256);
  if (!jobs.ok()) return Fail(jobs.status());
  absl::StatusOr<Election> election = LoadElectionFile(*cl->Get("election"));
  if (!election.ok()) return Fail(election.status());
  const fs::path input = cl->positional()[0];
  std::error_code ec;
  if (!fs::is_directory(input, ec)) {
    return Fail(absl::NotFoundError(
        absl::StrCat(input.string(), " is neither a directory of images nor a bundle")));
  }
  // A bar on a terminal, a line per tenth of the images elsewhere (progress.h); called from
  // one thread at a time by the replay.
  Progress bar("replay", "images");
  audit::ReplayProgress progress = [&bar](std::size_t done, std::size_t total) {
    bar.Update(done, total);
  };

  std::optional<fs::path> against;
  if (cl->Has("against")) {
    against = *cl->Get("against");
  } else if (audit::IsBundle(input)) {
    against = input;
  }
  std::optional<audit::AuditResult> result;
  audit::NistReportInfo info{"", cl->Get("precinct").value_or(""),
                             absl::StrCat(election->date(), "T00:00:00Z")};
  std::optional<audit::Replayer> replayer;
  if (against) {
    absl::StatusOr<audit::Bundle> bundle = audit::ReadBundle(*against);
    if (!bundle.ok() && audit::IsBundle(*against)) {
      // A bundle whose parts do not even parse is evidence too: not proved, rather than misused.
      std::cout << "bundle " << against->string() << ": " << bundle.status().message() << "\n"
                << "bundle NOT proved: it cannot be read\n";
      return kExitRejected;
    }
    if (!bundle.ok()) return Fail(bundle.status());
    if (ElectionHash(*election) != ElectionHash(bundle->election)) {
      return Fail(absl::FailedPreconditionError(
          absl::StrCat("the bundle's election definition (", ElectionHash(bundle->election),
                       ") is not the one given (", ElectionHash(*election), ")")));
    }
    absl::StatusOr<audit::Replayer> r =
        audit::Replayer::Create(*election, bundle->info.precinct_id, bundle->thresholds);
    if (!r.ok()) return Fail(r.status());
    replayer.emplace(*std::move(r));
    audit::VerifyOptions options;
    options.jobs = static_cast<int>(*jobs);
    options.progress = progress;
    if (fs::absolute(input) != fs::absolute(*against)) {
      options.images_directory = audit::IsBundle(input) ? input / audit::kImagesDirectory : input;
    }
    if (std::optional<std::string> key_file = cl->Get("key")) {
      absl::StatusOr<std::string> key = transport::LoadPublicKey(*key_file);
      if (!key.ok()) return Fail(key.status());
      options.expected_public_key = *key;
    }
    absl::StatusOr<audit::AuditResult> verified = audit::VerifyBundle(*bundle, *replayer, options);
    if (!verified.ok()) return Fail(verified.status());
    result = *std::move(verified);
    info = {bundle->info.reader_serial, bundle->info.precinct_id, bundle->info.generated_utc};
  } else {
    std::optional<MarkThresholds> thresholds;
    if (std::optional<std::string> file = cl->Get("calibration")) {
      absl::StatusOr<std::string> bytes = audit::ReadFileBytes(*file);
      if (!bytes.ok()) return Fail(bytes.status());
      CalibrationProfile profile;
      if (!profile.ParseFromString(*bytes) || profile.format_version() == 0) {
        return Fail(absl::InvalidArgumentError(
            absl::StrCat(*file, " is not a calibration profile (esep calibrate --out)")));
      }
      thresholds = profile.recommended_thresholds();
    }
    absl::StatusOr<audit::Replayer> r =
        audit::Replayer::Create(*election, info.precinct_id, thresholds);
    if (!r.ok()) return Fail(r.status());
    replayer.emplace(*std::move(r));
    absl::StatusOr<audit::AuditResult> replayed = audit::ReplayImageDirectory(
        input, *election, *replayer, cl->Has("test-mode"), static_cast<int>(*jobs), progress);
    if (!replayed.ok()) return Fail(replayed.status());
    result = *std::move(replayed);
  }

  for (const audit::Discrepancy& d : result->discrepancies) std::cout << d.Line() << "\n";
  for (const std::string& note : result->notes) std::cout << "note: " << note << "\n";
  std::cout << "[live]\n" << audit::FormatTally(result->live);
  if (result->test.ballots_cast > 0) std::cout << "[test]\n" << audit::FormatTally(result->test);
  if (std::optional<std::string> report = cl->Get("report")) {
    if (absl::Status s = audit::WriteReplayReport(*report, *election, *result, info, *replayer);
        !s.ok()) {
      return Fail(s);
    }
  }
  if (!against) {
    std::cout << "replayed " << result->records.size() << " ballots\n";
    return kExitOk;
  }
  if (result->proved()) {
    std::cout << "bundle proved: " << result->records.size()
              << " records reproduced, tally and log consistent, every file covered by the "
                 "signed protocol"
              << (result->notes.empty() ? "" : " except what the notes name") << "\n";
    return kExitOk;
  }
  std::cout << "bundle NOT proved: " << result->discrepancies.size() << " discrepancies\n";
  return kExitRejected;
}

}  // namespace esep::cli
