#ifndef ESEP_TOOLS_REPORT_PROTOCOL_LINES_H_
#define ESEP_TOOLS_REPORT_PROTOCOL_LINES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"

// The protocol's lines with their names, shared by the printed sheet, the text and the JSON, so
// that every form of the protocol names a line the same way.
namespace esep::report::internal {

struct Trilingual {
  const char* ky;
  const char* ru;
  const char* en;
};

struct Line {
  const char* code;  // "L1"
  Trilingual name;
  std::uint64_t value;
};

// L1-L7, L10 and L11: the lines that do not depend on the contest.
std::vector<Line> GeneralLines(const PrecinctProtocol& protocol);
// L8 and L9 of one contest.
std::vector<Line> ContestLines(const ContestResult& result);

// "ky / ru / en".
std::string Tri(const Trilingual& t);
// The status in the three languages.
Trilingual StatusName(ProtocolStatus status);
// "2021-03-31 05:00:00 UTC", or "-" for 0.
std::string TimeText(std::int64_t unix_seconds);
// An option's name as printed: Kyrgyz, and Russian when it differs; the id when not in `contest`.
std::string OptionName(const Contest* contest, const std::string& option_id);
// A contest's title in Kyrgyz / Russian, or its id.
std::string ContestTitle(const Contest* contest, const std::string& contest_id);

}  // namespace esep::report::internal

#endif  // ESEP_TOOLS_REPORT_PROTOCOL_LINES_H_
