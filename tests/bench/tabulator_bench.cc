// Signed protocols ingested per second by the tabulation centre (its own process) over loopback
// gRPC with mutual TLS: signature check, reader registration, control relations, group-committed
// store and a signed receipt for each. Two centres in the same run, one per store backend: SQLite
// (WAL, synchronous=FULL) and PostgreSQL with a synchronous streaming standby (both servers on
// this machine, started by tests/transport/postgres_server.sh on ports 55441 and 55442, fsync on).
// The reference in the same run is bare Ed25519 verification of a protocol-sized message, the
// one cryptographic step every ingest must pay.
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench_common.h"
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

constexpr char kPostgresServer[] = ESEP_SOURCE_DIR "/tests/transport/postgres_server.sh";
constexpr char kPostgresAdmin[] = "postgresql://esep_admin@127.0.0.1:55441/postgres";
constexpr char kPostgresCentre[] = "postgresql://esep_centre@127.0.0.1:55441/esep";

enum Backend { kSqlite = 0, kPostgres = 1 };

// The centre in a child process, as in a real deployment, so that its CPU time is measured
// apart from the clients': it serves until SIGTERM and never returns.
[[noreturn]] void RunCentre(const Election& election, const std::filesystem::path& dir,
                            const std::string& store_address, int port_pipe) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::unique_ptr<TabulationStore> store = *TabulationStore::Open(store_address);
  TabulationCentre centre(election, SigningKey::Generate(), store.get(), [](std::string_view) {});
  std::unique_ptr<TabulationServer> server =
      *TabulationServer::Start(&centre, {"127.0.0.1:0", testing::CentreTls(dir / "certs")});
  const int port = server->port();
  if (write(port_pipe, &port, sizeof port) != sizeof port) _exit(1);
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  server->Shutdown();
  _exit(0);
}

// The centre with kPrecincts precincts, each with its own registered reader key, and every
// protocol of every round signed in advance. Nothing of gRPC exists before the fork.
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
    // PostgreSQL: a primary and its synchronous standby, the schema, the centre's role.
    if (std::system(
            absl::StrCat(kPostgresServer, " restart ", postgres_dir, " 55441 55442").c_str()) !=
        0) {
      std::abort();
    }
    for (const char* sql : {"CREATE ROLE esep_owner LOGIN", "CREATE ROLE esep_centre LOGIN",
                            "CREATE DATABASE esep OWNER esep_owner"}) {
      if (!testing::RunSql(kPostgresAdmin, sql).empty()) std::abort();
    }
    if (!SetUpPostgresSchema(testing::PostgresAddressOf(kPostgresAdmin, "esep_owner", "esep"),
                             "esep_centre")
             .ok()) {
      std::abort();
    }
    addresses = {(dir.path() / "tabulation.db").string(), kPostgresCentre};
    const std::string certificate = testing::FingerprintOf(dir.path() / "certs/reader-R1.pem");
    std::vector<RegisteredReader> readers;
    std::vector<SigningKey> keys;
    for (const std::string& precinct : precincts) {
      keys.push_back(SigningKey::Generate());
      readers.push_back({precinct, "R-" + precinct, keys.back().public_key(), certificate, 0});
    }
    for (const std::string& address : addresses) {
      std::unique_ptr<TabulationStore> store = *TabulationStore::Open(address);
      if (!store->RegisterReaders(readers).ok()) std::abort();
    }
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

    int ports[2] = {0, 0};
    for (int backend : {kSqlite, kPostgres}) {
      int port_pipe[2];
      if (pipe(port_pipe) != 0) std::abort();
      centre_pids[backend] = fork();
      if (centre_pids[backend] == 0) {
        close(port_pipe[0]);
        RunCentre(election, dir.path(), addresses[backend], port_pipe[1]);
      }
      close(port_pipe[1]);
      if (read(port_pipe[0], &ports[backend], sizeof(int)) != sizeof(int)) std::abort();
      close(port_pipe[0]);
    }
    std::atexit([] { TheCentresStop(); });

    const TlsFiles tls = testing::ReaderTls(dir.path() / "certs", "R1");
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = tls.ca_pem;
    ssl.pem_private_key = tls.private_key_pem;
    ssl.pem_cert_chain = tls.certificate_pem;
    for (int backend : {kSqlite, kPostgres}) {
      for (int c = 0; c < kConnections; ++c) {
        grpc::ChannelArguments arguments;
        arguments.SetInt("esep.bench.connection", c);  // a distinct connection per stub
        stubs[backend].push_back(Tabulation::NewStub(grpc::CreateCustomChannel(
            absl::StrCat("127.0.0.1:", ports[backend]), grpc::SslCredentials(ssl), arguments)));
      }
    }
  }

  // CPU seconds a centre's process has used so far (/proc, clock-tick resolution).
  double CentreCpuSeconds(int backend) const {
    std::ifstream in(absl::StrCat("/proc/", centre_pids[backend], "/stat"));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command name, which ends with ')': state is field 3, utime 14, stime 15.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i >= 14) ticks += std::stod(field);
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

  static void TheCentresStop();

  testing::ScratchDir dir;
  Election election;
  std::vector<std::string> addresses;  // by Backend
  // Outside the scratch directory, which PostgreSQL's user (nobody, under root) cannot enter.
  std::string postgres_dir = absl::StrCat("/tmp/esep-bench-postgres-", getpid());
  pid_t centre_pids[2] = {-1, -1};
  std::vector<std::unique_ptr<Tabulation::Stub>> stubs[2];
  std::vector<std::vector<SignedProtocol>> rounds;
  int next_round[2] = {0, 0};
};

