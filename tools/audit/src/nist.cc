#include "esep/audit/nist.h"

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "esep/audit/json.h"
#include "esep/proto/utc_time.h"
#include "esep/transport/aggregation.h"
#include "esep/transport/results_format.h"

namespace esep::audit {
namespace {

const char* ContestType(const Contest& contest) {
  return contest.kind() == REFERENDUM_QUESTION ? "CVR.BallotMeasureContest"
                                               : "CVR.CandidateContest";
}

std::string SelectionId(const std::string& contest_id, const std::string& option_id) {
  return absl::StrCat(contest_id, "/", option_id);
}

std::string Title(const LocalizedText& text) {
  if (!text.en().empty()) return text.en();
  return text.ru().empty() ? text.ky() : text.ru();
}

// One CVR: its contests, each target as a selection position with its score.
std::string CvrJson(const CastVoteRecord& record, const std::string& device_id) {
  const Interpretation& in = record.interpretation();
  const std::string id = record.record_id().empty() ? record.image_sha256() : record.record_id();
  std::string out = absl::StrCat(
      "{\"@type\":\"CVR.CVR\",\"@id\":", JsonString(absl::StrCat("cvr-", id)),
      ",\"UniqueId\":", JsonString(id), ",\"BallotStyleId\":", JsonString(record.style_id()),
      ",\"BallotStyleUnitId\":", JsonString(absl::StrCat("gpu-", record.precinct_id())),
      ",\"BatchId\":", JsonString(record.batch_id()),
      ",\"CreatingDeviceId\":", JsonString(device_id),
      ",\"ElectionId\":\"election\",\"CurrentSnapshotId\":",
      JsonString(absl::StrCat("snapshot-", id)),
      ",\"CVRSnapshot\":[{\"@type\":\"CVR.CVRSnapshot\",\"@id\":",
      JsonString(absl::StrCat("snapshot-", id)), ",\"Type\":\"original\",\"CVRContest\":[");
  for (int c = 0; c < in.contests_size(); ++c) {
    const ContestReading& contest = in.contests(c);
    absl::StrAppend(
        &out, c ? "," : "",
        "{\"@type\":\"CVR.CVRContest\",\"ContestId\":", JsonString(contest.contest_id()),
        ",\"Overvotes\":", contest.outcome() == OVERVOTE ? 1 : 0,
        ",\"Undervotes\":", contest.outcome() == UNDERVOTE || contest.outcome() == BLANK ? 1 : 0,
        ",\"CVRContestSelection\":[");
    bool first = true;
    for (const TargetReading& t : in.targets()) {
      if (t.contest_id() != contest.contest_id()) continue;
      bool counted = false;
      for (const std::string& s : contest.selections()) counted |= s == t.option_id();
      const char* indication = t.mark() == MARKED ? "yes" : t.mark() == MARGINAL ? "unknown" : "no";
      absl::StrAppend(
          &out, first ? "" : ",", "{\"@type\":\"CVR.CVRContestSelection\",\"ContestSelectionId\":",
          JsonString(SelectionId(t.contest_id(), t.option_id())),
          ",\"SelectionPosition\":[{\"@type\":\"CVR.SelectionPosition\",\"HasIndication\":\"",
          indication, "\",\"IsAllocable\":\"", counted ? "yes" : "no",
          "\",\"NumberVotes\":", counted ? 1 : 0,
          absl::StrFormat(",\"MarkMetricValue\":[\"%.6f\"]", t.score()), "}]}");
      first = false;
    }
    out += "]}";
  }
  absl::StrAppend(&out, "]}],\"BallotImage\":[{\"@type\":\"CVR.ImageData\",\"FileName\":",
                  JsonString(absl::StrCat("images/", record.image_sha256(), ".png")),
                  ",\"Hash\":{\"@type\":\"CVR.Hash\",\"Type\":\"sha-256\",\"Value\":",
                  JsonString(record.image_sha256()), "}}]}");
  return out;
}

}  // namespace

std::string IsoUtc(std::int64_t unix_seconds) { return UtcRfc3339(unix_seconds); }

std::string CastVoteRecordReportJson(const Election& election,
                                     const std::vector<CastVoteRecord>& records,
                                     const NistReportInfo& info) {
  const std::string device_id = absl::StrCat("device-", info.reader_serial);
  std::string out = absl::StrCat(
      "{\"@type\":\"CVR.CastVoteRecordReport\",\"Version\":\"1.0.0\",\"GeneratedDate\":",
      JsonString(info.generated_utc), ",\"ReportGeneratingDeviceIds\":[", JsonString(device_id),
      "],\"ReportingDevice\":[{\"@type\":\"CVR.ReportingDevice\",\"@id\":", JsonString(device_id),
      ",\"Manufacturer\":\"Esep\",\"SerialNumber\":", JsonString(info.reader_serial),
      "}],\"GpUnit\":[{\"@type\":\"CVR.GpUnit\",\"@id\":",
      JsonString(absl::StrCat("gpu-", info.precinct_id)),
      ",\"Type\":\"precinct\",\"Name\":", JsonString(info.precinct_id), ",\"ReportingDeviceIds\":[",
      JsonString(device_id),
      "]}],\"Election\":[{\"@type\":\"CVR.Election\",\"@id\":\"election\",\"Name\":",
      JsonString(Title(election.title())),
      ",\"ElectionScopeId\":", JsonString(absl::StrCat("gpu-", info.precinct_id)),
      ",\"Contest\":[");
  for (int c = 0; c < election.contests_size(); ++c) {
    const Contest& contest = election.contests(c);
    absl::StrAppend(&out, c ? "," : "", "{\"@type\":\"", ContestType(contest),
                    "\",\"@id\":", JsonString(contest.id()),
                    ",\"Name\":", JsonString(Title(contest.title())),
                    ",\"VotesAllowed\":", contest.vote_for(), ",\"ContestSelection\":[");
    for (int o = 0; o < contest.options_size(); ++o) {
      absl::StrAppend(&out, o ? "," : "", "{\"@type\":\"CVR.ContestSelection\",\"@id\":",
                      JsonString(SelectionId(contest.id(), contest.options(o).id())), "}");
    }
    out += "]}";
  }
  out += "]}],\"CVR\":[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    absl::StrAppend(&out, i ? ",\n" : "\n", CvrJson(records[i], device_id));
  }
  out += "\n]}\n";
  return out;
}

