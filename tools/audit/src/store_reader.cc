#include "esep/audit/store_reader.h"

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "esep/audit/safe_path.h"

namespace esep::audit {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtCloser>;

std::string Column(sqlite3_stmt* s, int i) {
  const void* data = sqlite3_column_blob(s, i);
  const int size = sqlite3_column_bytes(s, i);
  return data ? std::string(static_cast<const char*>(data), static_cast<std::size_t>(size)) : "";
}

// Runs `sql` and hands each row to `row`; an SQLite error becomes a sentence naming `what`.
template <typename Row>
absl::Status ForEachRow(sqlite3* db, const char* sql, const std::string& what, Row&& row) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    return absl::DataLossError(
        absl::StrCat("tally store: cannot read the ", what, ": ", sqlite3_errmsg(db)));
  }
  Stmt stmt(raw);
  for (;;) {
    const int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) return absl::OkStatus();
    if (rc != SQLITE_ROW) {
      return absl::DataLossError(
          absl::StrCat("tally store: cannot read the ", what, ": ", sqlite3_errmsg(db)));
    }
    if (absl::Status s = row(stmt.get()); !s.ok()) return s;
  }
}

// A path as an SQLite URI: the characters URIs reserve are percent-encoded.
std::string FileUri(const std::string& path, const char* query) {
  std::string uri = "file:";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      absl::StrAppend(&uri, "%", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    } else {
      uri += c;
    }
  }
  return absl::StrCat(uri, query);
}

}  // namespace

absl::StatusOr<StoreContents> ReadStore(const std::filesystem::path& data_directory) {
  const std::filesystem::path db_path = data_directory / "esep.db";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db_path, ec)) {
    return absl::NotFoundError(absl::StrCat("no tally store in ", data_directory.string(),
                                            " (esep.db is missing): give the reader's data "
                                            "directory"));
  }
  // A store the daemon closed cleanly has no write-ahead log: it is opened immutable, so SQLite
  // creates no -wal or -shm file beside it. With a log left by a running or crashed daemon, the
  // log holds committed transactions and is read through a read-only connection.
  const std::filesystem::path wal = db_path.string() + "-wal";
  const bool has_wal = std::filesystem::exists(wal, ec) && std::filesystem::file_size(wal, ec) > 0;
  const std::string uri = FileUri(db_path.string(), has_wal ? "?mode=ro" : "?mode=ro&immutable=1");
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", db_path.string(), " read-only: ", sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db.get(), 5000);
  StoreContents contents;
  if (absl::Status s =
          ForEachRow(db.get(), "SELECT key, value FROM settings ORDER BY key", "settings",
                     [&](sqlite3_stmt* q) {
                       contents.settings[Column(q, 0)] = Column(q, 1);
                       return absl::OkStatus();
                     });
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ForEachRow(
          db.get(), "SELECT record_id, record FROM records ORDER BY record_id", "cast-vote records",
          [&](sqlite3_stmt* q) -> absl::Status {
            if (!contents.records.emplace_back().ParseFromString(Column(q, 1))) {
              return absl::DataLossError(
                  absl::StrCat("tally store: cast-vote record ", Column(q, 0), " is unreadable"));
            }
            return absl::OkStatus();
          });
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ForEachRow(db.get(),
                     "SELECT sequence, unix_seconds, type, detail, previous_hash, hash FROM events "
                     "ORDER BY sequence",
                     "event log",
                     [&](sqlite3_stmt* q) {
                       LogEvent& e = contents.events.emplace_back();
                       e.set_sequence(static_cast<std::uint64_t>(sqlite3_column_int64(q, 0)));
                       e.set_unix_seconds(sqlite3_column_int64(q, 1));
                       e.set_type(Column(q, 2));
                       e.set_detail(Column(q, 3));
                       e.set_previous_hash(Column(q, 4));
                       e.set_hash(Column(q, 5));
                       return absl::OkStatus();
                     });
      !s.ok()) {
    return s;
  }
  // Stores from before protocols and calibration histories were kept lack these tables.
  const auto has_table = [&](const char* table) {
    sqlite3_stmt* raw_stmt = nullptr;
    if (sqlite3_prepare_v2(db.get(), "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                           -1, &raw_stmt, nullptr) != SQLITE_OK) {
      return false;
    }
    Stmt stmt(raw_stmt);
    sqlite3_bind_text(stmt.get(), 1, table, -1, SQLITE_STATIC);
    return sqlite3_step(stmt.get()) == SQLITE_ROW;
  };
  for (const auto& [table, sql, target] :
       {std::tuple{"protocols", "SELECT signed FROM protocols ORDER BY revision DESC LIMIT 1",
                   &contents.latest_signed_protocol},
        std::tuple{"calibration_profiles",
                   "SELECT profile FROM calibration_profiles ORDER BY sequence DESC LIMIT 1",
                   &contents.current_calibration_profile}}) {
    if (!has_table(table)) continue;
    if (absl::Status s = ForEachRow(db.get(), sql, table,
                                    [&, out = target](sqlite3_stmt* q) {
                                      *out = Column(q, 0);
                                      return absl::OkStatus();
                                    });
        !s.ok()) {
      return s;
    }
  }
  if (has_table("protocols")) {
    if (absl::Status s =
            ForEachRow(db.get(), "SELECT signed FROM protocols ORDER BY revision", "protocols",
                       [&](sqlite3_stmt* q) {
                         contents.signed_protocols.push_back(Column(q, 0));
                         return absl::OkStatus();
                       });
        !s.ok()) {
      return s;
    }
  }
  // Images are named by their hash; a link or anything else in the folder is not a stored image.
  absl::StatusOr<std::vector<DirectoryEntry>> images = ListInside(data_directory / "images", 0);
  if (!images.ok()) {
    return absl::NotFoundError(absl::StrCat("cannot list the ballot images in ",
                                            (data_directory / "images").string(), ": ",
                                            images.status().message()));
  }
  for (const DirectoryEntry& entry : *images) {
    if (entry.kind == EntryKind::kFile && IsSha256Hex(entry.name)) {
      contents.image_hashes.push_back(entry.name);
    }
  }
  std::sort(contents.image_hashes.begin(), contents.image_hashes.end());
  return contents;
}

}  // namespace esep::audit
