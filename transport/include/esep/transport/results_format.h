#ifndef ESEP_TRANSPORT_RESULTS_FORMAT_H_
#define ESEP_TRANSPORT_RESULTS_FORMAT_H_

// How the tabulation centre publishes Results: an aligned text report for people, a JSON
// document for programs (`esep-tabulator results --json`) and the NIST SP 1500-100 v2 election
// results report for anyone who already reads that format (see docs/tabulation.md).

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"
#include "esep/transport/aggregation.h"

namespace esep::transport {

// National and per-precinct tables, then the protocols not counted with their reasons; with
// `precinct_id`, only that precinct's table (NotFound, with the reason when it was left out,
// when the precinct is not counted). Partial results say so in their first lines. Every format
// runs CheckPublishable first and prints nothing when it fails.
absl::StatusOr<std::string> FormatResultsText(
    const Results& results, std::optional<std::string_view> precinct_id = std::nullopt);

// Every number of Results as JSON, keys in a fixed order, shares both as "16.40" and in basis
// points (hundredths of a percent), and the protocols not counted under "not_counted".
absl::StatusOr<std::string> FormatResultsJson(const Results& results);

struct NistExportOptions {
  std::string generated_date;  // RFC 3339 date-time; empty: now, in UTC
  std::string issuer = "Central Commission for Elections and Referenda";
  std::string issuer_abbreviation = "CEC";
  std::string vendor_application_id = "Esep tabulation centre";
  int sequence_start = 1;
  int sequence_end = 1;
  // false: "summary-contest", vote counts for each contest's electoral district only;
  // true: "precinct-level", vote counts for each counted precinct as well.
  bool precinct_level = false;
};

// The NIST SP 1500-100 v2 ElectionReport (JSON): the country and each precinct as
// ReportingUnits (a district of several precincts as one more), parties, candidates, the
// contests with their selections and "total" vote counts; status unofficial-partial until every
// precinct is counted. Refuses results aggregated for another election or definition version.
absl::StatusOr<std::string> ExportNist1500_100(const Election& election, const Results& results,
                                               const NistExportOptions& options = {});

}  // namespace esep::transport

#endif  // ESEP_TRANSPORT_RESULTS_FORMAT_H_
