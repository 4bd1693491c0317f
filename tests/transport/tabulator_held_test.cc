// esep-tabulator held and results over a centre's data directory in which one precinct sent an
// impossible turnout (held for review) and then numbers near 2^63 (refused): the operator sees
// both with their reasons, and everyone else's results are published.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "esep/transport/signing.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tabulation_store.h"
#include "nlohmann/json.hpp"
#include "tabulation_fixture.h"

namespace esep::transport {
namespace {

using testing::ScratchDir;

// Runs esep-tabulator with `args`: its exit status and what it printed on stdout.
std::pair<int, std::string> Tabulator(const std::vector<std::string>& args) {
  std::string command = ESEP_TABULATOR;
  for (const std::string& arg : args) command += " '" + arg + "'";
  std::string output;
  int status = -1;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
    status = pclose(pipe);
  }
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

class TabulatorHeldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Tabulator({"init", "--data-dir", data_.string(), "--election",
                         std::string(ESEP_SOURCE_DIR) + "/fixtures/elections/party-list-2021.json"})
                  .first,
              0);
    absl::StatusOr<std::unique_ptr<TabulationStore>> store = Store();
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->RegisterReaders({{"1001", "R1", r1_.public_key(), "cert-R1", 0},
                                       {"1002", "R2", r2_.public_key(), "cert-R2", 0}})
                    .ok());
  }

  absl::StatusOr<std::unique_ptr<TabulationStore>> Store() {
    return TabulationStore::Open((data_ / "tabulation.db").string());
  }

  // Ingests `protocol` as a running centre would, with the store closed again afterwards.
  absl::StatusOr<Receipt> Submit(const PrecinctProtocol& protocol) {
    absl::StatusOr<std::unique_ptr<TabulationStore>> store = Store();
    if (!store.ok()) return store.status();
    TabulationCentre centre(election_, SigningKey::Generate(), store->get(),
                            [](std::string_view) {});
    const bool r1 = protocol.reader_serial() == "R1";
    return centre.Ingest(SignProtocol(protocol, r1 ? r1_ : r2_),
                         {r1 ? "cert-R1" : "cert-R2", protocol.reader_serial()});
  }

  ScratchDir dir_;
  std::filesystem::path data_ = dir_.path() / "centre";
  Election election_ = testing::PartyListElection();
  SigningKey r1_ = SigningKey::Generate();
  SigningKey r2_ = SigningKey::Generate();
};

TEST_F(TabulatorHeldTest, ListsHeldAndRefusedProtocolsAndPublishesEveryoneElse) {
  ASSERT_TRUE(Submit(testing::ValidProtocol(election_, "1002", "R2", 1, FINAL)).ok());
  ASSERT_TRUE(Submit(testing::WithBallotsInBoxes(
                         testing::ValidProtocol(election_, "1001", "R1", 1, FINAL), 3440))
                  .ok());
  EXPECT_EQ(Submit(testing::NearTwoToThe63Protocol(election_, "1001", "R1", 2, CORRECTION))
                .status()
                .code(),
            absl::StatusCode::kOutOfRange);

  auto [held_status, held] = Tabulator({"held", "--data-dir", data_.string()});
  EXPECT_EQ(held_status, 1) << "a precinct is under review";
  EXPECT_NE(held.find("  1001  1  R1  UNDER REVIEW  ballots in the boxes L6 + L7 = 3440 are more "
                      "than the voters on the list L1 = 2150 (turnout 160.00%)"),
            std::string::npos)
      << held;
  EXPECT_NE(held.find("1001  R1"), std::string::npos) << held;
  EXPECT_NE(held.find("numbers precinct 1001 cannot have"), std::string::npos) << held;

  auto [results_status, results] = Tabulator({"results", "--data-dir", data_.string()});
  EXPECT_EQ(results_status, 0) << results;
  EXPECT_NE(results.find("Precincts counted 1 of 3"), std::string::npos) << results;
  EXPECT_NE(results.find("== Precinct 1002"), std::string::npos) << results;
  EXPECT_EQ(results.find("== Precinct 1001"), std::string::npos) << results;
  EXPECT_NE(results.find("== Not counted (1) ==\nPrecinct 1001, protocol revision 1: held for "
                         "review: ballots in the boxes"),
            std::string::npos)
      << results;
  auto [json_status, json] = Tabulator({"results", "--data-dir", data_.string(), "--json"});
  ASSERT_EQ(json_status, 0) << json;
  const nlohmann::json j = nlohmann::json::parse(json);
  ASSERT_EQ(j["not_counted"].size(), 1u);
  EXPECT_EQ(j["not_counted"][0]["why"], "held_for_review");
  EXPECT_LE(j["national"]["turnout_basis_points"].get<std::uint64_t>(), 10000u);

  // The commission corrects its protocol: the held revision is superseded and 1001 counts.
  ASSERT_TRUE(Submit(testing::ValidProtocol(election_, "1001", "R1", 2, CORRECTION)).ok());
  std::tie(held_status, held) = Tabulator({"held", "--data-dir", data_.string()});
  EXPECT_EQ(held_status, 0) << held;
  EXPECT_NE(held.find("superseded by revision 2"), std::string::npos) << held;
  std::tie(results_status, results) = Tabulator({"results", "--data-dir", data_.string()});
  EXPECT_EQ(results_status, 0) << results;
  EXPECT_NE(results.find("== Precinct 1001"), std::string::npos) << results;
  EXPECT_NE(results.find("(protocol revision 2)"), std::string::npos) << results;
  EXPECT_EQ(results.find("Not counted"), std::string::npos) << results;
}

}  // namespace
}  // namespace esep::transport
