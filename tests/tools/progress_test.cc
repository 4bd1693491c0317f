#include "progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

namespace esep::cli {
namespace {

TEST(ProgressTest, LogGetsOneLinePerTenthOfTheWork) {
  std::ostringstream log;
  Progress progress("replay", "images", log, /*terminal=*/false);
  for (std::size_t done = 1; done <= 1000; ++done) progress.Update(done, 1000);
  const std::string text = log.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 11) << text;
  EXPECT_NE(text.find("replay: 1/1000 images (0%)"), std::string::npos) << text;
  EXPECT_NE(text.find("replay: 500/1000 images (50%)"), std::string::npos) << text;
  EXPECT_NE(text.find("replay: 1000/1000 images (100%)"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);
}

TEST(ProgressTest, TerminalBarIsRedrawnInPlaceAndEndsWithTheTotal) {
  std::ostringstream tty;
  Progress progress("export", "records", tty, /*terminal=*/true);
  for (std::size_t done = 1; done <= 50; ++done) progress.Update(done, 50);
  const std::string text = tty.str();
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_NE(text.find("[##############################] 100% 50/50 records"), std::string::npos)
      << text;
  progress.Update(50, 50);  // after the end nothing more is drawn
  EXPECT_EQ(tty.str(), text);
}

TEST(ProgressTest, EmptyWorkIsDoneAtOnce) {
  std::ostringstream log;
  Progress progress("deck", "ballots", log, false);
  progress.Update(0, 0);
  EXPECT_NE(log.str().find("deck: 0/0 ballots (100%)"), std::string::npos) << log.str();
}

}  // namespace
}  // namespace esep::cli
