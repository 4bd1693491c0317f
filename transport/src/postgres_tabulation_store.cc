#include <endian.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "group_commit.h"
#include "store_backends.h"

namespace esep::transport::internal {
namespace {

// How long a lost database is looked for again (libpq tries every host of the address, for the
// one that accepts writes: a promoted standby is found here) before the callers are told to send
// again; how often a batch that lost to another instance's transaction is tried again.
constexpr absl::Duration kWriteReconnectFor = absl::Seconds(30);
constexpr absl::Duration kReadReconnectFor = absl::Seconds(10);
constexpr int kConflictRetries = 5;
// The advisory lock every centre instance takes for a batch: batches commit one at a time, so
// sequences have no gaps and no two instances decide on the same precinct at once.
constexpr std::int64_t kBatchLock = 0x45534550;  // "ESEP"

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS readers (
  precinct_id TEXT NOT NULL,
  reader_serial TEXT NOT NULL,
  public_key BYTEA NOT NULL,
  certificate_sha256 TEXT NOT NULL,
  registered_unix_seconds BIGINT NOT NULL,
  PRIMARY KEY (precinct_id, reader_serial));
CREATE TABLE IF NOT EXISTS protocols (
  sequence BIGINT PRIMARY KEY,
  precinct_id TEXT NOT NULL,
  reader_serial TEXT NOT NULL,
  revision BIGINT NOT NULL,
  status BIGINT NOT NULL,
  signed_protocol BYTEA NOT NULL,
  protocol_sha256 TEXT NOT NULL,
  receipt BYTEA NOT NULL,
  received_unix_seconds BIGINT NOT NULL,
  held_reason TEXT NOT NULL DEFAULT '',
  ballot_kind TEXT NOT NULL DEFAULT '',
  UNIQUE (precinct_id, revision));
CREATE INDEX IF NOT EXISTS protocols_by_kind ON protocols (precinct_id, ballot_kind, revision);
CREATE TABLE IF NOT EXISTS alarms (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at_unix_seconds BIGINT NOT NULL,
  precinct_id TEXT NOT NULL,
  reader_serial TEXT NOT NULL,
  protocol_sha256 TEXT NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revocations (
  precinct_id TEXT NOT NULL,
  reader_serial TEXT NOT NULL,
  revoked_unix_seconds BIGINT NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (precinct_id, reader_serial));
CREATE OR REPLACE FUNCTION esep_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0];
END $$;
CREATE OR REPLACE TRIGGER protocols_append_only_update BEFORE UPDATE ON protocols
  FOR EACH STATEMENT EXECUTE FUNCTION
  esep_refuse_change('received protocols are append-only: they cannot be changed');
CREATE OR REPLACE TRIGGER protocols_append_only_delete BEFORE DELETE OR TRUNCATE ON protocols
  FOR EACH STATEMENT EXECUTE FUNCTION
  esep_refuse_change('received protocols are append-only: they cannot be deleted');
CREATE OR REPLACE TRIGGER alarms_append_only_update BEFORE UPDATE ON alarms
  FOR EACH STATEMENT EXECUTE FUNCTION
  esep_refuse_change('alarms are append-only: they cannot be changed');
CREATE OR REPLACE TRIGGER alarms_append_only_delete BEFORE DELETE OR TRUNCATE ON alarms
  FOR EACH STATEMENT EXECUTE FUNCTION
  esep_refuse_change('alarms are append-only: they cannot be deleted');
CREATE OR REPLACE TRIGGER revocations_append_only_update BEFORE UPDATE ON revocations
  FOR EACH STATEMENT EXECUTE FUNCTION
  esep_refuse_change('revocations are permanent: they cannot be changed');
CREATE OR REPLACE TRIGGER revocations_append_only_delete BEFORE DELETE OR TRUNCATE ON revocations
  FOR EACH STATEMENT EXECUTE FUNCTION
  esep_refuse_change('revocations are permanent: they cannot be deleted');
REVOKE ALL ON readers, protocols, alarms, revocations FROM PUBLIC;
)sql";

constexpr char kProtocolColumns[] =
    "SELECT sequence, precinct_id, reader_serial, revision, status, signed_protocol, "
    "protocol_sha256, receipt, received_unix_seconds, held_reason, ballot_kind FROM protocols ";

// Type OIDs of the parameters, all sent in binary.
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;

struct Param {
  Oid type;
  std::string bytes;
};
Param Text(std::string_view text) { return {kTextOid, std::string(text)}; }
Param Bytes(std::string_view bytes) { return {kByteaOid, std::string(bytes)}; }
Param Int(std::int64_t value) {
  const std::uint64_t big_endian = htobe64(static_cast<std::uint64_t>(value));
  return {kInt8Oid, std::string(reinterpret_cast<const char*>(&big_endian), sizeof big_endian)};
}

// The rows of a query, read in binary: BIGINT, TEXT and BYTEA columns only.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, PQclear) {}
  int size() const { return PQntuples(result_.get()); }
  const PGresult* get() const { return result_.get(); }
  std::string BytesAt(int row, int column) const {
    return std::string(PQgetvalue(result_.get(), row, column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
  }
  std::int64_t IntAt(int row, int column) const {
    if (PQgetisnull(result_.get(), row, column) ||
        PQgetlength(result_.get(), row, column) != sizeof(std::uint64_t)) {
      return 0;
    }
    std::uint64_t big_endian = 0;
    std::memcpy(&big_endian, PQgetvalue(result_.get(), row, column), sizeof big_endian);
    return static_cast<std::int64_t>(be64toh(big_endian));
  }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

std::string Trimmed(const char* message) {
  return std::string(absl::StripTrailingAsciiWhitespace(message ? message : ""));
}

// The failure of a statement, with a status code callers can act on: a lost or read-only
// connection is UNAVAILABLE (reconnect), a lost race with another instance ABORTED (try again).
absl::Status StatementError(PGconn* conn, const PGresult* result, std::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  // The statement's beginning says which one failed; the whole text would drown the reason.
  what.remove_prefix(std::min(what.size(), what.find_first_not_of(" \n")));
  const std::string statement(what.substr(0, what.find_first_of("(\n")));
  std::string message =
      absl::StrCat("tabulation store (PostgreSQL): ", statement.substr(0, 48),
                   statement.size() > 48 ? "...: " : ": ",
                   Trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn)));
  if (PQstatus(conn) != CONNECTION_OK || sqlstate.empty() || sqlstate.starts_with("08") ||
      sqlstate.starts_with("57P") || sqlstate == "25006" || sqlstate == "53300") {
    return absl::UnavailableError(message);
  }
  if (sqlstate == "40001" || sqlstate == "40P01") return absl::AbortedError(message);
  if (sqlstate.starts_with("23") || sqlstate == "P0001") {
    return absl::FailedPreconditionError(message);
  }
  if (sqlstate == "42501") return absl::PermissionDeniedError(message);
  if (sqlstate.starts_with("53")) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

// One libpq connection to the address, made again after a failure, with the statements it has
// prepared (each SQL text once per connection).
class Connection {
 public:
  explicit Connection(std::string address) : address_(std::move(address)) {}
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  absl::Status EnsureConnected() {
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
    Close();
    // Defaults first: the address may override each of them.
    const char* keywords[] = {"connect_timeout",
                              "keepalives_idle",
                              "keepalives_interval",
                              "keepalives_count",
                              "application_name",
                              "dbname",
                              nullptr};
    const char* values[] = {"5", "10", "5", "3", "esep-tabulator", address_.c_str(), nullptr};
    conn_ = PQconnectdbParams(keywords, values, 1);
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
      absl::Status error = absl::UnavailableError(absl::StrCat(
          "tabulation store: cannot connect to the PostgreSQL database (check the store address, "
          "that the server runs and accepts the role it names): ",
          Trimmed(conn_ ? PQerrorMessage(conn_) : "out of memory")));
      Close();
      return error;
    }
    return absl::OkStatus();
  }

  void Close() {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    prepared_.clear();
  }

  // Runs a single statement with binary parameters and results, prepared once per connection.
  absl::StatusOr<Rows> Run(const std::string& sql, const std::vector<Param>& params = {}) {
    if (conn_ == nullptr) return absl::UnavailableError("tabulation store: not connected");
    auto found = prepared_.find(sql);
    if (found == prepared_.end()) {
      std::vector<Oid> types;
      for (const Param& p : params) types.push_back(p.type);
      const std::string name = absl::StrCat("esep_", prepared_.size());
      Rows prepared(PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(types.size()),
                              types.data()));
      if (absl::Status s = Check(prepared, sql); !s.ok()) return s;
      found = prepared_.emplace(sql, name).first;
    }
    std::vector<const char*> values;
    std::vector<int> lengths;
    const std::vector<int> formats(params.size(), 1);
    for (const Param& p : params) {
      values.push_back(p.bytes.data());
      lengths.push_back(static_cast<int>(p.bytes.size()));
    }
    Rows result(PQexecPrepared(conn_, found->second.c_str(), static_cast<int>(params.size()),
                               values.data(), lengths.data(), formats.data(), 1));
    if (absl::Status s = Check(result, sql); !s.ok()) return s;
    return result;
  }

