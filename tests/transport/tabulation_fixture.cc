#include "tabulation_fixture.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <thread>

#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"

extern char** environ;

namespace esep::transport::testing {

ScratchDir::ScratchDir() {
  char pattern[] = "/tmp/esep-tabulation-XXXXXX";
  path_ = ::mkdtemp(pattern);
}

ScratchDir::~ScratchDir() { std::filesystem::remove_all(path_); }

void MakeCertificates(const std::filesystem::path& dir, const std::vector<std::string>& serials) {
  std::string command = std::string(ESEP_SOURCE_DIR) + "/tools/make-certs.sh " + dir.string();
  for (const std::string& serial : serials) command += " " + serial;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

TlsFiles ReaderTls(const std::filesystem::path& certs, const std::string& serial) {
  absl::StatusOr<TlsFiles> files =
      serial.empty() ? LoadTlsFiles("", "", certs / "ca.pem")
      : serial == "stranger"
          ? LoadTlsFiles(certs / "stranger.pem", certs / "stranger.key", certs / "ca.pem")
          : LoadTlsFiles(certs / ("reader-" + serial + ".pem"),
                         certs / ("reader-" + serial + ".key"), certs / "ca.pem");
  EXPECT_TRUE(files.ok()) << files.status();
  return files.ok() ? *files : TlsFiles{};
}

TlsFiles CentreTls(const std::filesystem::path& certs) {
  absl::StatusOr<TlsFiles> files =
      LoadTlsFiles(certs / "centre.pem", certs / "centre.key", certs / "ca.pem");
  EXPECT_TRUE(files.ok()) << files.status();
  return files.ok() ? *files : TlsFiles{};
}

std::string FingerprintOf(const std::filesystem::path& pem_file) {
  absl::StatusOr<std::string> pem = ReadPemFile(pem_file);
  EXPECT_TRUE(pem.ok()) << pem.status();
  absl::StatusOr<std::string> fingerprint = CertificateFingerprint(pem.ok() ? *pem : "");
  EXPECT_TRUE(fingerprint.ok()) << fingerprint.status();
  return fingerprint.ok() ? *fingerprint : "";
}

Election PartyListElection() {
  absl::StatusOr<Election> election =
      LoadElectionFile(std::string(ESEP_SOURCE_DIR) + "/fixtures/elections/party-list-2021.json");
  EXPECT_TRUE(election.ok()) << election.status();
  return election.ok() ? *election : Election();
}

PrecinctProtocol ValidProtocol(const Election& election, const std::string& precinct,
                               const std::string& reader_serial, std::uint32_t revision,
                               ProtocolStatus status, std::uint64_t variant) {
  PrecinctProtocol p;
  p.set_election_id(election.id());
  p.set_election_hash(ElectionHash(election));
  p.set_precinct_id(precinct);
  p.set_reader_serial(reader_serial);
  p.set_revision(revision);
  p.set_status(status);
  const Precinct* known = FindPrecinct(election, precinct);
  p.set_voters_on_list(
      known != nullptr && known->registered_voters() != 0 ? known->registered_voters() : 2150);
  p.set_ballots_received(1500);
  p.set_ballots_issued_in_room(1200);
  p.set_ballots_issued_outside(20);
  p.set_ballots_cancelled(280);
  p.set_ballots_in_stationary_box(1180);
  p.set_ballots_in_mobile_boxes(20);
  ContestResult* result = p.add_contests();
  const Contest& contest = election.contests(0);
  result->set_contest_id(contest.id());
  result->set_vote_for(1);
  result->set_invalid_ballots(30);
  result->set_valid_ballots(1170);
  std::uint64_t left = 1170;
  for (int i = 0; i < contest.options_size(); ++i) {
    OptionVotes* option = result->add_options();
    option->set_option_id(contest.options(i).id());
    const std::uint64_t votes =
        i + 1 == contest.options_size() ? left : std::min<std::uint64_t>(left, 100 - 4 * i);
    option->set_votes(votes);
    left -= votes;
  }
  const std::uint64_t moved = variant % 50;
  result->mutable_options(0)->set_votes(result->options(0).votes() - moved);
  result->mutable_options(1)->set_votes(result->options(1).votes() + moved);
  return p;
}

PrecinctProtocol WithBallotsInBoxes(PrecinctProtocol p, std::uint64_t ballots) {
  const std::uint64_t issued = std::min(p.voters_on_list(), ballots);
  p.set_ballots_issued_in_room(issued);
  p.set_ballots_issued_outside(0);
  p.set_ballots_received(ballots + 100);
  p.set_ballots_cancelled(ballots + 100 - issued);
  p.set_ballots_lost(0);
  p.set_ballots_not_counted_at_receipt(0);
  p.set_ballots_in_stationary_box(ballots);
  p.set_ballots_in_mobile_boxes(0);
  for (ContestResult& result : *p.mutable_contests()) {
    result.set_invalid_ballots(0);
    result.set_valid_ballots(ballots);
    for (OptionVotes& option : *result.mutable_options()) option.set_votes(0);
    if (result.options_size() > 0) result.mutable_options(0)->set_votes(ballots);
  }
  return p;
}

PrecinctProtocol NearTwoToThe63Protocol(const Election& election, const std::string& precinct,
                                        const std::string& reader_serial, std::uint32_t revision,
                                        ProtocolStatus status) {
  constexpr std::uint64_t kHalf = std::uint64_t{1} << 63;
  PrecinctProtocol p = ValidProtocol(election, precinct, reader_serial, revision, status);
  p.set_voters_on_list(std::numeric_limits<std::uint64_t>::max());
  p.set_ballots_issued_in_room(kHalf);
  p.set_ballots_issued_outside(kHalf - 5000);
  p.set_ballots_cancelled(0);
  p.set_ballots_received(kHalf + (kHalf - 5000));
  p.set_ballots_in_stationary_box(kHalf);
  p.set_ballots_in_mobile_boxes(kHalf - 5000);
  ContestResult* result = p.mutable_contests(0);
  result->set_invalid_ballots(0);
  result->set_valid_ballots(kHalf + (kHalf - 5000));
  for (OptionVotes& option : *result->mutable_options()) option.set_votes(0);
  result->mutable_options(0)->set_votes(kHalf);
  result->mutable_options(1)->set_votes(kHalf - 5000);
  return p;
}

SqliteOutbox::SqliteOutbox(const std::filesystem::path& path) {
  EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db_,
                         "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                         "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, "
                         "signed_protocol BLOB NOT NULL, receipt BLOB)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
}

SqliteOutbox::~SqliteOutbox() { sqlite3_close(db_); }

std::int64_t SqliteOutbox::Add(const SignedProtocol& signed_protocol) {
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db_, "INSERT INTO outbox (signed_protocol) VALUES (?)", -1, &stmt, nullptr);
  const std::string bytes = signed_protocol.SerializeAsString();
  sqlite3_bind_blob(stmt, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
  sqlite3_finalize(stmt);
  return sqlite3_last_insert_rowid(db_);
}

absl::StatusOr<std::optional<PendingProtocol>> SqliteOutbox::NextPending() {
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db_,
                     "SELECT id, signed_protocol FROM outbox WHERE receipt IS NULL "
                     "ORDER BY id LIMIT 1",
                     -1, &stmt, nullptr);
  std::optional<PendingProtocol> pending;
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    pending.emplace();
    pending->id = sqlite3_column_int64(stmt, 0);
    const void* blob = sqlite3_column_blob(stmt, 1);
    const int size = sqlite3_column_bytes(stmt, 1);
    if (!pending->signed_protocol.ParseFromArray(blob, size)) {
      sqlite3_finalize(stmt);
      return absl::DataLossError("the outbox entry cannot be parsed");
    }
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return absl::InternalError(sqlite3_errmsg(db_));
  return pending;
}

absl::Status SqliteOutbox::StoreReceipt(std::int64_t id, const Receipt& receipt) {
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db_, "UPDATE outbox SET receipt = ? WHERE id = ? AND receipt IS NULL", -1,
                     &stmt, nullptr);
  const std::string bytes = receipt.SerializeAsString();
  sqlite3_bind_blob(stmt, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 2, id);
  const int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return absl::InternalError(sqlite3_errmsg(db_));
  return absl::OkStatus();
}

