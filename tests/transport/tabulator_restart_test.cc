// The centre as its own process (esep-tabulator serve), killed with SIGKILL after it stored a
// protocol whose receipt never reached the reader: after the restart the reader's delivery loop
// gets the same receipt, and the protocol is stored exactly once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "esep/proto/sha256.h"
#include "esep/transport/delivery.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_store.h"
#include "tabulation_fixture.h"

namespace esep::transport {
namespace {

using testing::ScratchDir;

// Runs esep-tabulator with `args` and waits for it; true when it exits 0.
bool RunTabulator(const std::vector<std::string>& args) {
  std::string command = ESEP_TABULATOR;
  for (const std::string& arg : args) command += " '" + arg + "'";
  command += " >/dev/null";
  return std::system(command.c_str()) == 0;
}

// Runs esep-tabulator with `args` and returns what it printed on stdout.
std::string Output(const std::vector<std::string>& args) {
  std::string command = ESEP_TABULATOR;
  for (const std::string& arg : args) command += " '" + arg + "'";
  std::string output;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
    pclose(pipe);
  }
  return output;
}

// esep-tabulator serve on the test's data directory.
class TabulatorProcess : public testing::TabulatorProcess {
 public:
  TabulatorProcess(const std::filesystem::path& data, const std::filesystem::path& certs, int port)
      : testing::TabulatorProcess(ESEP_TABULATOR, data, certs, port, data.parent_path() / "port") {}
};

// A centre's data directory and certificates, prepared with the esep-tabulator commands, with
// reader R1 registered for precinct 1001.
class TabulatorRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::MakeCertificates(certs_, {"R1"});
    ASSERT_TRUE(
        RunTabulator({"init", "--data-dir", data_.string(), "--election",
                      std::string(ESEP_SOURCE_DIR) + "/fixtures/elections/party-list-2021.json"}));
    const std::string reader_key_hex = ToHex(std::span(
        reinterpret_cast<const std::uint8_t*>(reader_.public_key().data()), kPublicKeySize));
    ASSERT_TRUE(RunTabulator({"register-reader", "--data-dir", data_.string(), "--precinct", "1001",
                              "--serial", "R1", "--public-key", reader_key_hex, "--certificate",
                              (certs_ / "reader-R1.pem").string()}));
    absl::StatusOr<std::string> centre_key = LoadPublicKey(data_ / "centre.key.pub");
    ASSERT_TRUE(centre_key.ok()) << centre_key.status();
    centre_key_ = *centre_key;
    policy_.initial = absl::Milliseconds(50);
    policy_.maximum = absl::Milliseconds(200);
  }

  std::unique_ptr<ProtocolClient> Connect(int port) {
    ClientOptions options;
    options.target = absl::StrCat("127.0.0.1:", port);
    options.tls = testing::ReaderTls(certs_, "R1");
    options.deadline = absl::Seconds(5);
    options.initial_reconnect_backoff = absl::Milliseconds(50);
    options.max_reconnect_backoff = absl::Milliseconds(200);
    absl::StatusOr<std::unique_ptr<ProtocolClient>> client = ProtocolClient::Connect(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  SignedProtocol Protocol(std::uint32_t revision) {
    return SignProtocol(testing::ValidProtocol(election_, "1001", "R1", revision,
                                               revision == 1 ? FINAL : CORRECTION, revision),
                        reader_);
  }

  std::vector<StoredProtocol> Stored() {
    absl::StatusOr<std::unique_ptr<TabulationStore>> store =
        TabulationStore::Open((data_ / "tabulation.db").string());
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return {};
    EXPECT_TRUE((*store)->Alarms()->empty());
    absl::StatusOr<std::vector<StoredProtocol>> protocols = (*store)->Protocols();
    EXPECT_TRUE(protocols.ok()) << protocols.status();
    return protocols.ok() ? *protocols : std::vector<StoredProtocol>{};
  }

  ScratchDir dir_;
  std::filesystem::path certs_ = dir_.path() / "certs";
  std::filesystem::path data_ = dir_.path() / "centre";
  Election election_ = testing::PartyListElection();
  SigningKey reader_ = SigningKey::Generate();
  std::string centre_key_;
  BackoffPolicy policy_;
};

TEST_F(TabulatorRestartTest, ProtocolIsStoredExactlyOnceWhenTheCentreDiesBeforeAnswering) {
  auto centre = std::make_unique<TabulatorProcess>(data_, certs_, 0);
  const int port = centre->WaitUntilServing();
  ASSERT_NE(port, 0) << "esep-tabulator serve did not start";
  std::unique_ptr<ProtocolClient> client = Connect(port);
  ASSERT_NE(client, nullptr);

  // The centre stores the protocol and signs its receipt; the receipt is lost with the centre.
  const SignedProtocol signed_protocol = Protocol(1);
  testing::SqliteOutbox outbox(dir_.path() / "outbox.db");
  const std::int64_t id = outbox.Add(signed_protocol);
  absl::StatusOr<Receipt> lost = client->Submit(signed_protocol);
  ASSERT_TRUE(lost.ok()) << lost.status();
  centre->Kill();

  // The reader's loop meets a dead centre, backs off, and the centre comes back meanwhile.
  int failures = 0;
  std::unique_ptr<TabulatorProcess> restarted;
  DeliveryLoop loop(client.get(), &outbox, centre_key_, policy_, {},
                    [&](const absl::Status& status) {
                      EXPECT_TRUE(IsTransient(status)) << status;
                      if (++failures == 1) {
                        restarted = std::make_unique<TabulatorProcess>(data_, certs_, port);
                        EXPECT_EQ(restarted->WaitUntilServing(), port);
                      }
                    });
  ASSERT_TRUE(loop.RunUntilEmpty(std::stop_token()).ok());
  ASSERT_GE(failures, 1);
  EXPECT_EQ(restarted->Stop(), 0) << "serve stops cleanly on SIGTERM";

  std::optional<Receipt> stored_receipt = outbox.ReceiptOf(id);
  ASSERT_TRUE(stored_receipt.has_value());
  EXPECT_EQ(stored_receipt->SerializeAsString(), lost->SerializeAsString());
  EXPECT_TRUE(CheckReceipt(*stored_receipt, signed_protocol, centre_key_).ok());
  const std::vector<StoredProtocol> stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].signed_protocol, signed_protocol.SerializeAsString());
  EXPECT_EQ(stored[0].receipt, stored_receipt->SerializeAsString());

  // The operator's listing shows the one protocol, and there is no alarm.
  const std::string listing = Output({"protocols", "--data-dir", data_.string()});
  EXPECT_NE(listing.find(stored[0].protocol_sha256), std::string::npos) << listing;
  EXPECT_TRUE(RunTabulator({"alarms", "--data-dir", data_.string()}));
}

