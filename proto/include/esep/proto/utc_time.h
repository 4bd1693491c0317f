#ifndef ESEP_PROTO_UTC_TIME_H_
#define ESEP_PROTO_UTC_TIME_H_

#include <cstdint>
#include <string>

namespace esep {

// Times as every report, log and export prints them: UTC, to the second (VVSG 1.1.9-M).
// "2021-01-10 08:00:00 UTC" for people; "2021-01-10T08:00:00Z" (RFC 3339) for machines.
std::string UtcText(std::int64_t unix_seconds);
std::string UtcRfc3339(std::int64_t unix_seconds);

}  // namespace esep

#endif  // ESEP_PROTO_UTC_TIME_H_