std::optional<Receipt> SqliteOutbox::ReceiptOf(std::int64_t id) {
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db_, "SELECT receipt FROM outbox WHERE id = ? AND receipt IS NOT NULL", -1,
                     &stmt, nullptr);
  sqlite3_bind_int64(stmt, 1, id);
  std::optional<Receipt> receipt;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    receipt.emplace();
    receipt->ParseFromArray(sqlite3_column_blob(stmt, 0), sqlite3_column_bytes(stmt, 0));
  }
  sqlite3_finalize(stmt);
  return receipt;
}

absl::StatusOr<std::map<std::string, SigningKey>> RegisterReaderPerPrecinct(
    const Election& election, TabulationStore& store) {
  std::map<std::string, SigningKey> keys;
  std::vector<RegisteredReader> readers;
  for (const Precinct& p : election.precincts()) {
    auto [it, inserted] = keys.emplace(p.id(), SigningKey::Generate());
    readers.push_back({p.id(), "R" + p.id(), it->second.public_key(), "cert-" + p.id(), 0});
  }
  if (absl::Status s = store.RegisterReaders(readers); !s.ok()) return s;
  return keys;
}

absl::StatusOr<std::unique_ptr<TabulationStore>> OpenStoreWithTwoReaders(
    const std::filesystem::path& dir, const SigningKey& r1, const SigningKey& r2) {
  absl::StatusOr<std::unique_ptr<TabulationStore>> store =
      TabulationStore::Open((dir / "tabulation.db").string());
  if (!store.ok()) return store.status();
  if (absl::Status s = (*store)->RegisterReaders({{"1001", "R1", r1.public_key(), "cert-R1", 0},
                                                  {"1002", "R2", r2.public_key(), "cert-R2", 0}});
      !s.ok()) {
    return s;
  }
  return store;
}

