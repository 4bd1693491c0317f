#include "esep/transport/delivery.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tabulation_server.h"
#include "tabulation_fixture.h"

namespace esep::transport {
namespace {

using testing::ScratchDir;

TEST(BackoffTest, DelaysGrowExponentiallyUpToTheMaximum) {
  BackoffPolicy policy;
  policy.initial = absl::Milliseconds(100);
  policy.maximum = absl::Milliseconds(1000);
  policy.multiplier = 2;
  policy.jitter = 0.5;
  Backoff backoff(policy, [] { return 0.0; });  // no jitter drawn: the full base delay
  absl::Duration expected = policy.initial;
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(backoff.Next(), std::min(expected, policy.maximum)) << "attempt " << i;
    expected *= policy.multiplier;
  }
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), policy.initial);
}

TEST(BackoffTest, JitterShortensEachDelayWithinItsFraction) {
  BackoffPolicy policy;
  policy.initial = absl::Seconds(1);
  policy.jitter = 0.25;
  double draw = 0.0;
  Backoff backoff(policy, [&draw] { return draw; });
  draw = 1.0;
  EXPECT_EQ(backoff.Next(), policy.initial * (1 - policy.jitter));
  draw = 0.5;
  EXPECT_EQ(backoff.Next(), policy.initial * policy.multiplier * (1 - policy.jitter * 0.5));
}

TEST(BackoffTest, DefaultRandomSourceStaysWithinTheJitterBand) {
  BackoffPolicy policy;
  Backoff backoff(policy);
  const absl::Duration first = backoff.Next();
  EXPECT_GE(first, policy.initial * (1 - policy.jitter));
  EXPECT_LE(first, policy.initial);
}

// Fails the first `failures` submissions as an unreachable centre would, then delivers.
class FlakySender final : public ProtocolSender {
 public:
  FlakySender(ProtocolSender* inner, int failures) : inner_(inner), failures_(failures) {}
  absl::StatusOr<Receipt> Submit(const SignedProtocol& signed_protocol) override {
    if (failures_-- > 0) return absl::UnavailableError("connection refused");
    return inner_->Submit(signed_protocol);
  }

 private:
  ProtocolSender* inner_;
  int failures_;
};

class DeliveryLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::MakeCertificates(dir_.path() / "certs", {"R1"});
    election_ = testing::PartyListElection();
    absl::StatusOr<std::unique_ptr<TabulationStore>> store =
        TabulationStore::Open((dir_.path() / "tabulation.db").string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ASSERT_TRUE(
        store_
            ->RegisterReader({"1001", "R1", reader_.public_key(),
                              testing::FingerprintOf(dir_.path() / "certs/reader-R1.pem"), 0})
            .ok());
    centre_ = std::make_unique<TabulationCentre>(election_, SigningKey::Generate(), store_.get(),
                                                 [](std::string_view) {});
    absl::StatusOr<std::unique_ptr<TabulationServer>> server = TabulationServer::Start(
        centre_.get(), {"127.0.0.1:0", testing::CentreTls(dir_.path() / "certs")});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ClientOptions options;
    options.target = absl::StrCat("127.0.0.1:", server_->port());
    options.tls = testing::ReaderTls(dir_.path() / "certs", "R1");
    absl::StatusOr<std::unique_ptr<ProtocolClient>> client = ProtocolClient::Connect(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    outbox_ = std::make_unique<testing::SqliteOutbox>(dir_.path() / "outbox.db");
  }

  SignedProtocol Protocol(std::uint32_t revision, ProtocolStatus status, std::uint64_t variant) {
    return SignProtocol(testing::ValidProtocol(election_, "1001", "R1", revision, status, variant),
                        reader_);
  }

  static BackoffPolicy FastPolicy() {
    BackoffPolicy policy;
    policy.initial = absl::Milliseconds(1);
    policy.maximum = absl::Milliseconds(10);
    return policy;
  }

  ScratchDir dir_;
  Election election_;
  SigningKey reader_ = SigningKey::Generate();
  std::unique_ptr<TabulationStore> store_;
  std::unique_ptr<TabulationCentre> centre_;
  std::unique_ptr<TabulationServer> server_;
  std::unique_ptr<ProtocolClient> client_;
  std::unique_ptr<testing::SqliteOutbox> outbox_;
};

