#ifndef ESEP_SCANNER_PROTOCOL_BUILDER_H_
#define ESEP_SCANNER_PROTOCOL_BUILDER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/proto/protocol_checks.h"
#include "esep/scanner/ballot_store.h"

namespace esep::scanner {

// Everything a precinct protocol is made of: the reader's live tally, the commission's lines and
// the hashes that bind the protocol to the stored records and event log.
struct ProtocolInputs {
  const Election* election = nullptr;
  std::string election_hash;
  std::string precinct_id;
  std::string reader_serial;
  const Tally* live = nullptr;
  const CommissionLines* lines = nullptr;
  std::string records_root_hash;
  std::string event_log_head_hash;
  std::int64_t polls_opened_unix_seconds = 0;
  std::int64_t polls_closed_unix_seconds = 0;
  std::int64_t created_unix_seconds = 0;
  std::uint32_t revision = 1;
  ProtocolStatus status = PRELIMINARY;
};

// The reader's count of cast ballots of one kind (protocol line L6): on a day with several ballots
// per voter the sheets cast of the kind's style at the precinct, otherwise every sheet cast.
std::uint64_t BallotsCastOfKind(const Election& election, const Tally& tally,
                                const std::string& kind);

// Makes the protocol of the ballot kind the commission's lines count (their `ballot_kind`; empty
// in an election without kinds): L6 is the reader's count of cast ballots of that kind; per contest
// of the precinct's ballot (in ballot order), L8 = the machine's overvoted and blank ballots plus
// the mobile boxes' invalid ones, L9 = the machine's valid and undervoted ballots plus the mobile
// boxes' valid ones, and each option's votes are the machine's plus the hand count's. Refuses hand
// counts for contests or options that are not on this precinct's ballot, and times that go
// backwards (the polls opened <= closed <= the protocol made). Does not check the control
// relations: that is CheckProtocol's job, before a protocol is made final.
absl::StatusOr<PrecinctProtocol> BuildPrecinctProtocol(const ProtocolInputs& inputs);

// Checks entered lines for what can be told without the machine's counts: the ballot kind is the
// election's and issued at the precinct, every hand-counted contest and option is on the
// precinct's ballot of that kind, each once, no count overflows, and L1 is not above the precinct's
// registered voters in the definition. An error names the field.
absl::Status ValidateCommissionLines(const Election& election, const std::string& precinct_id,
                                     const CommissionLines& lines);

// The reader's own bounds, the ones the tabulation centre would otherwise only hold for review
// (transport's ProtocolBounds): blocking "L6 + L7 <= L1" (no turnout above 100%) and
// "L1 <= registered voters" when the definition names them.
std::vector<ProtocolCheck> PrecinctBoundsChecks(const PrecinctProtocol& protocol,
                                                const Election& election);

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_PROTOCOL_BUILDER_H_