absl::StatusOr<SiteOptions> TestSiteOptions(const std::filesystem::path& root) {
  SiteOptions options;
  options.root = root;
  options.verifier_assets = std::filesystem::path(ESEP_SOURCE_DIR) / "transport/site/verifier";
  absl::StatusOr<SiteText> text = SiteTextOfCatalogs();
  if (!text.ok()) return text.status();
  options.text = *std::move(text);
  return options;
}

TabulatorProcess::TabulatorProcess(const std::string& binary, const std::filesystem::path& data,
                                   const std::filesystem::path& certs, int port,
                                   const std::filesystem::path& port_file)
    : port_file_(port_file) {
  std::filesystem::remove(port_file_);
  std::vector<std::string> args = {binary,        "serve",
                                   "--data-dir",  data.string(),
                                   "--listen",    absl::StrCat("127.0.0.1:", port),
                                   "--cert",      (certs / "centre.pem").string(),
                                   "--key",       (certs / "centre.key").string(),
                                   "--client-ca", (certs / "ca.pem").string(),
                                   "--port-file", port_file_.string()};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  EXPECT_EQ(posix_spawn(&pid_, binary.c_str(), nullptr, nullptr, argv.data(), environ), 0);
}

int TabulatorProcess::WaitUntilServing() {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up) {
    std::ifstream in(port_file_);
    int port = 0;
    if (in >> port) return port;
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

int TabulatorProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void TabulatorProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string RunSql(const std::string& address, const std::string& sql) {
  PGconn* conn = PQconnectdb(address.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      error = PQresultErrorMessage(result);
    }
    PQclear(result);
  }
  PQfinish(conn);
  return error.empty() || error.back() != '\n' ? error : error.substr(0, error.size() - 1);
}

std::string PostgresAddressOf(const std::string& address, const std::string& role,
                              const std::string& database) {
  const std::size_t at = address.find('@');
  const std::size_t slash = address.rfind('/');
  return absl::StrCat("postgresql://", role, "@", address.substr(at + 1, slash - at - 1), "/",
                      database);
}

}  // namespace esep::transport::testing
