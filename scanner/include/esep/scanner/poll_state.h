#ifndef ESEP_SCANNER_POLL_STATE_H_
#define ESEP_SCANNER_POLL_STATE_H_

#include <optional>
#include <span>

#include "absl/status/statusor.h"

namespace esep::scanner {

// The life of a reader on election day. Polls never reopen once closed (VVSG 1.1.7-E).
enum class PollState {
  kSetup,          // election loaded, nothing counted
  kTesting,        // logic-and-accuracy test: test ballots only, counted apart
  kReady,          // test finished; the live tally is still zero
  kOpen,           // voting: live ballots counted; no results shown (VVSG 1.1.9-K)
  kClosed,         // no more ballots; the commission enters its protocol lines
  kProtocolFinal,  // protocol checked against the control relations and signed
  kTransmitted,    // the tabulation centre returned a signed receipt
};

enum class PollCommand {
  kStartTest,
  kFinishTest,
  kOpenPolls,
  kClosePolls,
  kFinalizeProtocol,
  kMarkTransmitted,
};

struct PollTransition {
  PollState from;
  PollCommand command;
  PollState to;
};

// Every allowed transition; anything not listed is refused.
std::span<const PollTransition> PollTransitions();

// The state `command` leads to from `from`, or an error a commission member can act on.
absl::StatusOr<PollState> NextPollState(PollState from, PollCommand command);

// Whether a sheet may be fed in this state, and as what.
bool AcceptsTestBallots(PollState state);
bool AcceptsLiveBallots(PollState state);

const char* PollStateName(PollState state);
const char* PollCommandName(PollCommand command);
std::optional<PollState> ParsePollState(std::string_view name);

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_POLL_STATE_H_