std::string EventLogJson(const Election& election, const std::vector<LogEvent>& events,
                         const NistReportInfo& info) {
  std::string out = absl::StrCat(
      "{\"@type\":\"EventLogging.ElectionEventLog\",\"ElectionId\":", JsonString(election.id()),
      ",\"GeneratedTime\":", JsonString(info.generated_utc),
      ",\"Details\":", JsonString(absl::StrCat("precinct ", info.precinct_id)),
      ",\"Device\":[{\"@type\":\"EventLogging.Device\",\"Id\":", JsonString(info.reader_serial),
      ",\"Manufacturer\":\"Esep\",\"Type\":\"scan-single\",\"HashType\":\"sha-256\","
      "\"Event\":[");
  for (std::size_t i = 0; i < events.size(); ++i) {
    const LogEvent& e = events[i];
    absl::StrAppend(
        &out, i ? ",\n" : "\n", "{\"@type\":\"EventLogging.Event\",\"Id\":", JsonString(e.type()),
        ",\"Sequence\":\"", e.sequence(), "\",\"TimeStamp\":", JsonString(IsoUtc(e.unix_seconds())),
        ",\"Type\":", JsonString(e.type()), ",\"Description\":", JsonString(e.detail()),
        ",\"Disposition\":\"success\",\"Hash\":", JsonString(e.hash()),
        ",\"Details\":", JsonString(absl::StrCat("previous ", e.previous_hash())), "}");
  }
  out += "\n]}]}\n";
  return out;
}

absl::StatusOr<std::string> PrecinctResultsNist1500_100(const Election& election,
                                                        const PrecinctProtocol& protocol,
                                                        const std::string& generated_utc) {
  // The centre's own arithmetic and report, over this one precinct.
  absl::StatusOr<transport::Results> results = transport::Aggregate(election, {protocol});
  if (!results.ok()) return results.status();
  if (!results->excluded.empty()) {
    const transport::ExcludedProtocol& e = results->excluded.front();
    return absl::FailedPreconditionError(absl::StrCat("the protocol of precinct ", e.precinct_id,
                                                      " is ", transport::ExclusionText(e.exclusion),
                                                      ": ", e.reason));
  }
  transport::NistExportOptions options;
  options.generated_date = generated_utc;
  return transport::ExportNist1500_100(election, *results, options);
}

}  // namespace esep::audit
