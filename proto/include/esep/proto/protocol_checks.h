#ifndef ESEP_PROTO_PROTOCOL_CHECKS_H_
#define ESEP_PROTO_PROTOCOL_CHECKS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "esep/proto/election.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"

namespace esep {

// One control relation of the precinct protocol, checked.
struct ProtocolCheck {
  std::string relation;  // e.g. "L1 >= L3 + L4"
  bool blocking;         // a broken blocking relation keeps the protocol from being final
  bool holds;
  std::string detail;  // the numbers, e.g. "2150 >= 1203 + 14"
};

// Voters on the list (L1) more than this share (percent) below the precinct's registered voters
// in the election definition is a warning that needs the commission's written explanation: a
// list changes before election day, but not by that much.
inline constexpr std::uint64_t kVotersOnListShortfallPercent = 10;
// The relation of that warning, as CheckProtocol names it.
inline constexpr char kVotersOnListNearRegistered[] =
    "L1 at most 10% below the registered voters in the election definition";

// Checks every control relation of mission brief's protocol model against the election
// definition: L1 >= L3 + L4; L2 = L3 + L4 + L5 + L10 - L11; per contest L6 + L7 = L8 + L9,
// L9 = sum of votes (vote for 1) or sum <= N x L9 (vote for N), every option of the contest
// present exactly once in ballot order; and, when `machine_cast_count` is given, L6 equals it.
// Warnings (not blocking): L6 + L7 > L3 + L4; invalid ballots at least 3% of ballots in boxes;
// L1 more than kVotersOnListShortfallPercent below the precinct's registered voters.
// Arithmetic is overflow-safe: a sum that overflows breaks the relation.
std::vector<ProtocolCheck> CheckProtocol(const PrecinctProtocol& protocol, const Election& election,
                                         std::optional<std::uint64_t> machine_cast_count);
// The same with ElectionHash(election) computed once by the caller: the tabulation centre checks
// thousands of protocols against one definition and must not serialize it for each.
std::vector<ProtocolCheck> CheckProtocol(const PrecinctProtocol& protocol, const Election& election,
                                         std::string_view election_hash,
                                         std::optional<std::uint64_t> machine_cast_count);
// The same over an index of the definition: constant time in the number of precincts, for
// checking a whole country's protocols.
std::vector<ProtocolCheck> CheckProtocol(const PrecinctProtocol& protocol,
                                         const ElectionIndex& election,
                                         std::optional<std::uint64_t> machine_cast_count);

// True when no blocking relation is broken.
bool ProtocolMayBeFinal(const std::vector<ProtocolCheck>& checks);

// The broken relations, one per line, for the commission; empty when all hold.
std::string DescribeBrokenRelations(const std::vector<ProtocolCheck>& checks);

}  // namespace esep

#endif  // ESEP_PROTO_PROTOCOL_CHECKS_H_
