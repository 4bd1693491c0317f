// A centre that survives losing a server: two esep-tabulator serve instances on one PostgreSQL
// database whose synchronous standby is streaming from the primary, and many readers, each with
// its durable outbox, delivering a night's protocols (a final one, then a correction) to either
// instance. In the middle of the ingest one instance is killed (SIGKILL), then the primary
// database (SIGKILL) and the standby is promoted. Afterwards every protocol that got a receipt
// is stored exactly once with that receipt, every outbox is empty, and the results equal those of
// the same protocols ingested by an undisturbed centre.
//
// The servers are started and stopped by the ctest fixture "postgres_failover"
// (postgres_server.sh, in ESEP_FAILOVER_POSTGRES_DIR); ESEP_FAILOVER_POSTGRES is the primary's
// superuser address, ESEP_FAILOVER_STANDBY_PORT the standby's port
// (tests/transport/CMakeLists.txt).
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"
#include "esep/proto/sha256.h"
#include "esep/transport/delivery.h"
#include "esep/transport/results_format.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tabulation_results.h"
#include "esep/transport/tabulation_store.h"
#include "tabulation_fixture.h"

namespace esep::transport {
namespace {

using testing::ScratchDir;

constexpr int kReaders = 40;

bool RunTabulator(const std::vector<std::string>& args) {
  std::string command = ESEP_TABULATOR;
  for (const std::string& arg : args) command += " '" + arg + "'";
  command += " >/dev/null";
  return std::system(command.c_str()) == 0;
}

// One reader: its precinct, key, outbox and the night's protocols.
struct Reader {
  std::string precinct;
  SigningKey key = SigningKey::Generate();
  std::vector<SignedProtocol> night;  // FINAL, then a CORRECTION
  std::unique_ptr<testing::SqliteOutbox> outbox;
  std::vector<std::int64_t> ids;
  std::atomic<bool> done{false};
};

std::size_t Stored(TabulationStore& store) {
  absl::StatusOr<std::vector<StoredProtocol>> protocols = store.Protocols();
  return protocols.ok() ? protocols->size() : 0;
}

TEST(CentreFailoverTest, EveryReceiptedProtocolIsStoredOnceThroughALostInstanceAndPrimary) {
  const std::string admin = ESEP_FAILOVER_POSTGRES;
  const std::string standby_port = ESEP_FAILOVER_STANDBY_PORT;
  const std::string script = ESEP_POSTGRES_SERVER;
  const std::string servers = ESEP_FAILOVER_POSTGRES_DIR;
  ASSERT_TRUE(std::filesystem::exists(std::filesystem::path(servers) / "standby"))
      << "run this test through ctest: its fixture postgres_failover starts a PostgreSQL primary "
         "and a synchronous standby in "
      << servers;

  // The database, its owner and the centre's role, and the schema.
  for (const char* sql : {"CREATE ROLE esep_owner LOGIN", "CREATE ROLE esep_centre LOGIN",
                          "CREATE DATABASE esep OWNER esep_owner"}) {
    ASSERT_EQ(testing::RunSql(admin, sql), "") << sql;
  }
  ASSERT_TRUE(RunTabulator({"setup-postgres", "--store",
                            testing::PostgresAddressOf(admin, "esep_owner", "esep"),
                            "--centre-role", "esep_centre"}));
  // Both servers, the one that accepts writes first.
  const std::string primary = testing::PostgresAddressOf(admin, "esep_centre", "esep");
  const std::size_t port_at = primary.rfind(':');
  const std::string host = primary.substr(primary.find('@') + 1, port_at - primary.find('@') - 1);
  const std::string store_address =
      absl::StrCat(primary.substr(0, primary.rfind('/')), ",", host, ":", standby_port,
                   "/esep?target_session_attrs=read-write&connect_timeout=2");

  // The election: the party-list fixture and kReaders more precincts, one reader each.
  ScratchDir dir;
  const std::filesystem::path certs = dir.path() / "certs";
  const std::filesystem::path data = dir.path() / "centre";
  testing::MakeCertificates(certs, {"R1"});
  Election election = testing::PartyListElection();
  std::vector<std::unique_ptr<Reader>> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(std::make_unique<Reader>());
    readers.back()->precinct = absl::StrCat("N", 100 + i);
    election.add_precincts()->set_id(readers.back()->precinct);
    election.mutable_ballot_styles(0)->add_precinct_ids(readers.back()->precinct);
  }
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(election, &json).ok());
  std::ofstream(dir.path() / "election.json") << json;
  ASSERT_TRUE(RunTabulator({"init", "--data-dir", data.string(), "--election",
                            (dir.path() / "election.json").string(), "--store", store_address}));
  absl::StatusOr<std::string> centre_key = LoadPublicKey(data / "centre.key.pub");
  ASSERT_TRUE(centre_key.ok()) << centre_key.status();

