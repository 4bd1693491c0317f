// `esep verify` on a rendered protocol sheet: exit statuses follow commands.h (0 proved, 1 refused,
// 2 usage), and a missing published key is refused unless the embedded one is trusted explicitly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../transport/sample_protocols.h"
#include "commands.h"
#include "esep/proto/election.h"
#include "esep/render/render.h"
#include "esep/report/protocol_sheet.h"
#include "esep/transport/signing.h"

namespace esep::cli {
int RunVerifyCommand(const std::vector<std::string>& args);

namespace {

namespace fs = std::filesystem;

constexpr char kElection[] = "fixtures/elections/referendum-2021.json";

class VerifyCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("esep-verify-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms::owner_all);
    absl::StatusOr<transport::SigningKey> key = transport::LoadOrCreateKey(dir_ / "reader.key");
    ASSERT_TRUE(key.ok()) << key.status();
    absl::StatusOr<transport::SigningKey> other = transport::LoadOrCreateKey(dir_ / "other.key");
    ASSERT_TRUE(other.ok()) << other.status();
    absl::StatusOr<Election> election = LoadElectionFile(kElection);
    ASSERT_TRUE(election.ok()) << election.status();
    const PrecinctProtocol protocol = testing::ConsistentProtocol(*election, "1001", 5);
    const SignedProtocol signed_protocol = transport::SignProtocol(protocol, *key);
    absl::StatusOr<report::WrittenSheet> sheet =
        report::RenderProtocolSheet(*election, protocol, &signed_protocol,
                                    report::SheetFormat::kPng, 150, (dir_ / "sheet.png").string());
    ASSERT_TRUE(sheet.ok()) << sheet.status();
    pages_ = sheet->files;
    absl::StatusOr<cv::Mat> blank = render::RenderForeignPage(210, 297, 100);
    ASSERT_TRUE(blank.ok());
    blank_ = (dir_ / "blank.png").string();
    ASSERT_TRUE(render::WritePng(*blank, blank_).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> Args(std::vector<std::string> flags) {
    flags.insert(flags.end(), pages_.begin(), pages_.end());
    return flags;
  }
  std::string Pub(const char* name) { return (dir_ / name).string() + ".pub"; }

  fs::path dir_;
  std::vector<std::string> pages_;
  std::string blank_;
};

TEST_F(VerifyCommandTest, ProvesTheSheetAgainstThePublishedKeyAndTheElection) {
  EXPECT_EQ(RunVerifyCommand(Args({"--key", Pub("reader.key"), "--election", kElection})), kExitOk);
  EXPECT_EQ(RunVerifyCommand(Args({"--key", Pub("reader.key"), "--json"})), kExitOk);
}

TEST_F(VerifyCommandTest, RefusesAnotherKeyAndASheetWithoutCodes) {
  EXPECT_EQ(RunVerifyCommand(Args({"--key", Pub("other.key")})), kExitRejected);
  EXPECT_EQ(RunVerifyCommand({"--key", Pub("reader.key"), blank_}), kExitRejected);
  EXPECT_EQ(RunVerifyCommand(Args({"--key", Pub("reader.key"), "--election",
                                   "fixtures/elections/party-list-2021.json"})),
            kExitRejected);
}

TEST_F(VerifyCommandTest, NeedsAKeyOrAnExplicitTrustInTheEmbeddedOne) {
  EXPECT_EQ(RunVerifyCommand(Args({})), kExitUsage);
  EXPECT_EQ(RunVerifyCommand(Args({"--trust-embedded-key"})), kExitOk);
  EXPECT_EQ(RunVerifyCommand(Args({"--trust-embedded-key", "--key", Pub("reader.key")})),
            kExitUsage);
}

TEST_F(VerifyCommandTest, BadFlagsAndInputsAreUsageErrors) {
  EXPECT_EQ(RunVerifyCommand({}), kExitUsage);
  EXPECT_EQ(RunVerifyCommand({"--key", Pub("reader.key")}), kExitUsage);
  EXPECT_EQ(RunVerifyCommand({"--key", Pub("reader.key"), (dir_ / "missing.png").string()}),
            kExitUsage);
  EXPECT_EQ(RunVerifyCommand(Args({"--key", (dir_ / "missing.pub").string()})), kExitUsage);
  EXPECT_EQ(RunVerifyCommand(Args({"--key", Pub("reader.key"), "--bogus"})), kExitUsage);
  EXPECT_EQ(RunVerifyCommand({"--help"}), kExitOk);
}

}  // namespace
}  // namespace esep::cli
