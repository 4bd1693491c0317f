// The protocol as plain text (esep/proto/protocol_text.h, with its relations checked) and as JSON.
#include "esep/proto/protocol_text.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "esep/proto/election.h"
#include "esep/proto/protocol_checks.h"
#include "esep/report/protocol_sheet.h"

namespace esep::report {

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string FormatProtocolText(const Election& election, const PrecinctProtocol& p) {
  // The relations need the protocol's own election definition.
  return esep::FormatProtocolText(election, p,
                                  election.id() == p.election_id()
                                      ? CheckProtocol(p, election, std::nullopt)
                                      : std::vector<ProtocolCheck>{});
}

std::string FormatProtocolJson(const PrecinctProtocol& p) {
  std::string out = absl::StrCat(
      "{\"election_id\":", JsonString(p.election_id()),
      ",\"election_hash\":", JsonString(p.election_hash()),
      ",\"precinct_id\":", JsonString(p.precinct_id()),
      ",\"reader_serial\":", JsonString(p.reader_serial()), ",\"revision\":", p.revision(),
      ",\"status\":", JsonString(ProtocolStatusName(p.status()).en),
      ",\"polls_opened_unix_seconds\":", p.polls_opened_unix_seconds(),
      ",\"polls_closed_unix_seconds\":", p.polls_closed_unix_seconds(),
      ",\"created_unix_seconds\":", p.created_unix_seconds(), ",\"lines\":{");
  bool first = true;
  for (const ProtocolLine& line : GeneralProtocolLines(p)) {
    absl::StrAppend(&out, first ? "" : ",", "\"", line.code, "\":", line.value);
    first = false;
  }
  out += "},\"contests\":[";
  for (int c = 0; c < p.contests_size(); ++c) {
    const ContestResult& r = p.contests(c);
    absl::StrAppend(&out, c ? "," : "", "{\"contest_id\":", JsonString(r.contest_id()),
                    ",\"vote_for\":", r.vote_for(), ",\"L8\":", r.invalid_ballots(),
                    ",\"L9\":", r.valid_ballots(), ",\"options\":[");
    for (int i = 0; i < r.options_size(); ++i) {
      absl::StrAppend(&out, i ? "," : "", "{\"line\":\"L", 12 + i,
                      "\",\"option_id\":", JsonString(r.options(i).option_id()),
                      ",\"votes\":", r.options(i).votes(), "}");
    }
    out += "]}";
  }
  absl::StrAppend(&out, "],\"records_root_hash\":", JsonString(p.records_root_hash()),
                  ",\"event_log_head_hash\":", JsonString(p.event_log_head_hash()), "}");
  return out;
}

}  // namespace esep::report