  const std::string certificate = testing::FingerprintOf(certs / "reader-R1.pem");
  std::vector<RegisteredReader> registered;
  for (std::size_t i = 0; i < readers.size(); ++i) {
    Reader& r = *readers[i];
    registered.push_back({r.precinct, "R-" + r.precinct, r.key.public_key(), certificate, 0});
    for (std::uint32_t revision : {1u, 2u}) {
      r.night.push_back(
          SignProtocol(testing::ValidProtocol(election, r.precinct, "R-" + r.precinct, revision,
                                              revision == 1 ? FINAL : CORRECTION, i + revision),
                       r.key));
    }
    r.outbox = std::make_unique<testing::SqliteOutbox>(dir.path() / absl::StrCat("outbox-", i));
  }
  absl::StatusOr<std::unique_ptr<TabulationStore>> store = TabulationStore::Open(store_address);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->RegisterReaders(registered).ok());

  // Two centre instances on the one store.
  testing::TabulatorProcess first(ESEP_TABULATOR, data, certs, 0, dir.path() / "port-a");
  testing::TabulatorProcess second(ESEP_TABULATOR, data, certs, 0, dir.path() / "port-b");
  const int port_a = first.WaitUntilServing();
  const int port_b = second.WaitUntilServing();
  ASSERT_NE(port_a, 0);
  ASSERT_NE(port_b, 0);

  // The night: each reader finalizes at its own moment, then corrects, and delivers each
  // protocol through its outbox to the instances it knows (half of them list B first).
  std::vector<std::jthread> nights;
  for (std::size_t i = 0; i < readers.size(); ++i) {
    nights.emplace_back([&, i](std::stop_token stop) {
      Reader& r = *readers[i];
      ClientOptions options;
      options.tls = testing::ReaderTls(certs, "R1");
      options.deadline = absl::Seconds(5);
      options.initial_reconnect_backoff = absl::Milliseconds(100);
      options.max_reconnect_backoff = absl::Milliseconds(500);
      const std::string a = absl::StrCat("127.0.0.1:", port_a);
      const std::string b = absl::StrCat("127.0.0.1:", port_b);
      absl::StatusOr<std::unique_ptr<ProtocolSender>> centres =
          ConnectToCentres(options, i % 2 == 0 ? std::vector{a, b} : std::vector{b, a});
      ASSERT_TRUE(centres.ok()) << centres.status();
      BackoffPolicy policy;
      policy.initial = absl::Milliseconds(100);
      policy.maximum = absl::Seconds(1);
      DeliveryLoop loop(centres->get(), r.outbox.get(), *centre_key, policy);
      std::mt19937 random(static_cast<unsigned>(i));
      for (const SignedProtocol& protocol : r.night) {
        std::this_thread::sleep_for(std::chrono::milliseconds(random() % 4000));
        r.ids.push_back(r.outbox->Add(protocol));
        if (!loop.RunUntilEmpty(stop).ok()) return;
      }
      r.done = true;
    });
  }

  // Mid-ingest: instance A is lost, then the primary database; the standby is promoted.
  const auto wait_for = [&](std::size_t count) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (Stored(**store) < count && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  wait_for(kReaders / 3);
  first.Kill();
  const std::size_t at_first_kill = Stored(**store);
  wait_for(kReaders);
  const std::size_t at_primary_kill = Stored(**store);
  ASSERT_EQ(std::system(absl::StrCat(script, " kill ", servers, " primary").c_str()), 0);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_EQ(std::system(absl::StrCat(script, " promote ", servers).c_str()), 0);

  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (const std::unique_ptr<Reader>& r : readers) {
    while (!r->done && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  for (std::jthread& night : nights) night.request_stop();
  for (std::jthread& night : nights) night.join();
  second.Stop();
  std::cout << "stored when instance A was killed: " << at_first_kill
            << ", when the primary was killed: " << at_primary_kill << " of " << 2 * kReaders
            << "\n";
  EXPECT_LT(at_primary_kill, static_cast<std::size_t>(2 * kReaders))
      << "the primary was lost only after the night: the test proves less than it claims";

  // Every outbox is empty, every receipt is the stored one, every protocol stored once.
  store->reset();
  store = TabulationStore::Open(store_address);
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<std::vector<StoredProtocol>> stored = (*store)->Protocols();
  ASSERT_TRUE(stored.ok()) << stored.status();
  std::map<std::pair<std::string, std::uint32_t>, const StoredProtocol*> by_revision;
  for (const StoredProtocol& p : *stored) {
    EXPECT_TRUE(by_revision.emplace(std::pair(p.precinct_id, p.revision), &p).second)
        << p.precinct_id << " revision " << p.revision << " stored twice";
  }
  EXPECT_EQ(stored->size(), static_cast<std::size_t>(2 * kReaders));
  // Losing a server is the centre's trouble, never a reader's: no alarm.
  absl::StatusOr<std::vector<Alarm>> alarms = (*store)->Alarms();
  ASSERT_TRUE(alarms.ok()) << alarms.status();
  for (const Alarm& alarm : *alarms) ADD_FAILURE() << alarm.code << ": " << alarm.reason;
  for (const std::unique_ptr<Reader>& r : readers) {
    EXPECT_TRUE(r->done) << r->precinct << " did not deliver its night";
    absl::StatusOr<std::optional<PendingProtocol>> pending = r->outbox->NextPending();
    ASSERT_TRUE(pending.ok()) << pending.status();
    EXPECT_FALSE(pending->has_value()) << r->precinct << "'s outbox is not empty";
    for (std::size_t k = 0; k < r->ids.size(); ++k) {
      std::optional<Receipt> receipt = r->outbox->ReceiptOf(r->ids[k]);
      ASSERT_TRUE(receipt.has_value()) << r->precinct << " revision " << k + 1;
      EXPECT_TRUE(CheckReceipt(*receipt, r->night[k], *centre_key).ok());
      auto found = by_revision.find({r->precinct, static_cast<std::uint32_t>(k + 1)});
      ASSERT_NE(found, by_revision.end()) << r->precinct << " revision " << k + 1;
      EXPECT_EQ(found->second->receipt, receipt->SerializeAsString())
          << r->precinct << " revision " << k + 1 << ": the receipt is not the stored one";
      EXPECT_EQ(found->second->signed_protocol, r->night[k].SerializeAsString());
    }
  }

  // The results equal those of an undisturbed centre (SQLite, in this process).
  absl::StatusOr<std::unique_ptr<TabulationStore>> calm =
      TabulationStore::Open((dir.path() / "undisturbed.db").string());
  ASSERT_TRUE(calm.ok()) << calm.status();
  ASSERT_TRUE((*calm)->RegisterReaders(registered).ok());
  TabulationCentre undisturbed(election, SigningKey::Generate(), calm->get(),
                               [](std::string_view) {});
  for (const std::unique_ptr<Reader>& r : readers) {
    for (const SignedProtocol& protocol : r->night) {
      absl::StatusOr<Receipt> receipt = undisturbed.Ingest(protocol, {certificate, "R1"});
      ASSERT_TRUE(receipt.ok()) << receipt.status();
    }
  }
  absl::StatusOr<Results> expected = ResultsOfStore(election, **calm);
  absl::StatusOr<Results> results = ResultsOfStore(election, **store);
  ASSERT_TRUE(expected.ok()) << expected.status();
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(*FormatResultsJson(*results), *FormatResultsJson(*expected));
}

}  // namespace
}  // namespace esep::transport
