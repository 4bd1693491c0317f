// `esep interpret --calibration`: which profiles it takes and which it refuses.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "commands.h"
#include "esep/proto/calibration.pb.h"

namespace esep::cli {
int RunInterpretCommand(const std::vector<std::string>& args);

namespace {

namespace fs = std::filesystem;

class InterpretCalibrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("esep-interpret-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    profile_.set_format_version(1);
    profile_.set_reader_serial("SIM-0001");
    profile_.set_pass(true);
    profile_.mutable_recommended_thresholds()->set_definite(0.21);
    profile_.mutable_recommended_thresholds()->set_marginal(0.07);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // Runs `esep interpret --thresholds` with the profile; returns the exit status and the output.
  int Run(const std::string& profile_path, std::string* out, std::string* err) {
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    const int status = RunInterpretCommand({"--election", "fixtures/elections/referendum-2021.json",
                                            "--thresholds", "--calibration", profile_path});
    *out = ::testing::internal::GetCapturedStdout();
    *err = ::testing::internal::GetCapturedStderr();
    return status;
  }

  fs::path dir_;
  CalibrationProfile profile_;
};

TEST_F(InterpretCalibrationTest, FailedProfileIsRefusedNotUsed) {
  profile_.set_pass(false);
  std::string out, err;
  EXPECT_EQ(Run(Write("failed.pb", profile_.SerializeAsString()), &out, &err), kExitUsage);
  EXPECT_NE(err.find("failed its checks"), std::string::npos) << err;
  EXPECT_EQ(out.find("calibration profile"), std::string::npos) << out;
}

TEST_F(InterpretCalibrationTest, PassedProfileIsTakenAsBinaryOrJson) {
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(profile_, &json).ok());
  for (const std::string& path :
       {Write("passed.pb", profile_.SerializeAsString()), Write("passed.json", json)}) {
    std::string out, err;
    EXPECT_EQ(Run(path, &out, &err), kExitOk) << path << ": " << err;
    EXPECT_NE(out.find("calibration profile"), std::string::npos) << path << ": " << out;
  }
  std::string out, err;
  EXPECT_EQ(Run(Write("garbage.json", "{\"no\": 1}"), &out, &err), kExitUsage);
  EXPECT_NE(err.find("is not a calibration profile"), std::string::npos) << err;
}

}  // namespace
}  // namespace esep::cli
