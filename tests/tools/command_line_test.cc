#include "command_line.h"

#include <gtest/gtest.h>

namespace esep::cli {
namespace {

const std::vector<FlagSpec> kSpecs = {
    {"election", true, ""}, {"json", false, ""}, {"dpi", true, ""}};

TEST(CommandLineTest, ParsesValuesSwitchesAndPositionals) {
  absl::StatusOr<CommandLine> cl =
      CommandLine::Parse({"--election", "e.json", "a.png", "--json", "--dpi=300", "b.png"}, kSpecs);
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->Get("election"), "e.json");
  EXPECT_TRUE(cl->Has("json"));
  EXPECT_EQ(*cl->GetInt("dpi", 200, 100, 600), 300);
  EXPECT_EQ(cl->positional(), (std::vector<std::string>{"a.png", "b.png"}));
}

TEST(CommandLineTest, DoubleDashEndsFlags) {
  absl::StatusOr<CommandLine> cl = CommandLine::Parse({"--", "--json"}, kSpecs);
  ASSERT_TRUE(cl.ok());
  EXPECT_FALSE(cl->Has("json"));
  EXPECT_EQ(cl->positional(), std::vector<std::string>{"--json"});
}

TEST(CommandLineTest, RejectsBadFlags) {
  EXPECT_FALSE(CommandLine::Parse({"--colour", "red"}, kSpecs).ok());
  EXPECT_FALSE(CommandLine::Parse({"--election"}, kSpecs).ok());
  EXPECT_FALSE(CommandLine::Parse({"--json=yes"}, kSpecs).ok());
  EXPECT_FALSE(CommandLine::Parse({"--dpi", "1", "--dpi", "2"}, kSpecs).ok());
  absl::StatusOr<CommandLine> cl = CommandLine::Parse({"--dpi", "12x"}, kSpecs);
  ASSERT_TRUE(cl.ok());
  EXPECT_FALSE(cl->GetInt("dpi", 200, 100, 600).ok());
  EXPECT_FALSE(cl->Require("election").ok());
}

TEST(CommandLineTest, AnUnknownOrMissingActionSaysWhatWasWrong) {
  const std::vector<std::string> actions = {"verify", "show"};
  absl::StatusOr<CommandLine> cl = ParseWithAction({"shw"}, kSpecs, actions);
  ASSERT_FALSE(cl.ok());
  EXPECT_EQ(cl.status().message(), "unknown action \"shw\" (verify or show)");
  cl = ParseWithAction({}, kSpecs, actions);
  EXPECT_EQ(cl.status().message(), "name an action: verify or show");
  cl = ParseWithAction({"show", "extra"}, kSpecs, actions);
  EXPECT_EQ(cl.status().message(), "unexpected argument \"extra\" after show");
  EXPECT_TRUE(ParseWithAction({"show", "--json"}, kSpecs, actions).ok());
  std::vector<FlagSpec> with_help = kSpecs;
  with_help.push_back({"help", false, ""});
  EXPECT_TRUE(ParseWithAction({"--help"}, with_help, actions).ok());
}

}  // namespace
}  // namespace esep::cli
