// esep-night: a simulated election night at national scale. `prepare` draws every precinct's
// count from the published 2021 shares with noise and makes each precinct's signed protocol of
// every ballot kind exactly as its reader would (scanner::BuildPrecinctProtocol, CheckProtocol,
// the reader's own Ed25519 key); `deliver` sends them all to a running centre over the real
// gRPC/mutual-TLS path, resending what an outage interrupted until each has its receipt; `check`
// compares the centre's national results with the tallies that were drawn.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "command_line.h"
#include "esep/proto/election.h"
#include "esep/proto/protocol_checks.h"
#include "esep/proto/sha256.h"
#include "esep/scanner/protocol_builder.h"
#include "esep/transport/protocol_client.h"
#include "esep/transport/signing.h"
#include "esep/transport/tls.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/util/delimited_message_util.h"

namespace esep::night {
namespace {

using cli::CommandLine;
using cli::FlagSpec;

// Published shares (mission brief): the presidential election of 10 January 2021 and the
// party lists' preliminary count of 28 November 2021. Options not named share what is left.
const std::map<std::string, double> kPublishedShares = {
    {"japarov", 79.14},  {"madumarov", 6.68},       {"tolbaev", 2.38},  {"arstanbek", 1.68},
    {"segizbaev", 1.48}, {"ata-jurt", 16.4},        {"ishenim", 13.0},  {"yntymak", 10.6},
    {"alyans", 8.0},     {"butun-kyrgyzstan", 6.5}, {"yiman-nuru", 5.9}};
constexpr double kTurnout = 0.389;  // January 2021

int Fail(const std::string& what, const absl::Status& status) {
  std::cerr << "esep-night " << what << ": " << status.message() << "\n";
  return 2;
}

// A precinct reader's key, the same for the same seed and precinct.
absl::StatusOr<transport::SigningKey> ReaderKey(const std::string& seed,
                                                const std::string& precinct) {
  const Sha256Digest digest = Sha256(absl::StrCat("esep-night reader key ", seed, " ", precinct));
  std::array<std::uint8_t, 32> bytes{};
  std::copy(digest.begin(), digest.end(), bytes.begin());
  return transport::SigningKey::FromSeed(bytes);
}

// Draws `n` votes over `weights` (multinomial, one binomial per option).
std::vector<std::uint64_t> Split(std::uint64_t n, const std::vector<double>& weights,
                                 std::mt19937_64& random) {
  std::vector<std::uint64_t> out(weights.size(), 0);
  double left = 0;
  for (const double w : weights) left += w;
  for (std::size_t i = 0; i < weights.size() && n > 0; ++i) {
    if (i + 1 == weights.size() || left <= 0) {
      out[i] = n;
      break;
    }
    std::binomial_distribution<std::uint64_t> draw(n, std::clamp(weights[i] / left, 0.0, 1.0));
    out[i] = draw(random);
    n -= out[i];
    left -= weights[i];
  }
  return out;
}

// The weights of a contest's options: published shares where known, the rest shared at random,
// each precinct's own swing on top.
std::vector<double> Weights(const Contest& contest, std::mt19937_64& random) {
  std::vector<double> weights;
  double known = 0;
  int unknown = 0;
  for (const Option& o : contest.options()) {
    const auto it = kPublishedShares.find(o.id());
    known += it == kPublishedShares.end() ? 0 : it->second;
    unknown += it == kPublishedShares.end();
  }
  std::uniform_real_distribution<double> spread(0.3, 1.7);
  std::lognormal_distribution<double> swing(0, 0.2);
  for (const Option& o : contest.options()) {
    const auto it = kPublishedShares.find(o.id());
    const double base = it != kPublishedShares.end()
                            ? it->second
                            : std::max(100.0 - known, 5.0) / std::max(unknown, 1) * spread(random);
    weights.push_back(base * swing(random));
  }
  return weights;
}

int Prepare(const CommandLine& cl) {
  absl::StatusOr<Election> election = LoadElectionFile(*cl.Get("election"));
  if (!election.ok()) return Fail("prepare", election.status());
  const std::string seed = cl.Get("seed").value_or("2021");
  const std::string out = *cl.Get("out");
  std::filesystem::create_directories(out);
  const std::string hash = ElectionHash(*election);
  const ElectionIndex index(*election, hash);
  std::mt19937_64 random(std::hash<std::string>{}(seed));
  std::vector<std::string> kinds;
  for (const BallotKind& k : election->ballot_kinds()) kinds.push_back(k.id());
  if (kinds.empty()) kinds.push_back("");

  std::ofstream protocols(std::filesystem::path(out) / "protocols.pb", std::ios::binary);
  std::ofstream readers(std::filesystem::path(out) / "readers.csv");
  readers << "precinct,serial,public_key\n";
  // contest -> option -> votes, and the precincts of each contest.
  std::map<std::string, std::map<std::string, std::uint64_t>> expected;
  std::map<std::string, int> precincts_of;
  std::uint64_t count = 0;
  const std::int64_t opened = 1'610'251'200;  // 10 January 2021, 08:00 in Bishkek
  for (const Precinct& precinct : election->precincts()) {
    absl::StatusOr<transport::SigningKey> key = ReaderKey(seed, precinct.id());
    if (!key.ok()) return Fail("prepare", key.status());
    const std::string serial = absl::StrCat("NIGHT-", precinct.id());
    std::string key_hex;
    for (const unsigned char c : key->public_key())
      absl::StrAppend(&key_hex, absl::Hex(c, absl::kZeroPad2));
    readers << precinct.id() << "," << serial << "," << key_hex << "\n";
    const std::uint64_t registered = precinct.registered_voters();
    std::normal_distribution<double> turnout(kTurnout, 0.06);
    const auto in_boxes = static_cast<std::uint64_t>(
        std::llround(static_cast<double>(registered) * std::clamp(turnout(random), 0.05, 0.9)));
    std::uniform_real_distribution<double> mobile_share(0.0, 0.05);
    const auto mobile = static_cast<std::uint64_t>(std::llround(in_boxes * mobile_share(random)));
    const std::uint64_t stationary = in_boxes - mobile;
    std::uniform_int_distribution<std::uint64_t> few(0, 3);
    std::uint32_t revision = 0;
    for (const std::string& kind : kinds) {
      const std::vector<const Contest*>& contests = index.ContestsOnBallot(precinct.id(), kind);
      if (contests.empty()) continue;
      const BallotStyle* style = nullptr;
      for (const BallotStyle* s : StylesOfPrecinct(*election, precinct.id())) {
        if (s->ballot_kind() == kind) style = s;
      }
      scanner::Tally tally;
      tally.ballots_cast = static_cast<std::int64_t>(stationary);
      tally.ballots_cast_by_style[style->id()] = static_cast<std::int64_t>(stationary);
      CommissionLines lines;
      lines.set_ballot_kind(kind);
      lines.set_voters_on_list(registered);
      lines.set_ballots_issued_in_room(stationary + few(random));
      lines.set_ballots_issued_outside(mobile + few(random) % 2);
      lines.set_ballots_in_mobile_boxes(mobile);
      lines.set_ballots_received(std::max<std::uint64_t>(
          registered, lines.ballots_issued_in_room() + lines.ballots_issued_outside()));
      lines.set_ballots_cancelled(lines.ballots_received() - lines.ballots_issued_in_room() -
                                  lines.ballots_issued_outside());
      for (const Contest* contest : contests) {
        ++precincts_of[contest->id()];
        std::uniform_real_distribution<double> invalid_share(0.003, 0.02);
        const std::vector<double> weights = Weights(*contest, random);
        // The box the reader counted and the mobile boxes the commission counted by hand.
        const auto invalid =
            static_cast<std::uint64_t>(std::llround(stationary * invalid_share(random)));
        const auto mobile_invalid =
            static_cast<std::uint64_t>(std::llround(mobile * invalid_share(random)));
        tally.outcomes[{contest->id(), "OVERVOTE"}] = static_cast<std::int64_t>(invalid);
        tally.outcomes[{contest->id(), "VALID"}] = static_cast<std::int64_t>(stationary - invalid);
        const std::vector<std::uint64_t> votes = Split(stationary - invalid, weights, random);
        const std::vector<std::uint64_t> mobile_votes =
            Split(mobile - mobile_invalid, weights, random);
        MobileBoxContest* hand = lines.add_mobile_box_counts();
        hand->set_contest_id(contest->id());
        hand->set_invalid_ballots(mobile_invalid);
        for (int i = 0; i < contest->options_size(); ++i) {
          const std::string& option = contest->options(i).id();
          tally.votes[{contest->id(), option}] = static_cast<std::int64_t>(votes[i]);
          OptionVotes* v = hand->add_options();
          v->set_option_id(option);
          v->set_votes(mobile_votes[i]);
          expected[contest->id()][option] += votes[i] + mobile_votes[i];
        }
      }
      scanner::ProtocolInputs inputs;
      inputs.election = &*election;
      inputs.election_hash = hash;
      inputs.precinct_id = precinct.id();
      inputs.reader_serial = serial;
      inputs.live = &tally;
      inputs.lines = &lines;
      inputs.records_root_hash = ToHex(Sha256(absl::StrCat("records ", precinct.id(), kind)));
      inputs.event_log_head_hash = ToHex(Sha256(absl::StrCat("events ", precinct.id(), kind)));
      inputs.polls_opened_unix_seconds = opened;
      inputs.polls_closed_unix_seconds = opened + 12 * 3600;
      inputs.created_unix_seconds = opened + 13 * 3600;
      // Revisions are numbered across the precinct's kinds, as its reader numbers them.
      inputs.revision = ++revision;
      inputs.status = FINAL;
      absl::StatusOr<PrecinctProtocol> protocol = scanner::BuildPrecinctProtocol(inputs);
      if (!protocol.ok()) return Fail("prepare", protocol.status());
      for (const ProtocolCheck& check : CheckProtocol(*protocol, *election, stationary)) {
        if (!check.holds) {
          return Fail("prepare", absl::InternalError(absl::StrCat(
                                     "precinct ", precinct.id(), " ", kind, ": ", check.relation,
                                     " does not hold (", check.detail, ")")));
        }
      }
      const SignedProtocol signed_protocol = transport::SignProtocol(*protocol, *key);
      if (!google::protobuf::util::SerializeDelimitedToOstream(signed_protocol, &protocols)) {
        return Fail("prepare", absl::InternalError("cannot write protocols.pb"));
      }
      ++count;
    }
  }
  nlohmann::json j;
  for (const auto& [contest, options] : expected) {
    j[contest]["precincts"] = precincts_of[contest];
    for (const auto& [option, votes] : options) j[contest]["votes"][option] = votes;
  }
  std::ofstream(std::filesystem::path(out) / "expected.json") << j.dump(1) << "\n";
  protocols.close();
  readers.close();
  if (!protocols || !readers) return Fail("prepare", absl::InternalError("cannot write " + out));
  std::cout << "prepared " << count << " signed protocols of " << election->precincts_size()
            << " precincts in " << out << "\n";
  return 0;
}

int Deliver(const CommandLine& cl) {
  const absl::StatusOr<long long> connections = cl.GetInt("connections", 8, 1, 64);
  if (!connections.ok()) return Fail("deliver", connections.status());
  // Protocols per second over all connections (0: as fast as the centre takes them), as the
  // precincts of a real night report one after another rather than all at once.
  const absl::StatusOr<long long> rate = cl.GetInt("rate", 0, 0, 1000000);
  if (!rate.ok()) return Fail("deliver", rate.status());
  std::ifstream in(*cl.Get("protocols"), std::ios::binary);
  if (!in) return Fail("deliver", absl::NotFoundError("cannot read " + *cl.Get("protocols")));
  std::vector<SignedProtocol> protocols;
  {
    google::protobuf::io::IstreamInputStream stream(&in);
    SignedProtocol p;
    bool eof = false;
    while (google::protobuf::util::ParseDelimitedFromZeroCopyStream(&p, &stream, &eof)) {
      protocols.push_back(p);
    }
    if (!eof) return Fail("deliver", absl::DataLossError("protocols.pb is damaged"));
  }
  const std::string tls_dir = *cl.Get("tls-dir");
  const std::string reader = cl.Get("reader").value_or("R1");
  absl::StatusOr<transport::TlsFiles> tls =
      transport::LoadTlsFiles(tls_dir + "/reader-" + reader + ".pem",
                              tls_dir + "/reader-" + reader + ".key", tls_dir + "/ca.pem");
  if (!tls.ok()) return Fail("deliver", tls.status());
  // A reader delivers its own protocols one after the other, oldest first (its outbox): the
  // precincts go in parallel, each precinct's revisions in order.
  std::vector<std::pair<std::size_t, std::size_t>> precincts;  // [first, last) in `protocols`
  std::string previous;
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    PrecinctProtocol p;
    if (!p.ParseFromString(protocols[i].protocol())) {
      return Fail("deliver", absl::DataLossError("a protocol in protocols.pb is damaged"));
    }
    if (i == 0 || p.precinct_id() != previous) precincts.emplace_back(i, i);
    precincts.back().second = i + 1;
    previous = p.precinct_id();
  }
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> retries{0}, delivered{0}, sent{0};
  std::mutex errors_lock;
  std::vector<std::string> refused;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (long long w = 0; w < *connections; ++w) {
    workers.emplace_back([&, w] {
      transport::ClientOptions options;
      options.target = *cl.Get("centre");
      options.tls = *tls;
      options.deadline = absl::Seconds(10);
      options.initial_reconnect_backoff = absl::Milliseconds(200);
      options.max_reconnect_backoff = absl::Seconds(2);
      (void)w;
      absl::StatusOr<std::unique_ptr<transport::ProtocolClient>> client =
          transport::ProtocolClient::Connect(options);
      if (!client.ok()) {
        std::lock_guard<std::mutex> lock(errors_lock);
        refused.push_back(std::string(client.status().message()));
        return;
      }
      for (std::size_t g = next++; g < precincts.size(); g = next++) {
        for (std::size_t i = precincts[g].first; i < precincts[g].second; ++i) {
          if (*rate > 0) {  // the k-th protocol of the night leaves no earlier than k / rate s
            std::this_thread::sleep_until(start +
                                          std::chrono::microseconds(sent++ * 1'000'000 / *rate));
          }
          for (int attempt = 0;; ++attempt) {
            absl::StatusOr<Receipt> receipt = (*client)->Submit(protocols[i]);
            if (receipt.ok()) {
              ++delivered;
              break;
            }
            if (!transport::IsTransient(receipt.status()) || attempt > 600) {
              std::lock_guard<std::mutex> lock(errors_lock);
              refused.push_back(std::string(receipt.status().message()));
              break;
            }
            ++retries;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }
      }
    });
  }
  for (std::thread& t : workers) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << absl::StrFormat(
      "delivered %d of %d protocols in %.1f s (%.0f protocols/s end to end), %d resent after a "
      "failure, %d refused\n",
      delivered.load(), protocols.size(), seconds, delivered.load() / seconds, retries.load(),
      refused.size());
  for (std::size_t i = 0; i < refused.size() && i < 5; ++i)
    std::cout << "  refused: " << refused[i] << "\n";
  return delivered.load() == protocols.size() ? 0 : 1;
}

int Check(const CommandLine& cl) {
  nlohmann::json expected, results;
  try {
    std::ifstream(*cl.Get("expected")) >> expected;
    std::ifstream(*cl.Get("results")) >> results;
  } catch (const nlohmann::json::exception& e) {
    return Fail("check", absl::InvalidArgumentError(e.what()));
  }
  int differences = 0, contests = 0;
  std::map<std::string, const nlohmann::json*> national;
  for (const nlohmann::json& c : results["national"]["contests"]) {
    national[c.value("id", "")] = &c;
  }
  for (const auto& [contest, want] : expected.items()) {
    ++contests;
    const auto it = national.find(contest);
    if (it == national.end()) {
      std::cout << "contest " << contest << ": missing from the centre's results\n";
      ++differences;
      continue;
    }
    const nlohmann::json& got = *it->second;
    if (got.value("precincts_counted", -1) != want["precincts"].get<int>()) {
      std::cout << "contest " << contest << ": " << got.value("precincts_counted", -1)
                << " precincts counted, " << want["precincts"] << " delivered\n";
      ++differences;
    }
    std::map<std::string, std::uint64_t> votes;
    for (const nlohmann::json& o : got["options"])
      votes[o.value("id", "")] = o.value("votes", 0ULL);
    for (const auto& [option, v] : want["votes"].items()) {
      if (votes[option] != v.get<std::uint64_t>()) {
        std::cout << "contest " << contest << " option " << option << ": centre " << votes[option]
                  << ", drawn " << v << "\n";
        ++differences;
      }
    }
  }
  std::cout << "checked " << contests << " contests: "
            << (differences == 0 ? "the centre's national results equal the drawn tallies"
                                 : absl::StrCat(differences, " difference(s)"))
            << "\n";
  return differences == 0 ? 0 : 1;
}

}  // namespace
}  // namespace esep::night

