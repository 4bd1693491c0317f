#include <sqlite3.h>

#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "group_commit.h"
#include "store_backends.h"

namespace esep::transport::internal {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS readers (
  precinct_id TEXT NOT NULL,
  reader_serial TEXT NOT NULL,
  public_key BLOB NOT NULL,
  certificate_sha256 TEXT NOT NULL,
  registered_unix_seconds INTEGER NOT NULL,
  PRIMARY KEY (precinct_id, reader_serial));
CREATE TABLE IF NOT EXISTS protocols (
  sequence INTEGER PRIMARY KEY,
  precinct_id TEXT NOT NULL,
  reader_serial TEXT NOT NULL,
  revision INTEGER NOT NULL,
  status INTEGER NOT NULL,
  signed_protocol BLOB NOT NULL,
  protocol_sha256 TEXT NOT NULL,
  receipt BLOB NOT NULL,
  received_unix_seconds INTEGER NOT NULL,
  held_reason TEXT NOT NULL DEFAULT '',
  UNIQUE (precinct_id, revision));
CREATE TABLE IF NOT EXISTS alarms (
  id INTEGER PRIMARY KEY,
  at_unix_seconds INTEGER NOT NULL,
  precinct_id TEXT NOT NULL,
  reader_serial TEXT NOT NULL,
  protocol_sha256 TEXT NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS protocols_append_only_update BEFORE UPDATE ON protocols
  BEGIN SELECT RAISE(ABORT, 'received protocols are append-only: they cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS protocols_append_only_delete BEFORE DELETE ON protocols
  BEGIN SELECT RAISE(ABORT, 'received protocols are append-only: they cannot be deleted'); END;
CREATE TABLE IF NOT EXISTS revocations (
  precinct_id TEXT NOT NULL,
  reader_serial TEXT NOT NULL,
  revoked_unix_seconds INTEGER NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (precinct_id, reader_serial));
CREATE TRIGGER IF NOT EXISTS revocations_append_only_update BEFORE UPDATE ON revocations
  BEGIN SELECT RAISE(ABORT, 'revocations are permanent: they cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS revocations_append_only_delete BEFORE DELETE ON revocations
  BEGIN SELECT RAISE(ABORT, 'revocations are permanent: they cannot be deleted'); END;
CREATE TRIGGER IF NOT EXISTS alarms_append_only_update BEFORE UPDATE ON alarms
  BEGIN SELECT RAISE(ABORT, 'alarms are append-only: they cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS alarms_append_only_delete BEFORE DELETE ON alarms
  BEGIN SELECT RAISE(ABORT, 'alarms are append-only: they cannot be deleted'); END;
)sql";

absl::Status SqlError(sqlite3* db, int code, std::string_view what) {
  std::string message = absl::StrCat("tabulation store: ", std::string(what), ": ",
                                     db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
  switch (code & 0xff) {
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_CONSTRAINT:
      return absl::FailedPreconditionError(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

// Prepared statements of one connection, kept for reuse: parsing the SQL again for every
// protocol would cost more than running it.
struct StatementCache {
  std::unordered_map<std::string, sqlite3_stmt*> statements;
  ~StatementCache() {
    for (auto& [sql, stmt] : statements) sqlite3_finalize(stmt);
  }
};

namespace {

// A prepared statement with positional binding; text and blobs both bind as bytes. One taken
// from a cache is reset, not finalized, when it goes away.
class Statement {
 public:
  static absl::StatusOr<Statement> Prepare(sqlite3* db, std::string_view sql,
                                           StatementCache* cache = nullptr) {
    if (cache != nullptr) {
      auto found = cache->statements.find(std::string(sql));
      if (found != cache->statements.end()) return Statement(db, found->second, true);
    }
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) return SqlError(db, rc, sql);
    if (cache != nullptr) cache->statements.emplace(std::string(sql), stmt);
    return Statement(db, stmt, cache != nullptr);
  }
  Statement(Statement&& other) noexcept
      : db_(other.db_),
        stmt_(std::exchange(other.stmt_, nullptr)),
        cached_(other.cached_),
        next_(other.next_) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement() {
    if (stmt_ == nullptr) return;
    if (cached_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    } else {
      sqlite3_finalize(stmt_);
    }
  }

  Statement& Text(std::string_view text) {
    sqlite3_bind_text(stmt_, ++next_, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Blob(std::string_view bytes) {
    sqlite3_bind_blob(stmt_, ++next_, bytes.data(), static_cast<int>(bytes.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Int(std::int64_t value) {
    sqlite3_bind_int64(stmt_, ++next_, value);
    return *this;
  }
  absl::StatusOr<bool> Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqlError(db_, rc, sqlite3_sql(stmt_));
  }
  absl::Status Run() {
    for (;;) {
      absl::StatusOr<bool> row = Step();
      if (!row.ok()) return row.status();
      if (!*row) return absl::OkStatus();
    }
  }
  std::int64_t IntAt(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string BytesAt(int column) const {
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    return data ? std::string(data, static_cast<std::size_t>(size)) : std::string();
  }

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool cached) : db_(db), stmt_(stmt), cached_(cached) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool cached_;
  int next_ = 0;
};

absl::Status Exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) return SqlError(db, rc, sql);
  return absl::OkStatus();
}

// Runs `body` in one write transaction: committed when it succeeds, rolled back otherwise.
absl::Status InTransaction(sqlite3* db, const std::function<absl::Status()>& body) {
  if (absl::Status s = Exec(db, "BEGIN IMMEDIATE"); !s.ok()) return s;
  absl::Status result = body();
  if (result.ok()) result = Exec(db, "COMMIT");
  if (!result.ok()) (void)Exec(db, "ROLLBACK");
  return result;
}

constexpr char kProtocolColumns[] =
    "SELECT sequence, precinct_id, reader_serial, revision, status, signed_protocol, "
    "protocol_sha256, receipt, received_unix_seconds, held_reason, ballot_kind FROM protocols ";

StoredProtocol ProtocolAt(const Statement& row) {
  StoredProtocol stored;
  stored.sequence = row.IntAt(0);
  stored.precinct_id = row.BytesAt(1);
  stored.reader_serial = row.BytesAt(2);
  stored.revision = static_cast<std::uint32_t>(row.IntAt(3));
  const std::int64_t status = row.IntAt(4);
  stored.status = ProtocolStatus_IsValid(static_cast<int>(status))
                      ? static_cast<ProtocolStatus>(status)
                      : PROTOCOL_STATUS_UNSPECIFIED;
  stored.signed_protocol = row.BytesAt(5);
  stored.protocol_sha256 = row.BytesAt(6);
  stored.receipt = row.BytesAt(7);
  stored.received_unix_seconds = row.IntAt(8);
  stored.held_reason = row.BytesAt(9);
  stored.ballot_kind = row.BytesAt(10);
  return stored;
}

}  // namespace

namespace {

// A store made before protocols could be held for review has no held_reason column: it gets one,
// empty for every protocol it holds (they were all counted).
// Adds a column a store made by an earlier version lacks (empty text in every stored row).
absl::Status AddTextColumn(sqlite3* db, const std::string& column) {
  {
    absl::StatusOr<Statement> columns = Statement::Prepare(
        db,
        absl::StrCat("SELECT 1 FROM pragma_table_info('protocols') WHERE name = '", column, "'"),
        nullptr);
    if (!columns.ok()) return columns.status();
    absl::StatusOr<bool> row = columns->Step();
    if (!row.ok()) return row.status();
    if (*row) return absl::OkStatus();
  }
  return Exec(
      db, absl::StrCat("ALTER TABLE protocols ADD COLUMN ", column, " TEXT NOT NULL DEFAULT ''"));
}

// Opens one connection in WAL mode with synchronous=FULL and the schema in place.
absl::StatusOr<sqlite3*> OpenConnection(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqlError(db, rc, absl::StrCat("cannot open ", path));
    sqlite3_close(db);
    return status;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 1);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"}) {
    if (absl::Status s = Exec(db, pragma); !s.ok()) {
      sqlite3_close(db);
      return s;
    }
  }
  {
    absl::StatusOr<Statement> mode = Statement::Prepare(db, "PRAGMA journal_mode", nullptr);
    absl::StatusOr<bool> row = mode.ok() ? mode->Step() : mode.status();
    if (!row.ok() || !*row || mode->BytesAt(0) != "wal") {
      sqlite3_close(db);
      return absl::FailedPreconditionError(
          absl::StrCat("tabulation store: ", path, " cannot use write-ahead logging"));
    }
  }
  if (absl::Status s = Exec(db, kSchema); !s.ok()) {
    sqlite3_close(db);
    return s;
  }
  if (absl::Status s = InTransaction(db,
                                     [db] {
                                       absl::Status held = AddTextColumn(db, "held_reason");
                                       return held.ok() ? AddTextColumn(db, "ballot_kind") : held;
                                     });
      !s.ok()) {
    sqlite3_close(db);
    return s;
  }
  return db;
}

}  // namespace

// The SQLite backend (WAL, synchronous=FULL), for a centre on one machine: protocols, alarms and
// revocations are append-only, enforced by triggers that abort any UPDATE or DELETE.
class SqliteTabulationStore final : public TabulationStore {
 public:
  SqliteTabulationStore(sqlite3* db, sqlite3* read_db);
  ~SqliteTabulationStore() override;

  absl::Status RegisterReaders(const std::vector<RegisteredReader>& readers) override;
  absl::Status RevokeReader(const std::string& precinct_id, const std::string& reader_serial,
                            const std::string& reason) override;
  absl::StatusOr<std::vector<RegisteredReader>> ReadersOf(const std::string& precinct_id) override;
  absl::StatusOr<std::vector<RegisteredReader>> Readers() override;
  void Append(Submission submission, ReceiptSigner sign, ReceiptCallback done) override;
  void RecordAlarm(Alarm alarm, std::function<void(absl::Status)> done) override;
  absl::StatusOr<std::vector<StoredProtocol>> Protocols() override;
  absl::StatusOr<std::vector<StoredProtocol>> LatestProtocols() override;
  absl::StatusOr<std::vector<StoredProtocol>> History(const std::string& precinct_id) override;
  absl::StatusOr<std::vector<Alarm>> Alarms() override;
  absl::Status ExecForTesting(const std::string& sql) override;

 private:
  absl::StatusOr<std::vector<Outcome>> CommitBatch(std::vector<Job>& batch);
  Outcome Apply(Job& job);
  absl::StatusOr<Receipt> ApplyAppend(AppendJob& job);
  absl::Status InsertAlarm(const Alarm& alarm);
  absl::StatusOr<std::vector<RegisteredReader>> QueryReaders(
      const std::optional<std::string>& precinct_id);
  absl::StatusOr<std::vector<StoredProtocol>> QueryProtocols(const std::string& sql,
                                                             const std::string& argument);

  sqlite3* db_;          // the committer's connection, for every write
  std::mutex db_mutex_;  // one statement at a time on it
  sqlite3* read_db_;     // queries, which WAL lets run while the committer writes
  std::mutex read_mutex_;
  std::unique_ptr<StatementCache> write_statements_;
  std::unique_ptr<StatementCache> read_statements_;
  // Last, so that it is stopped (its queue committed) before the connections close.
  std::unique_ptr<GroupCommitQueue> queue_;
};

absl::StatusOr<std::unique_ptr<TabulationStore>> OpenSqliteStore(const std::string& path) {
  absl::StatusOr<sqlite3*> db = OpenConnection(path);
  if (!db.ok()) return db.status();
  absl::StatusOr<sqlite3*> read_db = OpenConnection(path);
  if (!read_db.ok()) {
    sqlite3_close(*db);
    return read_db.status();
  }
  return std::make_unique<SqliteTabulationStore>(*db, *read_db);
}

SqliteTabulationStore::SqliteTabulationStore(sqlite3* db, sqlite3* read_db)
    : db_(db),
      read_db_(read_db),
      write_statements_(std::make_unique<StatementCache>()),
      read_statements_(std::make_unique<StatementCache>()),
      queue_(std::make_unique<GroupCommitQueue>(
          [this](std::vector<Job>& batch) { return CommitBatch(batch); })) {}

SqliteTabulationStore::~SqliteTabulationStore() {
  queue_.reset();
  write_statements_.reset();
  read_statements_.reset();
  sqlite3_close(read_db_);
  sqlite3_close(db_);
}

absl::Status SqliteTabulationStore::RegisterReaders(const std::vector<RegisteredReader>& readers) {
  std::lock_guard lock(db_mutex_);
  return InTransaction(db_, [&]() -> absl::Status {
    for (const RegisteredReader& reader : readers) {
      absl::StatusOr<Statement> insert = Statement::Prepare(
          db_,
          "INSERT INTO readers (precinct_id, reader_serial, public_key, certificate_sha256, "
          "registered_unix_seconds) VALUES (?, ?, ?, ?, ?)",
          write_statements_.get());
      if (!insert.ok()) return insert.status();
      insert->Text(reader.precinct_id)
          .Text(reader.reader_serial)
          .Blob(reader.public_key)
          .Text(reader.certificate_sha256)
          .Int(reader.registered_unix_seconds != 0 ? reader.registered_unix_seconds
                                                   : NowUnixSeconds());
      const absl::Status inserted = insert->Run();
      if (absl::IsFailedPrecondition(inserted)) {
        return absl::AlreadyExistsError(absl::StrCat("reader ", reader.reader_serial,
                                                     " is already registered for ",
                                                     PrecinctName(reader.precinct_id)));
      }
      if (!inserted.ok()) return inserted;
    }
    return absl::OkStatus();
  });
}

absl::Status SqliteTabulationStore::RevokeReader(const std::string& precinct_id,
                                                 const std::string& reader_serial,
                                                 const std::string& reason) {
  if (reason.empty()) {
    return absl::InvalidArgumentError("a revocation needs its reason, for the record");
  }
  std::lock_guard lock(db_mutex_);
  return InTransaction(db_, [&]() -> absl::Status {
    {
      absl::StatusOr<Statement> known = Statement::Prepare(
          db_, "SELECT 1 FROM readers WHERE precinct_id = ? AND reader_serial = ?",
          write_statements_.get());
      if (!known.ok()) return known.status();
      known->Text(precinct_id).Text(reader_serial);
      absl::StatusOr<bool> row = known->Step();
      if (!row.ok()) return row.status();
      if (!*row) {
        return absl::NotFoundError(absl::StrCat("reader ", reader_serial, " is not registered for ",
                                                PrecinctName(precinct_id)));
      }
    }  // the query is reset here, before the insert
    absl::StatusOr<Statement> insert = Statement::Prepare(
        db_,
        "INSERT INTO revocations (precinct_id, reader_serial, revoked_unix_seconds, reason) "
        "VALUES (?, ?, ?, ?)",
        write_statements_.get());
    if (!insert.ok()) return insert.status();
    insert->Text(precinct_id).Text(reader_serial).Int(NowUnixSeconds()).Text(reason);
    const absl::Status inserted = insert->Run();
    if (absl::IsFailedPrecondition(inserted)) {
      return absl::AlreadyExistsError(absl::StrCat(
          "reader ", reader_serial, " of ", PrecinctName(precinct_id), " is already revoked"));
    }
    return inserted;
  });
}

absl::StatusOr<std::vector<RegisteredReader>> SqliteTabulationStore::QueryReaders(
    const std::optional<std::string>& precinct_id) {
  std::lock_guard lock(read_mutex_);
  absl::StatusOr<Statement> query = Statement::Prepare(
      read_db_,
      absl::StrCat("SELECT precinct_id, reader_serial, public_key, certificate_sha256, "
                   "registered_unix_seconds, COALESCE(revoked_unix_seconds, 0), "
                   "COALESCE(reason, '') FROM readers LEFT JOIN revocations "
                   "USING (precinct_id, reader_serial) ",
                   precinct_id ? "WHERE precinct_id = ? " : "",
                   "ORDER BY precinct_id, reader_serial"),
      read_statements_.get());
  if (!query.ok()) return query.status();
  if (precinct_id) query->Text(*precinct_id);
  std::vector<RegisteredReader> readers;
  for (;;) {
    absl::StatusOr<bool> row = query->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    readers.push_back({query->BytesAt(0), query->BytesAt(1), query->BytesAt(2), query->BytesAt(3),
                       query->IntAt(4), query->IntAt(5), query->BytesAt(6)});
  }
  return readers;
}

absl::StatusOr<std::vector<RegisteredReader>> SqliteTabulationStore::ReadersOf(
    const std::string& precinct_id) {
  return QueryReaders(precinct_id);
}

absl::StatusOr<std::vector<RegisteredReader>> SqliteTabulationStore::Readers() {
  return QueryReaders(std::nullopt);
}

void SqliteTabulationStore::Append(Submission submission, ReceiptSigner sign,
                                   ReceiptCallback done) {
  queue_->Enqueue(AppendJob{std::move(submission), std::move(sign), std::move(done)});
}

void SqliteTabulationStore::RecordAlarm(Alarm alarm, std::function<void(absl::Status)> done) {
  queue_->Enqueue(AlarmJob{std::move(alarm), std::move(done)});
}

absl::StatusOr<std::vector<Outcome>> SqliteTabulationStore::CommitBatch(std::vector<Job>& batch) {
  std::vector<Outcome> outcomes;
  outcomes.reserve(batch.size());
  std::lock_guard lock(db_mutex_);
  if (absl::Status begun = Exec(db_, "BEGIN IMMEDIATE"); !begun.ok()) return begun;
  for (Job& job : batch) outcomes.push_back(Apply(job));
  if (absl::Status committed = Exec(db_, "COMMIT"); !committed.ok()) {
    (void)Exec(db_, "ROLLBACK");
    return committed;
  }
  return outcomes;
}

Outcome SqliteTabulationStore::Apply(Job& job) {
  if (auto* append = std::get_if<AppendJob>(&job)) {
    // Each job gets a savepoint, so a failed insert leaves the rest of the batch intact.
    if (absl::Status s = Exec(db_, "SAVEPOINT job"); !s.ok()) return absl::StatusOr<Receipt>(s);
    absl::StatusOr<Receipt> receipt = ApplyAppend(*append);
    // A refusal keeps its alarm row; a failure of the store itself undoes the job's writes.
    const absl::StatusCode code = receipt.status().code();
    if (code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnavailable ||
        code == absl::StatusCode::kDataLoss || code == absl::StatusCode::kResourceExhausted) {
      (void)Exec(db_, "ROLLBACK TO job");
    }
    (void)Exec(db_, "RELEASE job");
    return receipt;
  }
  return InsertAlarm(std::get<AlarmJob>(job).alarm);
}

absl::StatusOr<Receipt> SqliteTabulationStore::ApplyAppend(AppendJob& job) {
  const Submission& s = job.submission;
  PrecinctState state;
  {
    absl::StatusOr<Statement> same =
        Statement::Prepare(db_,
                           "SELECT protocol_sha256, receipt, sequence FROM protocols "
                           "WHERE precinct_id = ? AND revision = ?",
                           write_statements_.get());
    if (!same.ok()) return same.status();
    same->Text(s.precinct_id).Int(s.revision);
    absl::StatusOr<bool> row = same->Step();
    if (!row.ok()) return row.status();
    if (*row) state.same_revision = {same->BytesAt(0), same->BytesAt(1), same->IntAt(2)};
  }
  if (!state.same_revision) {
    absl::StatusOr<Statement> query = Statement::Prepare(
        db_,
        "SELECT (SELECT COALESCE(MAX(revision), 0) FROM protocols WHERE precinct_id = ?), "
        "(SELECT COALESCE(MAX(revision), 0) FROM protocols WHERE precinct_id = ? "
        "AND ballot_kind = ?), "
        "(SELECT COALESCE(MAX(sequence), 0) + 1 FROM protocols)",
        write_statements_.get());
    if (!query.ok()) return query.status();
    query->Text(s.precinct_id).Text(s.precinct_id).Text(s.ballot_kind);
    absl::StatusOr<bool> row = query->Step();
    if (!row.ok()) return row.status();
    state.latest = query->IntAt(0);
    state.latest_of_kind = query->IntAt(1);
    state.next_sequence = query->IntAt(2);
  }

  const std::int64_t now = NowUnixSeconds();
  absl::StatusOr<Decision> decision = Decide(s, state, now);
  if (!decision.ok()) return decision.status();
  if (auto* replay = std::get_if<Receipt>(&*decision)) return std::move(*replay);
  if (auto* refusal = std::get_if<Refusal>(&*decision)) {
    if (absl::Status recorded = InsertAlarm(RefusalAlarm(s, refusal->reason, now));
        !recorded.ok()) {
      return recorded;
    }
    return refusal->reason;
  }
  absl::StatusOr<Receipt> signed_receipt =
      SignForStorage(job.sign, std::get<ReceiptBody>(*decision));
  if (!signed_receipt.ok()) return signed_receipt.status();
  const Receipt receipt = *std::move(signed_receipt);

  absl::StatusOr<Statement> insert = Statement::Prepare(
      db_,
      "INSERT INTO protocols (sequence, precinct_id, reader_serial, revision, status, "
      "signed_protocol, protocol_sha256, receipt, received_unix_seconds, held_reason, "
      "ballot_kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      write_statements_.get());
  if (!insert.ok()) return insert.status();
  insert->Int(state.next_sequence)
      .Text(s.precinct_id)
      .Text(s.reader_serial)
      .Int(s.revision)
      .Int(s.status)
      .Blob(s.signed_protocol)
      .Text(s.protocol_sha256)
      .Blob(receipt.SerializeAsString())
      .Int(now)
      .Text(s.held_reason)
      .Text(s.ballot_kind);
  if (absl::Status inserted = insert->Run(); !inserted.ok()) return NotStored(inserted);
  if (s.held()) {
    if (absl::Status recorded = InsertAlarm(HeldAlarm(s, now)); !recorded.ok()) {
      return NotStored(recorded);
    }
  }
  return receipt;
}

absl::Status SqliteTabulationStore::InsertAlarm(const Alarm& alarm) {
  absl::StatusOr<Statement> insert = Statement::Prepare(
      db_,
      "INSERT INTO alarms (at_unix_seconds, precinct_id, reader_serial, protocol_sha256, code, "
      "reason) VALUES (?, ?, ?, ?, ?, ?)",
      write_statements_.get());
  if (!insert.ok()) return insert.status();
  insert->Int(alarm.at_unix_seconds != 0 ? alarm.at_unix_seconds : NowUnixSeconds())
      .Text(alarm.precinct_id)
      .Text(alarm.reader_serial)
      .Text(alarm.protocol_sha256)
      .Text(alarm.code)
      .Text(alarm.reason);
  return insert->Run();
}

absl::StatusOr<std::vector<StoredProtocol>> SqliteTabulationStore::QueryProtocols(
    const std::string& sql, const std::string& argument) {
  std::lock_guard lock(read_mutex_);
  absl::StatusOr<Statement> query = Statement::Prepare(read_db_, sql, read_statements_.get());
  if (!query.ok()) return query.status();
  if (!argument.empty()) query->Text(argument);
  std::vector<StoredProtocol> protocols;
  for (;;) {
    absl::StatusOr<bool> row = query->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    protocols.push_back(ProtocolAt(*query));
  }
  return protocols;
}

absl::StatusOr<std::vector<StoredProtocol>> SqliteTabulationStore::Protocols() {
  return QueryProtocols(absl::StrCat(kProtocolColumns, "ORDER BY sequence"), "");
}

absl::StatusOr<std::vector<StoredProtocol>> SqliteTabulationStore::LatestProtocols() {
  return QueryProtocols(
      absl::StrCat(kProtocolColumns,
                   "WHERE revision = (SELECT MAX(revision) FROM protocols AS p "
                   "WHERE p.precinct_id = protocols.precinct_id "
                   "AND p.ballot_kind = protocols.ballot_kind) ORDER BY precinct_id, revision"),
      "");
}

absl::StatusOr<std::vector<StoredProtocol>> SqliteTabulationStore::History(
    const std::string& precinct_id) {
  return QueryProtocols(absl::StrCat(kProtocolColumns, "WHERE precinct_id = ? ORDER BY revision"),
                        precinct_id);
}

absl::StatusOr<std::vector<Alarm>> SqliteTabulationStore::Alarms() {
  std::lock_guard lock(read_mutex_);
  absl::StatusOr<Statement> query = Statement::Prepare(
      read_db_,
      "SELECT id, at_unix_seconds, precinct_id, reader_serial, protocol_sha256, code, reason "
      "FROM alarms ORDER BY id",
      read_statements_.get());
  if (!query.ok()) return query.status();
  std::vector<Alarm> alarms;
  for (;;) {
    absl::StatusOr<bool> row = query->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    alarms.push_back({query->IntAt(0), query->IntAt(1), query->BytesAt(2), query->BytesAt(3),
                      query->BytesAt(4), query->BytesAt(5), query->BytesAt(6)});
  }
  return alarms;
}

absl::Status SqliteTabulationStore::ExecForTesting(const std::string& sql) {
  std::lock_guard lock(db_mutex_);
  return Exec(db_, sql);
}

}  // namespace esep::transport::internal
