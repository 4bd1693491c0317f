#ifndef ESEP_SCANNER_STORE_SQLITE_DB_H_
#define ESEP_SCANNER_STORE_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "esep/scanner/crash_point.h"

namespace esep::scanner::sqlite {

// A BLOB parameter (a serialized message); text parameters are plain strings.
struct Blob {
  std::string_view bytes;
};

// A prepared statement; Step() returns true while rows come.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, Blob blob);
  Statement& BindNull(int index);

  absl::StatusOr<bool> Step();
  // Runs to completion, ignoring rows.
  absl::Status Run();

  std::int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const;
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// One SQLite database in WAL mode with synchronous=FULL: a transaction that returned is on disk.
class Database {
 public:
  // `read_only`: the file must exist and nothing is written (no journal-mode change); WAL
  // readers see every committed transaction while a writer holds the database open.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        bool read_only = false);
  ~Database();

  absl::Status Exec(std::string_view sql);
  absl::StatusOr<Statement> Prepare(std::string_view sql);

  // Prepares `sql`, binds `args` to its parameters in order and runs it to completion.
  template <typename... Args>
  absl::Status Run(std::string_view sql, const Args&... args) {
    absl::StatusOr<Statement> statement = Prepare(sql);
    if (!statement.ok()) return statement.status();
    int index = 0;
    (statement->Bind(++index, args), ...);
    return statement->Run();
  }

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
  template <typename Body>
  absl::Status Transaction(Body&& body) {
    if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    absl::Status result = body();
    if (result.ok()) {
      CrashPoint("store.transaction.before_commit");
      result = Exec("COMMIT");
    }
    if (!result.ok()) {
      (void)Exec("ROLLBACK");
      return result;
    }
    CrashPoint("store.transaction.committed");
    return result;
  }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Turns an SQLite result code into a Status naming what was being done.
absl::Status Error(sqlite3* db, int code, std::string_view what);

}  // namespace esep::scanner::sqlite

#endif  // ESEP_SCANNER_STORE_SQLITE_DB_H_
