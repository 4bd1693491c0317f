#ifndef ESEP_AUDIT_NIST_H_
#define ESEP_AUDIT_NIST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/proto/cast_vote_record.pb.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"

namespace esep::audit {

// Who made a report and when: the header fields of the NIST common data formats.
struct NistReportInfo {
  std::string reader_serial;  // the reporting device
  std::string precinct_id;
  std::string generated_utc;  // ISO 8601, e.g. 2021-01-10T08:00:00Z
};

// NIST SP 1500-103 Cast Vote Record report (JSON): one CVR per record in the given order, with
// each target's score as MarkMetricValue and the ballot image's SHA-256. Holds no time per
// ballot; records are listed by their random id, never in the order voters cast them.
std::string CastVoteRecordReportJson(const Election& election,
                                     const std::vector<CastVoteRecord>& records,
                                     const NistReportInfo& info);

// NIST SP 1500-101 Election Event Log (JSON): every entry with its sequence, UTC time, type,
// description and chain hash.
std::string EventLogJson(const Election& election, const std::vector<LogEvent>& events,
                         const NistReportInfo& info);

// NIST SP 1500-100 Election Results Reporting (JSON) for the precinct protocol, written by the
// centre's own ExportNist1500_100 and dated `generated_utc` (the bundle's time), so that the
// same protocol always gives the same bytes.
absl::StatusOr<std::string> PrecinctResultsNist1500_100(const Election& election,
                                                        const PrecinctProtocol& protocol,
                                                        const std::string& generated_utc);

// Seconds since the epoch as ISO 8601 UTC: 2021-01-10T08:00:00Z.
std::string IsoUtc(std::int64_t unix_seconds);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_NIST_H_
