// An audit bundle comes from someone else: any files must end in a proof, a list of
// discrepancies or a refusal, never a crash, a hang, a file written outside the report directory
// or a link followed out of the bundle. The input is the bundle's files, one after the other,
// separated by "\n--part--\n", in the order of kParts (an empty or missing part is a missing
// file); the part after them, when there is one, is an image written under its own SHA-256. A link
// to a file outside is planted as images/<64 zeros>.png and as the report's tally.txt. The bundle
// goes through what `esep replay --report` does (ReadBundle, VerifyBundle, WriteReplayReport) and
// what `esep audit` reads from it. A bundle without a signed protocol must never prove.
#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "esep/audit/bundle.h"
#include "esep/audit/json.h"
#include "esep/audit/reconcile.h"
#include "esep/audit/report.h"
#include "esep/audit/rla.h"
#include "esep/audit/verify.h"
#include "esep/proto/sha256.h"

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSeparator = "\n--part--\n";
constexpr const char* kParts[] = {esep::audit::kManifestFile,
                                  esep::audit::kBundleInfoFile,
                                  esep::audit::kElectionFile,
                                  esep::audit::kCalibrationFile,
                                  esep::audit::kCalibrationProfileFile,
                                  esep::audit::kRecordsFile,
                                  esep::audit::kEventsFile,
                                  esep::audit::kProtocolFile,
                                  esep::audit::kCvrJsonFile,
                                  esep::audit::kEventLogJsonFile,
                                  esep::audit::kResultsJsonFile};
constexpr char kSentinel[] = "outside the bundle and the report";

// A scratch directory, in memory where possible, removed at exit; never destroyed, so the exit
// handler can still read it.
const fs::path& Root() {
  static const fs::path* root = [] {
    std::string pattern = fs::exists("/dev/shm") ? "/dev/shm/esep-bundle-fuzz-XXXXXX"
                                                 : "/tmp/esep-bundle-fuzz-XXXXXX";
    const char* made = ::mkdtemp(pattern.data());
    if (made == nullptr) std::abort();
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(Root(), ignored);
    });
    return new fs::path(made);
  }();
  return *root;
}

std::vector<std::string_view> SplitParts(std::string_view input) {
  std::vector<std::string_view> parts;
  while (!input.empty()) {
    const std::size_t at = input.find(kSeparator);
    parts.push_back(input.substr(0, at));
    if (at == std::string_view::npos) break;
    input.remove_prefix(at + kSeparator.size());
  }
  return parts;
}

void WriteOrAbort(const fs::path& directory, const std::string& name, std::string_view bytes) {
  if (!esep::audit::WriteFileInside(directory, name, bytes).ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path& root = Root();
  const fs::path bundle_dir = root / "bundle";
  const fs::path report_dir = root / "report";
  const fs::path sentinel = root / "sentinel.txt";
  std::error_code ec;
  fs::remove_all(bundle_dir, ec);
  fs::remove_all(report_dir, ec);
  fs::create_directories(bundle_dir / esep::audit::kImagesDirectory);
  fs::create_directories(report_dir);
  WriteOrAbort(root, "sentinel.txt", kSentinel);
  fs::create_symlink(sentinel, bundle_dir / "images" / (std::string(64, '0') + ".png"), ec);
  fs::create_symlink(sentinel, report_dir / "tally.txt", ec);

  const std::vector<std::string_view> parts =
      SplitParts(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::size_t files = std::size(kParts);
  for (std::size_t i = 0; i < parts.size() && i < files; ++i) {
    if (!parts[i].empty()) WriteOrAbort(bundle_dir, kParts[i], parts[i]);
  }
  if (parts.size() > files && !parts[files].empty()) {
    const std::string image(parts[files]);
    WriteOrAbort(bundle_dir, "images/" + esep::ToHex(esep::Sha256(image)) + ".png", image);
  }

  absl::StatusOr<esep::audit::Bundle> bundle = esep::audit::ReadBundle(bundle_dir);
  if (bundle.ok()) {
    const std::vector<esep::audit::Bundle> bundles = {*bundle};
    (void)esep::audit::BallotManifestCsv(esep::audit::BallotManifest(bundles));
    (void)esep::audit::Reconcile(esep::audit::MachineCounts(bundles), {});
    for (const esep::Contest& contest : bundle->election.contests()) {
      (void)esep::audit::DilutedMargin(bundles, contest.id());
    }
    absl::StatusOr<esep::audit::Replayer> replayer = esep::audit::Replayer::Create(
        bundle->election, bundle->info.precinct_id, bundle->thresholds);
    if (replayer.ok()) {
      absl::StatusOr<esep::audit::AuditResult> result =
          esep::audit::VerifyBundle(*bundle, *replayer, {});
      if (result.ok()) {
        if (result->proved() && !bundle->protocol) std::abort();
        (void)esep::audit::WriteReplayReport(
            report_dir, bundle->election, *result,
            {bundle->info.reader_serial, bundle->info.precinct_id, bundle->info.generated_utc},
            *replayer);
      }
    }
  }

  // Nothing outside the bundle and the report changed, and nothing appeared beside them.
  absl::StatusOr<std::string> kept = esep::audit::ReadFileBytes(sentinel.string());
  if (!kept.ok() || *kept != kSentinel) std::abort();
  for (const auto& entry : fs::directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (name != "bundle" && name != "report" && name != "sentinel.txt") std::abort();
  }
  return 0;
}
