// `esep reader` with a simulated reader: the image it writes is the deck's, and the exit
// statuses follow commands.h.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "commands.h"

namespace esep::cli {
int RunReaderCommand(const std::vector<std::string>& args);

namespace {

namespace fs = std::filesystem;

class ReaderCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("esep-reader-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ballot_ = cv::Mat(64, 48, CV_8UC1);
    for (int y = 0; y < ballot_.rows; ++y) {
      for (int x = 0; x < ballot_.cols; ++x) {
        ballot_.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(x * 5 + y * 3);
      }
    }
    png_ = (dir_ / "ballot.png").string();
    ASSERT_TRUE(cv::imwrite(png_, ballot_));
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  cv::Mat ballot_;
  std::string png_;
};

TEST_F(ReaderCommandTest, ScanWritesTheSheetImageAndCastsIt) {
  const std::string out = (dir_ / "out.png").string();
  EXPECT_EQ(RunReaderCommand({"scan", "--sim", png_, "--out", out, "--then", "cast"}), kExitOk);
  const cv::Mat written = cv::imread(out, cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(written.empty());
  ASSERT_EQ(written.type(), CV_8UC1);
  EXPECT_EQ(cv::norm(written, ballot_, cv::NORM_INF), 0.0);
}

TEST_F(ReaderCommandTest, InfoAndStatusSucceed) {
  EXPECT_EQ(RunReaderCommand({"info", "--sim", png_}), kExitOk);
  EXPECT_EQ(RunReaderCommand({"status", "--sim", png_}), kExitOk);
}

TEST_F(ReaderCommandTest, RefusedCommandsExitWithRejected) {
  // A fresh simulated reader holds no sheet: nothing to cast or return.
  EXPECT_EQ(RunReaderCommand({"cast", "--sim", png_}), kExitRejected);
  EXPECT_EQ(RunReaderCommand({"return", "--sim", png_}), kExitRejected);
}

TEST_F(ReaderCommandTest, BadFlagsAndInputsAreUsageErrors) {
  EXPECT_EQ(RunReaderCommand({}), kExitUsage);
  EXPECT_EQ(RunReaderCommand({"eject"}), kExitUsage);
  EXPECT_EQ(RunReaderCommand({"scan", "--sim", png_}), kExitUsage);  // no --out
  EXPECT_EQ(RunReaderCommand({"info", "--device", "xyz"}), kExitUsage);
  EXPECT_EQ(RunReaderCommand({"info", "--sim", (dir_ / "missing.png").string()}), kExitUsage);
  EXPECT_EQ(RunReaderCommand({"info", "--sim", png_, "--serial", "S"}), kExitUsage);
  EXPECT_EQ(RunReaderCommand({"cast", "--sim", png_, "--then", "cast"}), kExitUsage);
  EXPECT_EQ(RunReaderCommand({"--help"}), kExitOk);
  EXPECT_EQ(RunReaderCommand({"info", "--help"}), kExitOk);
}

}  // namespace
}  // namespace esep::cli
