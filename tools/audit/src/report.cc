#include "esep/audit/report.h"

#include <system_error>

#include "absl/strings/str_cat.h"
#include "esep/audit/overlay.h"
#include "esep/audit/safe_path.h"
#include "esep/vision/image_codec.h"

namespace esep::audit {

absl::Status WriteReplayReport(const std::filesystem::path& out, const Election& election,
                               const AuditResult& result, const NistReportInfo& info,
                               const Replayer& replayer) {
  constexpr char kOverlays[] = "overlays";
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", out.string(), ": ", ec.message()));
  }
  if (absl::Status s = MakeDirectoryInside(out, kOverlays); !s.ok()) return s;
  std::string discrepancies;
  for (const Discrepancy& d : result.discrepancies) absl::StrAppend(&discrepancies, d.Line(), "\n");
  std::string notes;
  for (const std::string& n : result.notes) absl::StrAppend(&notes, n, "\n");
  for (absl::Status s : {WriteFileInside(out, kCvrJsonFile,
                                         CastVoteRecordReportJson(election, result.records, info)),
                         WriteFileInside(out, "tally.txt",
                                         absl::StrCat("[live]\n", FormatTally(result.live),
                                                      "[test]\n", FormatTally(result.test))),
                         WriteFileInside(out, "discrepancies.txt", discrepancies),
                         WriteFileInside(out, "notes.txt", notes)}) {
    if (!s.ok()) return s;
  }
  for (const RecordDifference& d : result.differences) {
    if (absl::Status name = CheckBundleFileName(d.record_id); !name.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("no overlay written for a record: ", name.message()));
    }
    absl::StatusOr<cv::Mat> gray = ReadGrayImage(d.image);
    if (!gray.ok()) continue;
    const vision::InterpretationDetails details =
        replayer.interpreter(d.test).InterpretWithDetails(vision::ViewOf(*gray));
    absl::StatusOr<std::string> png = EncodePng(DrawComparison(*gray, details, d.reader));
    if (!png.ok()) return png.status();
    if (absl::Status s =
            WriteFileInside(out, absl::StrCat(kOverlays, "/", d.record_id, ".png"), *png);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace esep::audit