int main(int argc, char** argv) {
  using esep::cli::CommandLine;
  const std::vector<std::string> args(argv + 1, argv + argc);
  const std::vector<esep::cli::FlagSpec> specs = {
      {"election", true, "prepare: the election definition (JSON)"},
      {"seed", true, "prepare: seed of the drawn counts and the readers' keys (default 2021)"},
      {"out", true, "prepare: directory for protocols.pb, readers.csv and expected.json"},
      {"protocols", true, "deliver: protocols.pb from prepare"},
      {"centre", true, "deliver: the centre's HOST:PORT"},
      {"tls-dir", true, "deliver: certificates from tools/make-certs.sh"},
      {"reader", true, "deliver: the reader certificate's serial in --tls-dir (default R1)"},
      {"connections", true, "deliver: connections in parallel, 1..64 (default 8)"},
      {"rate", true, "deliver: protocols per second in all, 0 for as fast as taken (default 0)"},
      {"expected", true, "check: expected.json from prepare"},
      {"results", true, "check: the centre's results (esep-tabulator results --json)"},
      {"help", false, "print this help"}};
  absl::StatusOr<CommandLine> cl =
      esep::cli::ParseWithAction(args, specs, {"prepare", "deliver", "check"}, false);
  const char* usage =
      "usage: esep-night prepare --election E.json --out DIR [--seed S]\n"
      "       esep-night deliver --protocols DIR/protocols.pb --centre HOST:PORT --tls-dir CERTS\n"
      "                          [--reader R1] [--connections 8] [--rate 0]\n"
      "       esep-night check --expected DIR/expected.json --results RESULTS.json\n"
      "A simulated election night at national scale (tools/national-night.sh runs one).\n";
  if (!cl.ok() || cl->Has("help")) return esep::cli::UsageExit("esep-night", cl, usage, specs);
  const std::string& action = cl->positional()[0];
  const std::vector<const char*> needed =
      action == "prepare"   ? std::vector<const char*>{"election", "out"}
      : action == "deliver" ? std::vector<const char*>{"protocols", "centre", "tls-dir"}
                            : std::vector<const char*>{"expected", "results"};
  for (const char* flag : needed) {
    if (!cl->Has(flag)) {
      std::cerr << "esep-night " << action << ": --" << flag << " is needed\n";
      return 2;
    }
  }
  if (action == "prepare") return esep::night::Prepare(*cl);
  if (action == "deliver") return esep::night::Deliver(*cl);
  return esep::night::Check(*cl);
}
