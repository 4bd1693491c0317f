#ifndef ESEP_AUDIT_REPORT_H_
#define ESEP_AUDIT_REPORT_H_

#include <filesystem>

#include "absl/status/status.h"
#include "esep/audit/nist.h"
#include "esep/audit/replay.h"
#include "esep/audit/verify.h"
#include "esep/proto/election.pb.h"

namespace esep::audit {

// The report of a replay (esep replay --report OUT, docs/audit.md): the replayed records as NIST
// SP 1500-103 CVR JSON, tally.txt, discrepancies.txt, notes.txt and overlays/<record id>.png for
// every record read differently; the same bytes for the same input whatever the number of
// workers. `out` is created when missing; every file is written with WriteFileInside, so a link
// planted in it is replaced and never followed, and a record id that is not a bundle name
// (CheckBundleFileName) names no file.
absl::Status WriteReplayReport(const std::filesystem::path& out, const Election& election,
                               const AuditResult& result, const NistReportInfo& info,
                               const Replayer& replayer);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_REPORT_H_
