// Signed protocols ingested per second by the tabulation centre over loopback gRPC with mutual
// TLS: signature check, reader registration, control relations, group-committed SQLite store
// (WAL, synchronous=FULL) and a signed receipt for each. The reference in the same run is bare
// Ed25519 verification of a protocol-sized message, the one cryptographic step every ingest
// must pay.
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>
#include <time.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tabulation_server.h"
#include "tabulation_fixture.h"
#include "tabulation_service.grpc.pb.h"

namespace esep::transport {
namespace {

constexpr int kPrecincts = 2500;  // about a national election's count
constexpr int kRoundsPerRun = 6;
constexpr int kRepetitions = 3;                        // --benchmark_repetitions at most this
constexpr int kRounds = kRoundsPerRun * kRepetitions;  // revision 1 (FINAL), then corrections
constexpr int kConnections = 8;  // readers share few connections here, to spare the CPU
constexpr int kInFlight = 512;   // submissions awaiting their receipt at any moment

// The centre with kPrecincts precincts, each with its own registered reader key, and every
// protocol of every round signed in advance.
struct Setup {
  Setup() {
    testing::MakeCertificates(dir.path() / "certs", {"R1"});
    election = testing::PartyListElection();
    std::vector<std::string> precincts;
    for (int i = 0; i < kPrecincts; ++i) {
      precincts.push_back(absl::StrCat("B", 10000 + i));
      election.add_precincts()->set_id(precincts.back());
      election.mutable_ballot_styles(0)->add_precinct_ids(precincts.back());
    }
    store = *TabulationStore::Open((dir.path() / "tabulation.db").string());
    const std::string certificate = testing::FingerprintOf(dir.path() / "certs/reader-R1.pem");
    std::vector<RegisteredReader> readers;
    std::vector<SigningKey> keys;
    for (const std::string& precinct : precincts) {
      keys.push_back(SigningKey::Generate());
      readers.push_back({precinct, "R-" + precinct, keys.back().public_key(), certificate, 0});
    }
    if (!store->RegisterReaders(readers).ok()) std::abort();
    centre = std::make_unique<TabulationCentre>(election, SigningKey::Generate(), store.get(),
                                                [](std::string_view) {});
    server = *TabulationServer::Start(centre.get(),
                                      {"127.0.0.1:0", testing::CentreTls(dir.path() / "certs")});
    rounds.resize(kRounds);
    const Election fixture = testing::PartyListElection();
    const std::string hash = ElectionHash(election);
    for (int round = 0; round < kRounds; ++round) {
      for (int i = 0; i < kPrecincts; ++i) {
        const std::uint32_t revision = static_cast<std::uint32_t>(round + 1);
        // Made from the small fixture election (its hash is cheap), then given the real hash.
        PrecinctProtocol protocol =
            testing::ValidProtocol(fixture, precincts[i], "R-" + precincts[i], revision,
                                   round == 0 ? FINAL : CORRECTION, revision);
        protocol.set_election_hash(hash);
        rounds[round].push_back(SignProtocol(protocol, keys[i]));
      }
    }
    const TlsFiles tls = testing::ReaderTls(dir.path() / "certs", "R1");
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = tls.ca_pem;
    ssl.pem_private_key = tls.private_key_pem;
    ssl.pem_cert_chain = tls.certificate_pem;
    for (int c = 0; c < kConnections; ++c) {
      grpc::ChannelArguments arguments;
      arguments.SetInt("esep.bench.connection", c);  // a distinct connection per stub
      stubs.push_back(Tabulation::NewStub(grpc::CreateCustomChannel(
          absl::StrCat("127.0.0.1:", server->port()), grpc::SslCredentials(ssl), arguments)));
    }
  }

  testing::ScratchDir dir;
  Election election;
  std::unique_ptr<TabulationStore> store;
  std::unique_ptr<TabulationCentre> centre;
  std::unique_ptr<TabulationServer> server;
  std::vector<std::unique_ptr<Tabulation::Stub>> stubs;
  std::vector<std::vector<SignedProtocol>> rounds;
  int next_round = 0;
};

Setup& TheSetup() {
  static Setup* setup = new Setup();
  return *setup;
}

double ProcessCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// One submission in flight.
struct Call {
  grpc::ClientContext context;
  Receipt receipt;
};

// One iteration: every precinct's protocol of the next round, kInFlight at a time, as many
// readers sending at once would.
void BM_IngestOverGrpc(benchmark::State& state) {
  Setup& setup = TheSetup();
  int& round = setup.next_round;  // each repetition sends the next revisions, never a replay
  std::atomic<int> refused = 0;
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    if (round >= kRounds) {
      state.SkipWithError("not enough signed rounds prepared");
      break;
    }
    const std::vector<SignedProtocol>& protocols = setup.rounds[round++];
    std::vector<std::unique_ptr<Call>> calls;
    std::mutex mutex;
    std::condition_variable changed;
    int in_flight = 0;
    for (std::size_t i = 0; i < protocols.size(); ++i) {
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return in_flight < kInFlight; });
        ++in_flight;
      }
      calls.push_back(std::make_unique<Call>());
      Call* call = calls.back().get();
      setup.stubs[i % setup.stubs.size()]->async()->Submit(
          &call->context, &protocols[i], &call->receipt, [&](grpc::Status status) {
            if (!status.ok()) ++refused;
            std::lock_guard lock(mutex);
            --in_flight;
            changed.notify_all();
          });
    }
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return in_flight == 0; });
  }
  const double cpu = ProcessCpuSeconds() - cpu_start;
  if (refused > 0) state.SkipWithError("the centre refused some protocols");
  state.SetItemsProcessed(state.iterations() * kPrecincts);
  // CPU of every thread (client and centre) per protocol: the figure that does not depend on
  // how busy the machine is.
  state.counters["cpu_us_per_protocol"] =
      cpu * 1e6 / static_cast<double>(state.iterations() * kPrecincts);
  state.counters["protocols"] = static_cast<double>(state.iterations() * kPrecincts);
}
BENCHMARK(BM_IngestOverGrpc)
    ->Iterations(kRoundsPerRun)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The reference: Ed25519 verification of a protocol-sized message, as the centre does first.
void BM_Ed25519VerifyReference(benchmark::State& state) {
  const SigningKey key = SigningKey::Generate();
  const SignedProtocol signed_protocol = SignProtocol(
      testing::ValidProtocol(testing::PartyListElection(), "1001", "R1", 1, FINAL), key);
  for (auto _ : state) {
    benchmark::DoNotOptimize(VerifySignature(SigningDomain::kPrecinctProtocol,
                                             signed_protocol.protocol(),
                                             signed_protocol.signature(), key.public_key()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519VerifyReference)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace esep::transport

BENCHMARK_MAIN();
