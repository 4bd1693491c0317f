// The `esep interpret` command end to end: the built tool run on synthetic ballot images.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <string>

#include "synthetic_ballot.h"

namespace esep::vision {
namespace {

namespace fs = std::filesystem;

struct ToolRun {
  int exit_code = -1;
  std::string out;
};

ToolRun Esep(const std::string& args) {
  const std::string command = std::string(ESEP_BINARY) + " " + args + " 2>/dev/null";
  ToolRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class InterpretCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("esep-interpret-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    const Election election =
        testing::LoadFixtureElection("fixtures/elections/referendum-2021.json");
    testing::SyntheticBallot b;
    b.barcode_text = testing::BarcodeText(election, "referendum", "1002", false);
    b.marks["parliamentary"] = testing::SyntheticMark::kFilled;
    ASSERT_TRUE(cv::imwrite((dir_ / "ballot.png").string(),
                            testing::DrawBallot(election.ballot_styles(0), b)));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  const std::string election_ = "--election fixtures/elections/referendum-2021.json";
  fs::path dir_;
};

TEST_F(InterpretCommandTest, PrintsOneJsonLinePerImageAndExitsZero) {
  const ToolRun run =
      Esep("interpret " + election_ + " --precinct 1002 --json " + Path("ballot.png"));
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1);
  EXPECT_NE(run.out.find("\"status\":\"accepted\""), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"style\":\"referendum\""), std::string::npos);
  EXPECT_NE(run.out.find("\"outcome\":\"valid\""), std::string::npos);
  EXPECT_NE(run.out.find("\"selections\":[\"parliamentary\"]"), std::string::npos);
  EXPECT_NE(run.out.find("\"option_id\":\"parliamentary\",\"score\":"), std::string::npos);
  EXPECT_NE(run.out.find("\"mark\":\"marked\""), std::string::npos);
}

TEST_F(InterpretCommandTest, RejectedBallotExitsOne) {
  const ToolRun run = Esep("interpret " + election_ + " --precinct 2001 " + Path("ballot.png"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("wrong_precinct"), std::string::npos) << run.out;
}

TEST_F(InterpretCommandTest, UsageAndUnreadableFilesExitTwo) {
  EXPECT_EQ(Esep("interpret " + Path("ballot.png")).exit_code, 2);  // no --election
  EXPECT_EQ(Esep("interpret " + election_ + " --bogus " + Path("ballot.png")).exit_code, 2);
  EXPECT_EQ(Esep("interpret " + election_ + " " + Path("missing.png")).exit_code, 2);
  std::ofstream(Path("junk.png")) << "not an image";
  EXPECT_EQ(Esep("interpret " + election_ + " " + Path("junk.png")).exit_code, 2);
}

TEST_F(InterpretCommandTest, PrintsThresholdsAndWritesOverlays) {
  const ToolRun thresholds = Esep("interpret " + election_ + " --thresholds");
  EXPECT_EQ(thresholds.exit_code, 0);
  EXPECT_NE(thresholds.out.find("6.00%"), std::string::npos) << thresholds.out;
  EXPECT_NE(thresholds.out.find("3.00%"), std::string::npos);
  const ToolRun one = Esep("interpret " + election_ + " --overlay " + Path("overlay.png") + " " +
                           Path("ballot.png"));
  EXPECT_EQ(one.exit_code, 0) << one.out;
  const cv::Mat overlay = cv::imread(Path("overlay.png"));
  ASSERT_FALSE(overlay.empty());
  EXPECT_EQ(overlay.channels(), 3);
  fs::copy_file(Path("ballot.png"), Path("second.png"));
  const ToolRun many = Esep("interpret " + election_ + " --overlay " + Path("overlays") + " " +
                            Path("ballot.png") + " " + Path("second.png"));
  EXPECT_EQ(many.exit_code, 0) << many.out;
  EXPECT_TRUE(fs::exists(dir_ / "overlays" / "ballot.overlay.png"));
  EXPECT_TRUE(fs::exists(dir_ / "overlays" / "second.overlay.png"));
}

}  // namespace
}  // namespace esep::vision
