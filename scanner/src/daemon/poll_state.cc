#include "esep/scanner/poll_state.h"

#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "esep/text/sentence.h"

namespace esep::scanner {
namespace {

constexpr std::array<PollTransition, 9> kTransitions = {{
    {PollState::kSetup, PollCommand::kStartTest, PollState::kTesting},
    {PollState::kReady, PollCommand::kStartTest, PollState::kTesting},
    {PollState::kTesting, PollCommand::kFinishTest, PollState::kReady},
    {PollState::kReady, PollCommand::kOpenPolls, PollState::kOpen},
    {PollState::kOpen, PollCommand::kClosePolls, PollState::kClosed},
    {PollState::kClosed, PollCommand::kFinalizeProtocol, PollState::kProtocolFinal},
    {PollState::kProtocolFinal, PollCommand::kMarkTransmitted, PollState::kTransmitted},
    // A correction: a new revision replaces the final protocol, before or after transmission.
    {PollState::kProtocolFinal, PollCommand::kFinalizeProtocol, PollState::kProtocolFinal},
    {PollState::kTransmitted, PollCommand::kFinalizeProtocol, PollState::kProtocolFinal},
}};

constexpr std::array<PollState, 7> kStates = {
    PollState::kSetup,  PollState::kTesting,       PollState::kReady,      PollState::kOpen,
    PollState::kClosed, PollState::kProtocolFinal, PollState::kTransmitted};

// Why a command is refused, in the commission's terms.
text::Sentence Refusal(PollState from, PollCommand command) {
  if (command == PollCommand::kOpenPolls) {
    if (from == PollState::kSetup || from == PollState::kTesting) {
      return {N_("the logic-and-accuracy test must be finished before the polls open"), {}};
    }
    if (from == PollState::kOpen) return {N_("the polls are already open"), {}};
    return {N_("polls that were closed can never be reopened"), {}};
  }
  if (command == PollCommand::kStartTest && from != PollState::kTesting) {
    return {N_("the logic-and-accuracy test is only run before the polls open"), {}};
  }
  return {N_("cannot {command} while {state}"),
          {{"command", PollCommandName(command), true}, {"state", PollStateName(from), true}}};
}

}  // namespace

std::span<const PollTransition> PollTransitions() { return kTransitions; }

absl::StatusOr<PollState> NextPollState(PollState from, PollCommand command) {
  for (const PollTransition& t : kTransitions) {
    if (t.from == from && t.command == command) return t.to;
  }
  return text::SentenceError(absl::StatusCode::kFailedPrecondition, Refusal(from, command));
}

bool AcceptsTestBallots(PollState state) { return state == PollState::kTesting; }
bool AcceptsLiveBallots(PollState state) { return state == PollState::kOpen; }

const char* PollStateName(PollState state) {
  switch (state) {
    case PollState::kSetup:
      return N_("setup");
    case PollState::kTesting:
      return N_("testing");
    case PollState::kReady:
      return N_("ready");
    case PollState::kOpen:
      return N_("open");
    case PollState::kClosed:
      return N_("closed");
    case PollState::kProtocolFinal:
      return N_("protocol_final");
    case PollState::kTransmitted:
      return N_("transmitted");
  }
  return "?";
}

const char* PollCommandName(PollCommand command) {
  switch (command) {
    case PollCommand::kStartTest:
      return N_("start the logic-and-accuracy test");
    case PollCommand::kFinishTest:
      return N_("finish the logic-and-accuracy test");
    case PollCommand::kOpenPolls:
      return N_("open the polls");
    case PollCommand::kClosePolls:
      return N_("close the polls");
    case PollCommand::kFinalizeProtocol:
      return N_("finalize the protocol");
    case PollCommand::kMarkTransmitted:
      return N_("record the transmission");
  }
  return "?";
}

std::optional<PollState> ParsePollState(std::string_view name) {
  for (PollState s : kStates) {
    if (name == PollStateName(s)) return s;
  }
  return std::nullopt;
}

}  // namespace esep::scanner