Setup& TheSetup() {
  static Setup* setup = new Setup();
  return *setup;
}

void Setup::TheCentresStop() {
  Setup& setup = TheSetup();
  for (pid_t& pid : setup.centre_pids) {
    if (pid <= 0) continue;
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
  }
  (void)std::system(absl::StrCat(kPostgresServer, " stop ", setup.postgres_dir).c_str());
  std::error_code ignored;
  std::filesystem::remove_all(setup.dir.path(), ignored);  // the setup itself is never destroyed
}

using esep::bench::ProcessCpuSeconds;

// One submission in flight.
struct Call {
  grpc::ClientContext context;
  Receipt receipt;
};

// One iteration: every precinct's protocol of the next round, kInFlight at a time, as many
// readers sending at once would, to the centre on `backend`.
void BM_IngestOverGrpc(benchmark::State& state, Backend backend) {
  Setup& setup = TheSetup();
  int& round = setup.next_round[backend];  // each repetition sends the next revisions
  std::atomic<int> refused = 0;
  const double cpu_start = ProcessCpuSeconds();
  const double centre_cpu_start = setup.CentreCpuSeconds(backend);
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
      setup.stubs[backend][i % setup.stubs[backend].size()]->async()->Submit(
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
  const double centre_cpu = setup.CentreCpuSeconds(backend) - centre_cpu_start;
  if (refused > 0) state.SkipWithError("the centre refused some protocols");
  state.SetItemsProcessed(state.iterations() * kPrecincts);
  // CPU per protocol of the centre's process and of the clients': figures that do not depend
  // on how busy the machine is.
  const double protocols = static_cast<double>(state.iterations() * kPrecincts);
  state.counters["centre_cpu_us_per_protocol"] = centre_cpu * 1e6 / protocols;
  state.counters["client_cpu_us_per_protocol"] = cpu * 1e6 / protocols;
  state.counters["protocols"] = static_cast<double>(state.iterations() * kPrecincts);
}
BENCHMARK_CAPTURE(BM_IngestOverGrpc, sqlite, kSqlite)
    ->Iterations(kRoundsPerRun)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
// The PostgreSQL server's own CPU is not in centre_cpu_us_per_protocol.
BENCHMARK_CAPTURE(BM_IngestOverGrpc, postgres_sync_standby, kPostgres)
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
