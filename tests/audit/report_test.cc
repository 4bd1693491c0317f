// The replay report is written only inside the directory the auditor names: links planted there
// are replaced, never followed, and a record id that is not a name writes no file.
#include "esep/audit/report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "esep/audit/json.h"
#include "esep/proto/election.h"
#include "scratch_directory.h"

namespace esep::audit {
namespace {

namespace fs = std::filesystem;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> e = LoadElectionFile("fixtures/elections/referendum-2021.json");
    ASSERT_TRUE(e.ok()) << e.status();
    election_ = *e;
    absl::StatusOr<Replayer> r = Replayer::Create(election_, "1002", std::nullopt);
    ASSERT_TRUE(r.ok()) << r.status();
    replayer_.emplace(*std::move(r));
    root_ = testing::FreshDirectory("esep-report");
    out_ = root_ / "report";
    fs::create_directories(out_);
    ASSERT_TRUE(WriteFileBytes((root_ / "outside.txt").string(), "outside").ok());
  }
  void TearDown() override { fs::remove_all(root_); }

  absl::Status Write(const AuditResult& result) {
    return WriteReplayReport(out_, election_, result, {"R1", "1002", "2021-01-10T20:00:00Z"},
                             *replayer_);
  }
  std::string Outside() const {
    absl::StatusOr<std::string> bytes = ReadFileBytes((root_ / "outside.txt").string());
    return bytes.ok() ? *bytes : "unreadable";
  }

  Election election_;
  std::optional<Replayer> replayer_;
  fs::path root_;
  fs::path out_;
};

TEST_F(ReportTest, ReplacesLinksPlantedInTheReportDirectory) {
  for (const char* file : {"tally.txt", "notes.txt", "discrepancies.txt", kCvrJsonFile}) {
    fs::create_symlink(root_ / "outside.txt", out_ / file);
  }
  AuditResult result;
  result.notes = {"a note"};
  result.discrepancies = {{"record", "r1", "differs"}};
  ASSERT_TRUE(Write(result).ok());
  EXPECT_EQ(Outside(), "outside");
  for (const char* file : {"tally.txt", "notes.txt", "discrepancies.txt", kCvrJsonFile}) {
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(out_ / file))) << file;
  }
  EXPECT_EQ(*ReadFileBytes((out_ / "notes.txt").string()), "a note\n");
}

TEST_F(ReportTest, RefusesALinkedOverlaysDirectory) {
  fs::create_directories(root_ / "elsewhere");
  fs::create_directory_symlink(root_ / "elsewhere", out_ / "overlays");
  const absl::Status status = Write(AuditResult());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("symbolic link"), std::string::npos) << status;
}

TEST_F(ReportTest, RecordIdThatIsNotANameWritesNoOverlay) {
  AuditResult result;
  result.differences.push_back(
      {"../../escaped", {root_, "image.png"}, false, Interpretation(), Interpretation()});
  EXPECT_FALSE(Write(result).ok());
  EXPECT_FALSE(fs::exists(root_ / "escaped.png"));
  EXPECT_FALSE(fs::exists(root_.parent_path() / "escaped.png"));
}

}  // namespace
}  // namespace esep::audit