  // Runs statements as text (DDL, BEGIN, COMMIT), without results.
  absl::Status Exec(const std::string& sql) {
    if (conn_ == nullptr) return absl::UnavailableError("tabulation store: not connected");
    return Check(Rows(PQexec(conn_, sql.c_str())), sql);
  }

  // Runs `body` in one transaction: committed when it succeeds, rolled back otherwise.
  absl::Status InTransaction(const std::function<absl::Status()>& body) {
    if (absl::Status s = Exec("BEGIN"); !s.ok()) return s;
    absl::Status result = body();
    if (result.ok()) result = Exec("COMMIT");
    if (!result.ok() && PQstatus(conn_) == CONNECTION_OK) (void)Exec("ROLLBACK");
    return result;
  }

  // Runs `attempt` until it succeeds or fails for good: a lost connection is made again (libpq
  // tries every host of the address for the one that accepts writes, so a promoted standby is
  // found) for up to `reconnect_for`; a transaction that lost a race with another centre instance
  // is tried again. `attempt` must be idempotent: after a lost COMMIT it runs again, and must find
  // what the lost COMMIT may have stored.
  absl::Status Retrying(absl::Duration reconnect_for,
                        const std::function<absl::Status()>& attempt) {
    const absl::Time give_up = absl::Now() + reconnect_for;
    absl::Duration pause = absl::Milliseconds(50);
    int conflicts = 0;
    for (;;) {
      absl::Status status = EnsureConnected();
      if (status.ok()) status = attempt();
      if (status.ok()) return status;
      if (absl::IsAborted(status) && ++conflicts <= kConflictRetries) continue;
      if (!absl::IsUnavailable(status) || absl::Now() + pause > give_up) return status;
      Close();
      absl::SleepFor(pause);
      pause = std::min(pause * 2, absl::Seconds(1));
    }
  }

