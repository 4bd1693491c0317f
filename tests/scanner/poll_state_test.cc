#include "esep/scanner/poll_state.h"

#include <gtest/gtest.h>

#include <string>

namespace esep::scanner {
namespace {

constexpr PollState kAll[] = {
    PollState::kSetup,  PollState::kTesting,       PollState::kReady,      PollState::kOpen,
    PollState::kClosed, PollState::kProtocolFinal, PollState::kTransmitted};
constexpr PollCommand kCommands[] = {PollCommand::kStartTest,        PollCommand::kFinishTest,
                                     PollCommand::kOpenPolls,        PollCommand::kClosePolls,
                                     PollCommand::kFinalizeProtocol, PollCommand::kMarkTransmitted};

TEST(PollStateTest, ElectionDayRunsInOrder) {
  PollState s = PollState::kSetup;
  for (PollCommand c :
       {PollCommand::kStartTest, PollCommand::kFinishTest, PollCommand::kOpenPolls,
        PollCommand::kClosePolls, PollCommand::kFinalizeProtocol, PollCommand::kMarkTransmitted}) {
    absl::StatusOr<PollState> next = NextPollState(s, c);
    ASSERT_TRUE(next.ok()) << PollStateName(s) << ": " << next.status();
    s = *next;
  }
  EXPECT_EQ(s, PollState::kTransmitted);
}

TEST(PollStateTest, PollsNeverReopenAfterClose) {
  for (PollState s : {PollState::kClosed, PollState::kProtocolFinal, PollState::kTransmitted}) {
    absl::StatusOr<PollState> next = NextPollState(s, PollCommand::kOpenPolls);
    ASSERT_FALSE(next.ok());
    EXPECT_NE(std::string(next.status().message()).find("never be reopened"), std::string::npos);
    EXPECT_FALSE(NextPollState(s, PollCommand::kStartTest).ok());
  }
}

TEST(PollStateTest, PollsOpenOnlyAfterTheTest) {
  absl::StatusOr<PollState> next = NextPollState(PollState::kSetup, PollCommand::kOpenPolls);
  ASSERT_FALSE(next.ok());
  EXPECT_NE(std::string(next.status().message()).find("logic-and-accuracy test must be finished"),
            std::string::npos);
}

TEST(PollStateTest, OnlyTheTableIsAllowed) {
  int allowed = 0;
  for (PollState s : kAll) {
    for (PollCommand c : kCommands) {
      bool listed = false;
      for (const PollTransition& t : PollTransitions()) listed |= t.from == s && t.command == c;
      const absl::StatusOr<PollState> next = NextPollState(s, c);
      EXPECT_EQ(next.ok(), listed) << PollStateName(s) << " / " << PollCommandName(c);
      if (!next.ok()) {
        EXPECT_FALSE(next.status().message().empty());
      }
      allowed += next.ok();
    }
  }
  EXPECT_EQ(allowed, 9);
}

TEST(PollStateTest, BallotsAreTakenOnlyWhileTestingOrOpen) {
  for (PollState s : kAll) {
    EXPECT_EQ(AcceptsTestBallots(s), s == PollState::kTesting) << PollStateName(s);
    EXPECT_EQ(AcceptsLiveBallots(s), s == PollState::kOpen) << PollStateName(s);
  }
}

TEST(PollStateTest, NamesRoundTrip) {
  for (PollState s : kAll) EXPECT_EQ(ParsePollState(PollStateName(s)), s);
  EXPECT_EQ(ParsePollState("reopened"), std::nullopt);
}

}  // namespace
}  // namespace esep::scanner