TEST_F(DeliveryLoopTest, DeliversTheOutboxOldestFirstAndStoresVerifiedReceipts) {
  const std::int64_t final_id = outbox_->Add(Protocol(1, FINAL, 0));
  const std::int64_t correction_id = outbox_->Add(Protocol(2, CORRECTION, 4));
  DeliveryLoop loop(client_.get(), outbox_.get(), centre_->public_key(), FastPolicy());
  ASSERT_TRUE(loop.RunUntilEmpty(std::stop_token()).ok());
  for (std::int64_t id : {final_id, correction_id}) {
    std::optional<Receipt> receipt = outbox_->ReceiptOf(id);
    ASSERT_TRUE(receipt.has_value()) << "outbox entry " << id;
    EXPECT_TRUE(VerifyReceipt(*receipt, centre_->public_key()).ok());
  }
  EXPECT_EQ(store_->History("1001")->size(), 2u);
}

TEST_F(DeliveryLoopTest, RetriesWithBackoffUntilTheCentreAnswers) {
  const std::int64_t id = outbox_->Add(Protocol(1, FINAL, 0));
  FlakySender flaky(client_.get(), 3);
  std::vector<absl::Status> failures;
  DeliveryLoop loop(
      &flaky, outbox_.get(), centre_->public_key(), FastPolicy(), [] { return 0.5; },
      [&failures](const absl::Status& s) { failures.push_back(s); });
  ASSERT_TRUE(loop.RunUntilEmpty(std::stop_token()).ok());
  EXPECT_EQ(failures.size(), 3u);
  EXPECT_TRUE(outbox_->ReceiptOf(id).has_value());
  EXPECT_EQ(store_->Protocols()->size(), 1u);
}

TEST_F(DeliveryLoopTest, ReaderMovesToTheNextCentreInstanceWhenOneDoesNotAnswer) {
  const std::int64_t first = outbox_->Add(Protocol(1, FINAL, 0));
  const std::int64_t second = outbox_->Add(Protocol(2, CORRECTION, 4));
  ClientOptions options;
  options.tls = testing::ReaderTls(dir_.path() / "certs", "R1");
  options.deadline = absl::Seconds(5);
  // The first instance is down (nothing listens on port 1).
  absl::StatusOr<std::unique_ptr<ProtocolSender>> centres =
      ConnectToCentres(options, {"127.0.0.1:1", absl::StrCat("127.0.0.1:", server_->port())});
  ASSERT_TRUE(centres.ok()) << centres.status();
  DeliveryLoop loop(centres->get(), outbox_.get(), centre_->public_key(), FastPolicy());
  ASSERT_TRUE(loop.RunUntilEmpty(std::stop_token()).ok());
  EXPECT_TRUE(outbox_->ReceiptOf(first).has_value());
  EXPECT_TRUE(outbox_->ReceiptOf(second).has_value());
  // The instance that answered stays the first one tried.
  EXPECT_EQ(static_cast<FailoverSender&>(**centres).current(), 1u);
  EXPECT_EQ(store_->Protocols()->size(), 2u);
}

TEST_F(DeliveryLoopTest, NoInstanceAnsweringIsTransientAndNamesEach) {
  ClientOptions options;
  options.tls = testing::ReaderTls(dir_.path() / "certs", "R1");
  options.deadline = absl::Seconds(3);
  absl::StatusOr<std::unique_ptr<ProtocolSender>> centres =
      ConnectToCentres(options, {"127.0.0.1:1", "127.0.0.1:2"});
  ASSERT_TRUE(centres.ok()) << centres.status();
  absl::StatusOr<Receipt> receipt = (*centres)->Submit(Protocol(1, FINAL, 0));
  EXPECT_TRUE(IsTransient(receipt.status())) << receipt.status();
  EXPECT_NE(receipt.status().message().find("none of the 2 centre instances"), std::string::npos)
      << receipt.status();
}

