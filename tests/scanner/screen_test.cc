#include "esep/scanner/screen.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "esep/vision/return_policy.h"

namespace esep::scanner {
namespace {

class ScreenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("screen_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "assets");
    std::ofstream(dir_ / "assets" / "index.html") << "<!doctype html><title>t</title>";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(ScreenTest, MembersSignInWithTheirOwnPinOnly) {
  const std::filesystem::path file = dir_ / "members";
  ASSERT_TRUE(CommissionMembers::Add(file, "Asel", "1234").ok());
  ASSERT_TRUE(CommissionMembers::Add(file, "Бакыт", "567890").ok());
  absl::StatusOr<CommissionMembers> members = CommissionMembers::Load(file);
  ASSERT_TRUE(members.ok()) << members.status();
  EXPECT_EQ(members->size(), 2u);
  EXPECT_TRUE(members->Verify("Asel", "1234"));
  EXPECT_TRUE(members->Verify("Бакыт", "567890"));
  EXPECT_FALSE(members->Verify("Asel", "567890"));
  EXPECT_FALSE(members->Verify("Nobody", "1234"));
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  // The file keeps hashes, never PINs.
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find("1234"), std::string::npos);
}

TEST_F(ScreenTest, ANewPinReplacesTheOldOne) {
  const std::filesystem::path file = dir_ / "members";
  ASSERT_TRUE(CommissionMembers::Add(file, "Asel", "1234").ok());
  ASSERT_TRUE(CommissionMembers::Add(file, "Asel", "4321").ok());
  absl::StatusOr<CommissionMembers> members = CommissionMembers::Load(file);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->size(), 1u);
  EXPECT_FALSE(members->Verify("Asel", "1234"));
  EXPECT_TRUE(members->Verify("Asel", "4321"));
}

TEST_F(ScreenTest, RefusesBadPinsNamesAndFiles) {
  const std::filesystem::path file = dir_ / "members";
  EXPECT_FALSE(CommissionMembers::Add(file, "Asel", "12").ok());
  EXPECT_FALSE(CommissionMembers::Add(file, "Asel", "12ab").ok());
  EXPECT_FALSE(CommissionMembers::Add(file, "Asel", "1234567890123").ok());
  EXPECT_FALSE(CommissionMembers::Add(file, "", "1234").ok());
  EXPECT_FALSE(CommissionMembers::Add(file, "a:b", "1234").ok());
  EXPECT_FALSE(CommissionMembers::Add(file, "a\nb", "1234").ok());
  absl::StatusOr<CommissionMembers> none = CommissionMembers::Load(file);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->size(), 0u);
  std::ofstream(file) << "Asel:1234\n";
  EXPECT_TRUE(absl::IsDataLoss(CommissionMembers::Load(file).status()));
}

TEST(ScreenAddressTest, ServesTheLoopbackInterfaceOnly) {
  EXPECT_EQ(ParseScreenAddress("127.0.0.1:8080")->second, 8080);
  EXPECT_EQ(ParseScreenAddress("localhost:80")->first, "127.0.0.1");
  for (const char* address :
       {"0.0.0.0:8080", "192.168.1.5:8080", "[::]:8080", "example.org:80", "127.0.0.1",
        "127.0.0.1:99999", "127.0.0.1:-1", "127.0.0.1:80x", ":8080", ""}) {
    EXPECT_FALSE(ParseScreenAddress(address).ok()) << address;
  }
}