// Kills the centre with SIGKILL at the same moment as the `at`-th submission goes out, so that
// the submission is cut somewhere between sent and answered.
class KillDuringSend final : public ProtocolSender {
 public:
  KillDuringSend(ProtocolSender* inner, TabulatorProcess* centre, int at)
      : inner_(inner), centre_(centre), at_(at) {}
  absl::StatusOr<Receipt> Submit(const SignedProtocol& signed_protocol) override {
    if (++calls_ != at_) return inner_->Submit(signed_protocol);
    std::thread killer([this] { centre_->Kill(); });
    absl::StatusOr<Receipt> receipt = inner_->Submit(signed_protocol);
    killer.join();
    return receipt;
  }

 private:
  ProtocolSender* inner_;
  TabulatorProcess* centre_;
  int at_;
  int calls_ = 0;
};

TEST_F(TabulatorRestartTest, EveryRevisionIsStoredExactlyOnceWhenTheCentreIsKilledMidSend) {
  constexpr std::uint32_t kRevisions = 30;
  auto centre = std::make_unique<TabulatorProcess>(data_, certs_, 0);
  const int port = centre->WaitUntilServing();
  ASSERT_NE(port, 0) << "esep-tabulator serve did not start";
  std::unique_ptr<ProtocolClient> client = Connect(port);
  ASSERT_NE(client, nullptr);
  testing::SqliteOutbox outbox(dir_.path() / "outbox.db");
  std::vector<std::int64_t> ids;
  std::vector<SignedProtocol> sent;
  for (std::uint32_t revision = 1; revision <= kRevisions; ++revision) {
    sent.push_back(Protocol(revision));
    ids.push_back(outbox.Add(sent.back()));
  }

  KillDuringSend sender(client.get(), centre.get(), static_cast<int>(kRevisions / 2));
  std::unique_ptr<TabulatorProcess> restarted;
  DeliveryLoop loop(&sender, &outbox, centre_key_, policy_, {}, [&](const absl::Status& status) {
    EXPECT_TRUE(IsTransient(status)) << status;
    if (restarted == nullptr) {
      restarted = std::make_unique<TabulatorProcess>(data_, certs_, port);
      EXPECT_EQ(restarted->WaitUntilServing(), port);
    }
  });
  ASSERT_TRUE(loop.RunUntilEmpty(std::stop_token()).ok());
  ASSERT_NE(restarted, nullptr) << "the centre was never seen down";
  restarted->Kill();

  const std::vector<StoredProtocol> stored = Stored();
  ASSERT_EQ(stored.size(), kRevisions);
  for (std::uint32_t i = 0; i < kRevisions; ++i) {
    EXPECT_EQ(stored[i].revision, i + 1);
    EXPECT_EQ(stored[i].signed_protocol, sent[i].SerializeAsString());
    std::optional<Receipt> receipt = outbox.ReceiptOf(ids[i]);
    ASSERT_TRUE(receipt.has_value()) << "revision " << i + 1;
    EXPECT_EQ(receipt->SerializeAsString(), stored[i].receipt) << "revision " << i + 1;
  }
}

}  // namespace
}  // namespace esep::transport