TEST(CentreTargetsTest, ListsAreParsedAndBadOnesRefused) {
  absl::StatusOr<std::vector<std::string>> targets =
      ParseCentreTargets("centre-a.example:7443, 10.0.0.2:7443");
  ASSERT_TRUE(targets.ok()) << targets.status();
  EXPECT_EQ(*targets, (std::vector<std::string>{"centre-a.example:7443", "10.0.0.2:7443"}));
  for (const char* bad : {"", "centre", "a:1,,b:2", "a:", ":7443", "a:74x3"}) {
    EXPECT_EQ(ParseCentreTargets(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(DeliveryLoopTest, ReceiptNotSignedByTheKnownCentreKeyIsNotStored) {
  const std::int64_t id = outbox_->Add(Protocol(1, FINAL, 0));
  const SigningKey impostor = SigningKey::Generate();
  DeliveryLoop loop(client_.get(), outbox_.get(), impostor.public_key(), FastPolicy());
  absl::StatusOr<bool> delivered = loop.DeliverNext();
  ASSERT_FALSE(delivered.ok());
  EXPECT_EQ(delivered.status().code(), absl::StatusCode::kPermissionDenied) << delivered.status();
  EXPECT_NE(delivered.status().message().find("is not accepted"), std::string::npos);
  EXPECT_FALSE(outbox_->ReceiptOf(id).has_value());
}

TEST_F(DeliveryLoopTest, ReceiptForOtherBytesIsNotAccepted) {
  const SignedProtocol sent = Protocol(1, FINAL, 0);
  absl::StatusOr<Receipt> receipt = client_->Submit(sent);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  absl::StatusOr<ReceiptBody> body =
      CheckReceipt(*receipt, Protocol(1, FINAL, 9), centre_->public_key());
  EXPECT_EQ(body.status().code(), absl::StatusCode::kFailedPrecondition) << body.status();
}

TEST_F(DeliveryLoopTest, StopEndsTheLoopWhileTheCentreIsUnreachable) {
  outbox_->Add(Protocol(1, FINAL, 0));
  FlakySender never(client_.get(), 1 << 30);
  std::stop_source stop;
  DeliveryLoop loop(&never, outbox_.get(), centre_->public_key(), FastPolicy(), {},
                    [&stop](const absl::Status&) { stop.request_stop(); });
  EXPECT_EQ(loop.RunUntilEmpty(stop.get_token()).code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(store_->Protocols()->empty());
}

// A centre that takes the TCP connection and never answers the TLS handshake: the client's
// wait for the connection must end when the loop is stopped, not at its 60-second deadline.
TEST_F(DeliveryLoopTest, StopCancelsASubmitWaitingForTheCentre) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(listen(listener, 4), 0);  // connections complete in the backlog, never accepted
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ClientOptions options;
  options.target = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
  options.tls = testing::ReaderTls(dir_.path() / "certs", "R1");
  options.deadline = absl::Seconds(60);
  absl::StatusOr<std::unique_ptr<ProtocolClient>> silent = ProtocolClient::Connect(options);
  ASSERT_TRUE(silent.ok()) << silent.status();

  outbox_->Add(Protocol(1, FINAL, 0));
  std::vector<absl::Status> failures;
  DeliveryLoop loop(silent->get(), outbox_.get(), centre_->public_key(), FastPolicy(), {},
                    [&failures](const absl::Status& status) { failures.push_back(status); });
  std::stop_source stop;
  std::jthread stopper([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.request_stop();
  });
  EXPECT_EQ(loop.RunUntilEmpty(stop.get_token()).code(), absl::StatusCode::kCancelled);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].code(), absl::StatusCode::kCancelled) << failures[0];
  close(listener);
}

}  // namespace
}  // namespace esep::transport
