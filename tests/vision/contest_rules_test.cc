#include "esep/vision/contest_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace esep::vision {
namespace {

Contest MakeContest(int options, int vote_for, bool last_exclusive) {
  Contest contest;
  contest.set_id("c");
  contest.set_vote_for(static_cast<std::uint32_t>(vote_for));
  for (int i = 0; i < options; ++i) {
    Option* option = contest.add_options();
    option->set_id("o" + std::to_string(i));
    option->set_exclusive(last_exclusive && i == options - 1);
  }
  return contest;
}

ContestReading Apply(const Contest& contest, const std::vector<MarkClass>& marks) {
  std::vector<TargetReading> readings;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    TargetReading r;
    r.set_contest_id(contest.id());
    r.set_option_id(contest.options(static_cast<int>(i)).id());
    r.set_mark(marks[i]);
    readings.push_back(r);
  }
  std::vector<const TargetReading*> pointers;
  for (const TargetReading& r : readings) pointers.push_back(&r);
  return ApplyContestRules(contest, pointers);
}

TEST(ContestRulesTest, VoteForOneOutcomes) {
  const Contest c = MakeContest(3, 1, /*last_exclusive=*/false);
  EXPECT_EQ(Apply(c, {EMPTY, EMPTY, EMPTY}).outcome(), BLANK);
  const ContestReading valid = Apply(c, {EMPTY, MARKED, EMPTY});
  EXPECT_EQ(valid.outcome(), VALID);
  ASSERT_EQ(valid.selections_size(), 1);
  EXPECT_EQ(valid.selections(0), "o1");
  const ContestReading over = Apply(c, {MARKED, MARKED, EMPTY});
  EXPECT_EQ(over.outcome(), OVERVOTE);
  EXPECT_EQ(over.selections_size(), 0);
}

TEST(ContestRulesTest, ExclusiveOptionWithAnyOtherIsOvervote) {
  const Contest c = MakeContest(4, 2, /*last_exclusive=*/true);
  EXPECT_EQ(Apply(c, {EMPTY, EMPTY, EMPTY, MARKED}).outcome(), UNDERVOTE);
  EXPECT_EQ(Apply(c, {MARKED, EMPTY, EMPTY, MARKED}).outcome(), OVERVOTE);
  EXPECT_EQ(Apply(c, {MARKED, MARKED, EMPTY, EMPTY}).outcome(), VALID);
  // Vote-for-1 "against all" alone is a valid vote.
  const Contest one = MakeContest(3, 1, true);
  const ContestReading alone = Apply(one, {EMPTY, EMPTY, MARKED});
  EXPECT_EQ(alone.outcome(), VALID);
  EXPECT_EQ(alone.selections(0), "o2");
  EXPECT_EQ(Apply(one, {MARKED, EMPTY, MARKED}).outcome(), OVERVOTE);
}

TEST(ContestRulesTest, MarginalIsNeitherVoteNorNonVote) {
  const Contest c = MakeContest(3, 1, false);
  const ContestReading r = Apply(c, {MARGINAL, MARKED, EMPTY});
  EXPECT_EQ(r.outcome(), VALID);
  EXPECT_TRUE(r.has_marginal());
  const ContestReading blank = Apply(c, {MARGINAL, EMPTY, EMPTY});
  EXPECT_EQ(blank.outcome(), BLANK);
  EXPECT_TRUE(blank.has_marginal());
  EXPECT_FALSE(Apply(c, {EMPTY, MARKED, EMPTY}).has_marginal());
}

// Every combination of EMPTY / MARGINAL / MARKED over five options, for vote-for 1 to 3, with
// and without an exclusive option, against the rules written out case by case.
TEST(ContestRulesTest, ExhaustiveOverAllMarkCombinations) {
  const MarkClass kClasses[] = {EMPTY, MARGINAL, MARKED};
  int checked = 0;
  for (bool exclusive : {false, true}) {
    for (int vote_for = 1; vote_for <= 3; ++vote_for) {
      const Contest c = MakeContest(5, vote_for, exclusive);
      for (int code = 0; code < 243; ++code) {
        std::vector<MarkClass> marks;
        int rest = code;
        for (int i = 0; i < 5; ++i, rest /= 3) marks.push_back(kClasses[rest % 3]);
        int marked = 0;
        bool any_marginal = false;
        std::vector<std::string> expected_selections;
        for (int i = 0; i < 5; ++i) {
          if (marks[static_cast<std::size_t>(i)] == MARGINAL) any_marginal = true;
          if (marks[static_cast<std::size_t>(i)] == MARKED) {
            ++marked;
            expected_selections.push_back("o" + std::to_string(i));
          }
        }
        const bool exclusive_marked = exclusive && marks[4] == MARKED;
        ContestOutcome expected;
        if (marked == 0) {
          expected = BLANK;
        } else if (marked > vote_for) {
          expected = OVERVOTE;
        } else if (exclusive_marked && marked >= 2) {
          expected = OVERVOTE;
        } else if (marked < vote_for) {
          expected = UNDERVOTE;
        } else {
          expected = VALID;
        }
        const ContestReading r = Apply(c, marks);
        ASSERT_EQ(r.outcome(), expected) << "code " << code << " vote_for " << vote_for;
        EXPECT_EQ(r.has_marginal(), any_marginal);
        if (expected == VALID || expected == UNDERVOTE) {
          ASSERT_EQ(r.selections_size(), static_cast<int>(expected_selections.size()));
          for (int i = 0; i < r.selections_size(); ++i) {
            EXPECT_EQ(r.selections(i), expected_selections[static_cast<std::size_t>(i)]);
          }
        } else {
          EXPECT_EQ(r.selections_size(), 0);
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 2 * 3 * 243);
}

}  // namespace
}  // namespace esep::vision