  PGconn* conn() { return conn_; }

 private:
  absl::Status Check(const Rows& rows, std::string_view what) {
    const ExecStatusType status = rows.get() ? PQresultStatus(rows.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return absl::OkStatus();
    return StatementError(conn_, rows.get(), what);
  }

  std::string address_;
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;
};

StoredProtocol ProtocolAt(const Rows& rows, int row) {
  StoredProtocol stored;
  stored.sequence = rows.IntAt(row, 0);
  stored.precinct_id = rows.BytesAt(row, 1);
  stored.reader_serial = rows.BytesAt(row, 2);
  stored.revision = static_cast<std::uint32_t>(rows.IntAt(row, 3));
  const std::int64_t status = rows.IntAt(row, 4);
  stored.status = ProtocolStatus_IsValid(static_cast<int>(status))
                      ? static_cast<ProtocolStatus>(status)
                      : PROTOCOL_STATUS_UNSPECIFIED;
  stored.signed_protocol = rows.BytesAt(row, 5);
  stored.protocol_sha256 = rows.BytesAt(row, 6);
  stored.receipt = rows.BytesAt(row, 7);
  stored.received_unix_seconds = rows.IntAt(row, 8);
  stored.held_reason = rows.BytesAt(row, 9);
  stored.ballot_kind = rows.BytesAt(row, 10);
  return stored;
}

// The PostgreSQL backend, for several centre instances on one database with a synchronous hot
// standby. The centre connects as a role that may only insert and read; triggers owned by the
// schema's owner refuse any change or deletion even to roles that may. Each batch is one
// transaction under an advisory lock shared by every instance, and is tried again, on a new
// connection if need be, when it fails for a reason that may pass: a batch whose COMMIT was lost
// finds what it stored and answers the stored receipts.
class PostgresTabulationStore final : public TabulationStore {
 public:
  explicit PostgresTabulationStore(const std::string& address)
      : writer_(address),
        reader_(address),
        queue_(std::make_unique<GroupCommitQueue>(
            [this](std::vector<Job>& batch) { return CommitBatch(batch); })) {}
  ~PostgresTabulationStore() override { queue_.reset(); }