TEST(VoterEventTest, NamesTheCauseAndTheContestButNoSelection) {
  Election election;
  Contest* contest = election.add_contests();
  contest->set_id("president");
  contest->mutable_title()->set_ky("Президент");
  contest->mutable_title()->set_ru("Президент КР");
  Interpretation interpretation;
  interpretation.set_accepted(true);
  ContestReading* reading = interpretation.add_contests();
  reading->set_contest_id("president");
  reading->set_outcome(OVERVOTE);
  SheetResult held;
  held.outcome = SheetOutcome::kAwaitingVoter;
  held.decision = vision::DecideBallot(interpretation, vision::EffectiveReturnPolicy(election));
  const VoterEvent event = VoterEventOf(held, election);
  EXPECT_EQ(event.kind(), VoterEvent::HELD);
  EXPECT_EQ(event.cause(), "overvote");
  EXPECT_EQ(event.contest().ru(), "Президент КР");
  EXPECT_TRUE(event.may_cast_as_is());

  reading->set_outcome(VALID);
  reading->add_selections("japarov");
  SheetResult cast;
  cast.outcome = SheetOutcome::kCast;
  cast.decision = vision::DecideBallot(interpretation, vision::EffectiveReturnPolicy(election));
  cast.interpretation = interpretation;
  const VoterEvent counted = VoterEventOf(cast, election);
  EXPECT_EQ(counted.kind(), VoterEvent::COUNTED);
  EXPECT_EQ(counted.cause(), "");
  EXPECT_EQ(counted.DebugString().find("japarov"), std::string::npos);

  interpretation.set_accepted(false);
  SheetResult unreadable;
  unreadable.decision =
      vision::DecideBallot(interpretation, vision::EffectiveReturnPolicy(election));
  EXPECT_EQ(VoterEventOf(unreadable, election).cause(), "unreadable");
  EXPECT_FALSE(VoterEventOf(unreadable, election).may_cast_as_is());
}

TEST(ReaderFaultTest, TellsAJamFromAnOpenCover) {
  reader::DeviceStatus jammed;
  jammed.set_state(reader::JAMMED);
  EXPECT_EQ(ReaderFaultOf(absl::UnavailableError("x"), jammed).kind(), "jam");
  reader::DeviceStatus cover;
  cover.set_cover_open(true);
  EXPECT_EQ(ReaderFaultOf(absl::UnavailableError("x"), cover).kind(), "cover-open");
  EXPECT_EQ(
      ReaderFaultOf(absl::UnavailableError("double feed"), absl::UnavailableError("no status"))
          .kind(),
      "double-feed");
}

TEST(ScreenParseTest, RefusesMalformedBodies) {
  EXPECT_TRUE(ScreenServer::ParseCommand(R"({"command":"open"})").ok());
  for (const char* body :
       {"", "{", "[]", R"({"command":5})", R"({"unknown":1})", R"({"lines":{"votersOnList":-1}})",
        R"({"lines":{"votersOnList":"x"}})"}) {
    EXPECT_FALSE(ScreenServer::ParseCommand(body).ok()) << body;
  }
  EXPECT_FALSE(ScreenServer::ParseCommand(std::string(100000, ' ')).ok());
}

// The server's threads hand every command to the thread that calls RunPending (esepd's loop).
TEST_F(ScreenTest, CommandsAreCarriedOutOnTheLoopThread) {
  ScreenServer::Options options;
  options.assets = dir_ / "assets";
  options.members_file = dir_ / "members";
  absl::StatusOr<std::unique_ptr<ScreenServer>> server = ScreenServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  const std::string origin = "http://127.0.0.1:" + std::to_string(port);
  int status = 0;
  std::thread page([&] {
    httplib::Client client("127.0.0.1", port);
    httplib::Headers headers = {{"Origin", origin}};
    httplib::Result claim = client.Post("/api/claim", headers, "{}", "application/json");
    if (!claim) return;
    absl::StatusOr<ScreenReply> reply = [&]() -> absl::StatusOr<ScreenReply> {
      ScreenReply r;
      const std::string key = "\"screen\":\"";
      const std::size_t at = claim->body.find(key);
      if (at == std::string::npos) return absl::NotFoundError("no token");
      r.set_screen(claim->body.substr(at + key.size(), 48));
      return r;
    }();
    if (!reply.ok()) return;
    headers.emplace("X-Esep-Screen", reply->screen());
    httplib::Result answer =
        client.Post("/api/command", headers, R"({"command":"return"})", "application/json");
    if (answer) status = answer->status;
  });
  const std::thread::id loop = std::this_thread::get_id();
  std::vector<ControlRequest::Command> seen;
  for (int i = 0; i < 200 && seen.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    (*server)->RunPending([&](const ControlRequest& request) {
      EXPECT_EQ(std::this_thread::get_id(), loop);
      seen.push_back(request.command());
      ControlResponse response;
      response.set_ok(true);
      return response;
    });
  }
  page.join();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], ControlRequest::RETURN_BALLOT);
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace esep::scanner
