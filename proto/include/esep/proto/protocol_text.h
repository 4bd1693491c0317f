#ifndef ESEP_PROTO_PROTOCOL_TEXT_H_
#define ESEP_PROTO_PROTOCOL_TEXT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/proto/protocol_checks.h"

// The precinct protocol's lines with their names, and the protocol as text: one source for the
// commission's console (esepd), the printed sheet, `esep verify` and the JSON, so that every
// form of the protocol names and shows a line the same way.
namespace esep {

struct Trilingual {
  const char* ky;
  const char* ru;
  const char* en;
};

struct ProtocolLine {
  const char* code;  // "L1"
  Trilingual name;
  std::uint64_t value;
};

// L1-L7, L10 and L11: the lines that do not depend on the contest.
std::vector<ProtocolLine> GeneralProtocolLines(const PrecinctProtocol& protocol);
// L8 and L9 of one contest.
std::vector<ProtocolLine> ContestProtocolLines(const ContestResult& result);

// "ky / ru / en".
std::string JoinTrilingual(const Trilingual& t);
// The status in the three languages.
Trilingual ProtocolStatusName(ProtocolStatus status);
// Local time at the precinct (Asia/Bishkek) with UTC:
// "2021-03-31 11:00:00 Бишкек/Bishkek (UTC+6) = 05:00:00 UTC", or "-" for 0 (not yet known).
std::string ProtocolTimeText(std::int64_t unix_seconds);
// An option's name as printed: Kyrgyz, and Russian when it differs; the id when not in `contest`.
std::string PrintedOptionName(const Contest* contest, const std::string& option_id);
// A contest's title in Kyrgyz / Russian, or its id.
std::string PrintedContestTitle(const Contest* contest, const std::string& contest_id);

// One number a correction changed from the revision it replaces.
struct ProtocolChange {
  std::string code;  // "L6", or "L12" for an option's votes
  std::string name;  // the line's name; for a contest's lines and options "[contest] name"
  std::uint64_t before = 0;
  std::uint64_t after = 0;
};

// Every number of `after` that differs from `before` (the revision it replaces), in the order of
// the sheet: the general lines, then each contest's L8, L9 and options' votes, matched by contest
// and option id (one missing on a side counts as 0 there).
std::vector<ProtocolChange> ProtocolChanges(const Election& election,
                                            const PrecinctProtocol& before,
                                            const PrecinctProtocol& after);

// The protocol as plain text: heading, every line with its number and name, each contest's
// lines and options, the control relations in `checks` (holds, BROKEN or WARNING, with their
// numbers), the commission's explanation, and the records root and event-log head hashes.
// With `replaced` (the revision a correction replaces), what the correction changed comes after
// the lines.
std::string FormatProtocolText(const Election& election, const PrecinctProtocol& protocol,
                               const std::vector<ProtocolCheck>& checks,
                               const PrecinctProtocol* replaced = nullptr);

}  // namespace esep

#endif  // ESEP_PROTO_PROTOCOL_TEXT_H_