  // Connects and checks that the schema is there and that the role cannot change it.
  absl::Status Check();

  absl::Status RegisterReaders(const std::vector<RegisteredReader>& readers) override;
  absl::Status RevokeReader(const std::string& precinct_id, const std::string& reader_serial,
                            const std::string& reason) override;
  absl::StatusOr<std::vector<RegisteredReader>> ReadersOf(const std::string& precinct_id) override {
    return QueryReaders(precinct_id);
  }
  absl::StatusOr<std::vector<RegisteredReader>> Readers() override {
    return QueryReaders(std::nullopt);
  }
  void Append(Submission submission, ReceiptSigner sign, ReceiptCallback done) override {
    queue_->Enqueue(AppendJob{std::move(submission), std::move(sign), std::move(done)});
  }
  void RecordAlarm(Alarm alarm, std::function<void(absl::Status)> done) override {
    queue_->Enqueue(AlarmJob{std::move(alarm), std::move(done)});
  }
  absl::StatusOr<std::vector<StoredProtocol>> Protocols() override {
    return QueryProtocols(absl::StrCat(kProtocolColumns, "ORDER BY sequence"), {});
  }
  absl::StatusOr<std::vector<StoredProtocol>> LatestProtocols() override {
    return QueryProtocols(absl::StrCat(kProtocolColumns,
                                       "WHERE revision = (SELECT MAX(revision) FROM protocols AS p "
                                       "WHERE p.precinct_id = protocols.precinct_id "
                                       "AND p.ballot_kind = protocols.ballot_kind) "
                                       "ORDER BY precinct_id COLLATE \"C\", revision"),
                          {});
  }
  absl::StatusOr<std::vector<StoredProtocol>> History(const std::string& precinct_id) override {
    return QueryProtocols(
        absl::StrCat(kProtocolColumns, "WHERE precinct_id = $1 ORDER BY revision"),
        {Text(precinct_id)});
  }
  absl::StatusOr<std::vector<Alarm>> Alarms() override;
  absl::Status ExecForTesting(const std::string& sql) override {
    std::lock_guard lock(writer_mutex_);
    if (absl::Status s = writer_.EnsureConnected(); !s.ok()) return s;
    return writer_.Exec(sql);
  }

 private:
  absl::StatusOr<std::vector<Outcome>> CommitBatch(std::vector<Job>& batch);
  // A job's outcome, or the failure of the database that undoes the whole batch.
  absl::StatusOr<Outcome> Apply(Job& job);
  absl::StatusOr<absl::StatusOr<Receipt>> ApplyAppend(AppendJob& job);
  absl::Status InsertAlarm(const Alarm& alarm);
  absl::StatusOr<std::vector<RegisteredReader>> QueryReaders(
      const std::optional<std::string>& precinct_id);
  absl::StatusOr<std::vector<StoredProtocol>> QueryProtocols(const std::string& sql,
                                                             const std::vector<Param>& params);
  // Runs one query on the reading connection, reconnecting if need be.
  absl::StatusOr<Rows> Query(const std::string& sql, const std::vector<Param>& params);

  std::mutex writer_mutex_;
  Connection writer_;  // the committer's, and registrations'
  std::mutex reader_mutex_;
  Connection reader_;  // queries, which run while the committer writes
  // Last, so that it is stopped (its queue committed) before the connections close.
  std::unique_ptr<GroupCommitQueue> queue_;
};

absl::Status PostgresTabulationStore::Check() {
  // Once, without waiting for a server that may come back: a wrong address is said at once.
  std::lock_guard lock(reader_mutex_);
  if (absl::Status connected = reader_.EnsureConnected(); !connected.ok()) return connected;
  absl::StatusOr<Rows> rows = reader_.Run(
      "SELECT (to_regclass('protocols') IS NOT NULL)::int::bigint, "
      "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)::int::bigint, "
      "COALESCE((SELECT pg_has_role(current_user, relowner, 'MEMBER') FROM pg_class "
      "WHERE oid = to_regclass('protocols')), false)::int::bigint, current_user::text",
      {});
  if (!rows.ok()) return rows.status();
  const std::string role = rows->BytesAt(0, 3);
  if (rows->IntAt(0, 0) == 0) {
    return absl::FailedPreconditionError(
        "tabulation store: the PostgreSQL database has no tabulation schema yet: run "
        "'esep-tabulator setup-postgres --store OWNER_URI --centre-role ROLE' as the role that "
        "is to own it (docs/tabulation.md)");
  }
  if (rows->IntAt(0, 1) != 0 || rows->IntAt(0, 2) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tabulation store: the store address connects as role ", role,
        ", which owns the tabulation schema or is a superuser and could change stored protocols: "
        "connect the centre as its own role, which may only insert and read "
        "(docs/tabulation.md)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Rows> PostgresTabulationStore::Query(const std::string& sql,
                                                    const std::vector<Param>& params) {
  std::lock_guard lock(reader_mutex_);
  std::optional<Rows> rows;
  absl::Status status = reader_.Retrying(kReadReconnectFor, [&]() -> absl::Status {
    absl::StatusOr<Rows> result = reader_.Run(sql, params);
    if (!result.ok()) return result.status();
    rows.emplace(*std::move(result));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return *std::move(rows);
}

absl::StatusOr<std::vector<StoredProtocol>> PostgresTabulationStore::QueryProtocols(
    const std::string& sql, const std::vector<Param>& params) {
  absl::StatusOr<Rows> rows = Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<StoredProtocol> protocols;
  protocols.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) protocols.push_back(ProtocolAt(*rows, i));
  return protocols;
}

absl::StatusOr<std::vector<RegisteredReader>> PostgresTabulationStore::QueryReaders(
    const std::optional<std::string>& precinct_id) {
  std::vector<Param> params;
  if (precinct_id) params.push_back(Text(*precinct_id));
  absl::StatusOr<Rows> rows =
      Query(absl::StrCat("SELECT precinct_id, reader_serial, public_key, certificate_sha256, "
                         "registered_unix_seconds, COALESCE(revoked_unix_seconds, 0), "
                         "COALESCE(reason, '') FROM readers LEFT JOIN revocations "
                         "USING (precinct_id, reader_serial) ",
                         precinct_id ? "WHERE precinct_id = $1 " : "",
                         "ORDER BY precinct_id COLLATE \"C\", reader_serial COLLATE \"C\""),
            params);
  if (!rows.ok()) return rows.status();
  std::vector<RegisteredReader> readers;
  for (int i = 0; i < rows->size(); ++i) {
    readers.push_back({rows->BytesAt(i, 0), rows->BytesAt(i, 1), rows->BytesAt(i, 2),
                       rows->BytesAt(i, 3), rows->IntAt(i, 4), rows->IntAt(i, 5),
                       rows->BytesAt(i, 6)});
  }
  return readers;
}

absl::StatusOr<std::vector<Alarm>> PostgresTabulationStore::Alarms() {
  absl::StatusOr<Rows> rows = Query(
      "SELECT id, at_unix_seconds, precinct_id, reader_serial, protocol_sha256, code, "
      "reason FROM alarms ORDER BY id",
      {});
  if (!rows.ok()) return rows.status();
  std::vector<Alarm> alarms;
  for (int i = 0; i < rows->size(); ++i) {
    alarms.push_back({rows->IntAt(i, 0), rows->IntAt(i, 1), rows->BytesAt(i, 2),
                      rows->BytesAt(i, 3), rows->BytesAt(i, 4), rows->BytesAt(i, 5),
                      rows->BytesAt(i, 6)});
  }
  return alarms;
}

absl::Status PostgresTabulationStore::RegisterReaders(
    const std::vector<RegisteredReader>& readers) {
  std::lock_guard lock(writer_mutex_);
  return writer_.Retrying(kWriteReconnectFor, [&] {
    return writer_.InTransaction([&]() -> absl::Status {
      for (const RegisteredReader& reader : readers) {
        absl::StatusOr<Rows> inserted = writer_.Run(
            "INSERT INTO readers (precinct_id, reader_serial, public_key, certificate_sha256, "
            "registered_unix_seconds) VALUES ($1, $2, $3, $4, $5)",
            {Text(reader.precinct_id), Text(reader.reader_serial), Bytes(reader.public_key),
             Text(reader.certificate_sha256),
             Int(reader.registered_unix_seconds != 0 ? reader.registered_unix_seconds
                                                     : NowUnixSeconds())});
        if (absl::IsFailedPrecondition(inserted.status())) {
          return absl::AlreadyExistsError(absl::StrCat("reader ", reader.reader_serial,
                                                       " is already registered for ",
                                                       PrecinctName(reader.precinct_id)));
        }
        if (!inserted.ok()) return inserted.status();
      }
      return absl::OkStatus();
    });
  });
}

absl::Status PostgresTabulationStore::RevokeReader(const std::string& precinct_id,
                                                   const std::string& reader_serial,
                                                   const std::string& reason) {
  if (reason.empty()) {
    return absl::InvalidArgumentError("a revocation needs its reason, for the record");
  }
  std::lock_guard lock(writer_mutex_);
  return writer_.Retrying(kWriteReconnectFor, [&] {
    return writer_.InTransaction([&]() -> absl::Status {
      absl::StatusOr<Rows> known =
          writer_.Run("SELECT 1::bigint FROM readers WHERE precinct_id = $1 AND reader_serial = $2",
                      {Text(precinct_id), Text(reader_serial)});
      if (!known.ok()) return known.status();
      if (known->size() == 0) {
        return absl::NotFoundError(absl::StrCat("reader ", reader_serial, " is not registered for ",
                                                PrecinctName(precinct_id)));
      }
      absl::StatusOr<Rows> inserted = writer_.Run(
          "INSERT INTO revocations (precinct_id, reader_serial, revoked_unix_seconds, reason) "
          "VALUES ($1, $2, $3, $4)",
          {Text(precinct_id), Text(reader_serial), Int(NowUnixSeconds()), Text(reason)});
      if (absl::IsFailedPrecondition(inserted.status())) {
        return absl::AlreadyExistsError(absl::StrCat(
            "reader ", reader_serial, " of ", PrecinctName(precinct_id), " is already revoked"));
      }
      return inserted.status();
    });
  });
}

absl::StatusOr<std::vector<Outcome>> PostgresTabulationStore::CommitBatch(std::vector<Job>& batch) {
  std::vector<Outcome> outcomes;
  std::lock_guard lock(writer_mutex_);
  absl::Status committed = writer_.Retrying(kWriteReconnectFor, [&] {
    outcomes.clear();
    absl::Status done = writer_.InTransaction([&]() -> absl::Status {
      absl::StatusOr<Rows> locked =
          writer_.Run("SELECT 1::bigint FROM pg_advisory_xact_lock($1)", {Int(kBatchLock)});
      if (!locked.ok()) return locked.status();
      for (Job& job : batch) {
        absl::StatusOr<Outcome> outcome = Apply(job);
        if (!outcome.ok()) return outcome.status();
        outcomes.push_back(*std::move(outcome));
      }
      return absl::OkStatus();
    });
    // Another instance stored the same revision first: the batch again finds it stored.
    return absl::IsFailedPrecondition(done) ? absl::AbortedError(done.message()) : done;
  });
  if (!committed.ok()) return committed;
  return outcomes;
}

absl::StatusOr<Outcome> PostgresTabulationStore::Apply(Job& job) {
  if (auto* append = std::get_if<AppendJob>(&job)) {
    absl::StatusOr<absl::StatusOr<Receipt>> receipt = ApplyAppend(*append);
    if (!receipt.ok()) return receipt.status();
    return Outcome(*std::move(receipt));
  }
  if (absl::Status s = InsertAlarm(std::get<AlarmJob>(job).alarm); !s.ok()) return s;
  return Outcome(absl::OkStatus());
}

absl::StatusOr<absl::StatusOr<Receipt>> PostgresTabulationStore::ApplyAppend(AppendJob& job) {
  const Submission& s = job.submission;
  PrecinctState state;
  {
    absl::StatusOr<Rows> same = writer_.Run(
        "SELECT protocol_sha256, receipt, sequence FROM protocols "
        "WHERE precinct_id = $1 AND revision = $2",
        {Text(s.precinct_id), Int(s.revision)});
    if (!same.ok()) return same.status();
    if (same->size() > 0) {
      state.same_revision = {same->BytesAt(0, 0), same->BytesAt(0, 1), same->IntAt(0, 2)};
    }
  }
  if (!state.same_revision) {
    absl::StatusOr<Rows> latest = writer_.Run(
        "SELECT (SELECT COALESCE(MAX(revision), 0) FROM protocols WHERE precinct_id = $1), "
        "(SELECT COALESCE(MAX(revision), 0) FROM protocols WHERE precinct_id = $1 "
        "AND ballot_kind = $2), "
        "(SELECT COALESCE(MAX(sequence), 0) + 1 FROM protocols)",
        {Text(s.precinct_id), Text(s.ballot_kind)});
    if (!latest.ok()) return latest.status();
    state.latest = latest->IntAt(0, 0);
    state.latest_of_kind = latest->IntAt(0, 1);
    state.next_sequence = latest->IntAt(0, 2);
  }

  const std::int64_t now = NowUnixSeconds();
  absl::StatusOr<Decision> decision = Decide(s, state, now);
  if (!decision.ok()) return absl::StatusOr<Receipt>(decision.status());
  if (auto* replay = std::get_if<Receipt>(&*decision)) {
    return absl::StatusOr<Receipt>(std::move(*replay));
  }
  if (auto* refusal = std::get_if<Refusal>(&*decision)) {
    if (absl::Status s2 = InsertAlarm(RefusalAlarm(s, refusal->reason, now)); !s2.ok()) return s2;
    return absl::StatusOr<Receipt>(refusal->reason);
  }
  absl::StatusOr<Receipt> receipt = SignForStorage(job.sign, std::get<ReceiptBody>(*decision));
  if (!receipt.ok()) return receipt;
  absl::StatusOr<Rows> inserted = writer_.Run(
      "INSERT INTO protocols (sequence, precinct_id, reader_serial, revision, status, "
      "signed_protocol, protocol_sha256, receipt, received_unix_seconds, held_reason, "
      "ballot_kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {Int(state.next_sequence), Text(s.precinct_id), Text(s.reader_serial), Int(s.revision),
       Int(s.status), Bytes(s.signed_protocol), Text(s.protocol_sha256),
       Bytes(receipt->SerializeAsString()), Int(now), Text(s.held_reason), Text(s.ballot_kind)});
  if (!inserted.ok()) return inserted.status();
  if (s.held()) {
    if (absl::Status held = InsertAlarm(HeldAlarm(s, now)); !held.ok()) return held;
  }
  return receipt;
}

absl::Status PostgresTabulationStore::InsertAlarm(const Alarm& alarm) {
  return writer_
      .Run(
          "INSERT INTO alarms (at_unix_seconds, precinct_id, reader_serial, protocol_sha256, "
          "code, reason) VALUES ($1, $2, $3, $4, $5, $6)",
          {Int(alarm.at_unix_seconds != 0 ? alarm.at_unix_seconds : NowUnixSeconds()),
           Text(alarm.precinct_id), Text(alarm.reader_serial), Text(alarm.protocol_sha256),
           Text(alarm.code), Text(alarm.reason)})
      .status();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TabulationStore>> OpenPostgresStore(const std::string& address) {
  auto store = std::make_unique<PostgresTabulationStore>(address);
  if (absl::Status s = store->Check(); !s.ok()) return s;
  return store;
}

}  // namespace esep::transport::internal

namespace esep::transport {

absl::Status SetUpPostgresSchema(const std::string& owner_address, const std::string& centre_role) {
  if (!IsPostgresAddress(owner_address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", owner_address, "\" is not a PostgreSQL address (postgresql://USER@HOST:PORT/DB)"));
  }
  if (centre_role.empty()) {
    return absl::InvalidArgumentError("the centre's role is needed: it gets INSERT and SELECT");
  }
  internal::Connection owner(owner_address);
  if (absl::Status s = owner.EnsureConnected(); !s.ok()) return s;
  char* quoted = PQescapeIdentifier(owner.conn(), centre_role.c_str(), centre_role.size());
  if (quoted == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("\"", centre_role, "\" is not a role name"));
  }
  const std::string role = quoted;
  PQfreemem(quoted);
  absl::StatusOr<internal::Rows> owns = owner.Run(
      "SELECT pg_has_role($1, current_user, 'MEMBER')::int::bigint", {internal::Text(centre_role)});
  if (!owns.ok()) {
    return absl::NotFoundError(absl::StrCat("the centre's role ", centre_role,
                                            " does not exist: CREATE ROLE it first (",
                                            owns.status().message(), ")"));
  }
  if (owns->IntAt(0, 0) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the centre's role ", centre_role,
        " is (or is a member of) the schema's owner: it must be a separate role that can only "
        "insert and read"));
  }
  return owner.InTransaction([&] {
    return owner.Exec(absl::StrCat(
        internal::kSchema, "GRANT USAGE ON SCHEMA public TO ", role, ";\n",
        "GRANT SELECT, INSERT ON readers, protocols, alarms, revocations TO ", role, ";\n"));
  });
}

}  // namespace esep::transport
