#include "esep/scanner/ballot_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "esep/proto/deterministic.h"
#include "esep/proto/sha256.h"
#include "esep/scanner/crash_point.h"
#include "sqlite_db.h"
#include "witness.h"

namespace esep::scanner {
namespace {

constexpr char kZeroHash[] = "0000000000000000000000000000000000000000000000000000000000000000";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal(
  sheet INTEGER PRIMARY KEY,
  state TEXT NOT NULL CHECK(state IN ('escrow','decided_cast','decided_return','cast','returned')),
  image_sha256 TEXT,
  reason TEXT);
CREATE TABLE IF NOT EXISTS pending(
  sheet INTEGER PRIMARY KEY REFERENCES journal(sheet),
  record BLOB NOT NULL,
  reader_sheets_cast INTEGER NOT NULL DEFAULT -1);
CREATE TABLE IF NOT EXISTS records(
  record_id TEXT PRIMARY KEY, test INTEGER NOT NULL, record BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS votes(
  test INTEGER NOT NULL, contest_id TEXT NOT NULL, option_id TEXT NOT NULL,
  count INTEGER NOT NULL, PRIMARY KEY(test, contest_id, option_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outcomes(
  test INTEGER NOT NULL, contest_id TEXT NOT NULL, outcome TEXT NOT NULL,
  count INTEGER NOT NULL, PRIMARY KEY(test, contest_id, outcome)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters(test INTEGER PRIMARY KEY, ballots_cast INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events(
  sequence INTEGER PRIMARY KEY, unix_seconds INTEGER NOT NULL, type TEXT NOT NULL,
  detail TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commission_lines(id INTEGER PRIMARY KEY CHECK(id = 1), lines BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS kind_lines(kind TEXT PRIMARY KEY, lines BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS protocols(
  revision INTEGER PRIMARY KEY, protocol_sha256 TEXT NOT NULL, signed BLOB NOT NULL,
  created_unix_seconds INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox(
  revision INTEGER PRIMARY KEY REFERENCES protocols(revision), receipt BLOB,
  delivered_unix_seconds INTEGER);
CREATE TABLE IF NOT EXISTS calibration_profiles(
  sequence INTEGER PRIMARY KEY, profile_sha256 TEXT NOT NULL UNIQUE, profile BLOB NOT NULL,
  loaded_unix_seconds INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS protocols_are_kept BEFORE DELETE ON protocols
  BEGIN SELECT RAISE(ABORT, 'a final protocol is never deleted'); END;
CREATE TRIGGER IF NOT EXISTS protocols_are_not_changed BEFORE UPDATE ON protocols
  BEGIN SELECT RAISE(ABORT, 'a final protocol is never changed'); END;
)sql";

const char* StateText(SheetState state) {
  switch (state) {
    case SheetState::kEscrow:
      return "escrow";
    case SheetState::kDecidedCast:
      return "decided_cast";
    case SheetState::kDecidedReturn:
      return "decided_return";
    case SheetState::kCast:
      return "cast";
    case SheetState::kReturned:
      return "returned";
  }
  return "?";
}

absl::StatusOr<SheetState> ParseState(const std::string& text) {
  for (SheetState s : {SheetState::kEscrow, SheetState::kDecidedCast, SheetState::kDecidedReturn,
                       SheetState::kCast, SheetState::kReturned}) {
    if (text == StateText(s)) return s;
  }
  return absl::DataLossError(absl::StrCat("tally store: unknown sheet state \"", text, "\""));
}

std::string RandomRecordId() {
  std::uint8_t bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  return ToHex(bytes);
}

absl::Status ErrnoError(const std::string& what) {
  return absl::InternalError(absl::StrCat("tally store: ", what, ": ", std::strerror(errno)));
}

// fsync of a directory makes a rename or a new file in it durable.
absl::Status SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(absl::StrCat("cannot open directory ", dir.string()));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoError(absl::StrCat("cannot sync directory ", dir.string()));
  return absl::OkStatus();
}

}  // namespace

const char* SheetStateName(SheetState state) { return StateText(state); }

std::string EventHash(const esep::LogEvent& event) {
  esep::LogEvent copy = event;
  copy.clear_hash();
  return ToHex(Sha256(DeterministicBytes(copy)));
}

absl::Status VerifyEventChain(const std::vector<esep::LogEvent>& events) {
  std::string previous = kZeroHash;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const esep::LogEvent& e = events[i];
    if (e.sequence() != i + 1) {
      return absl::DataLossError(absl::StrCat("event log: entry ", i + 1, " has sequence ",
                                              e.sequence(), " (an entry is missing or inserted)"));
    }
    if (e.previous_hash() != previous) {
      return absl::DataLossError(
          absl::StrCat("event log: entry ", e.sequence(), " does not follow the entry before it"));
    }
    if (EventHash(e) != e.hash()) {
      return absl::DataLossError(
          absl::StrCat("event log: entry ", e.sequence(), " was altered (hash mismatch)"));
    }
    previous = e.hash();
  }
  return absl::OkStatus();
}

BallotStore::BallotStore(std::unique_ptr<sqlite::Database> db, Options options, const Clock& clock)
    : db_(std::move(db)), options_(std::move(options)), clock_(clock) {}

BallotStore::~BallotStore() = default;

absl::StatusOr<std::unique_ptr<BallotStore>> BallotStore::Open(const Options& options,
                                                               const Clock& clock) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  const std::filesystem::path file = options.directory / "esep.db";
  std::error_code ec;
  const bool existed = std::filesystem::exists(file, ec);
  // The witness first: a store whose database is gone while its witness saw it committed is
  // refused, not made anew.
  if (!existed) {
    if (!options.witness.empty()) {
      absl::StatusOr<WitnessMark> mark = Witness::Read(options.witness, options.election_hash);
      if (mark.ok() && mark->sequence > 0) {
        return absl::DataLossError(absl::StrCat(
            "the tally store ", file.string(), " is missing, but its witness (",
            options.witness.string(), ") saw ", mark->sequence,
            " events committed to it: the store was removed or moved; the reader stops until a "
            "technician restores it (docs/esepd.md, \"A damaged store\")"));
      }
      if (!mark.ok() && !absl::IsNotFound(mark.status())) return mark.status();
    }
    if (!options.create) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no tally store in ", options.directory.string(), " (", file.string(),
          " does not exist): a new reader is set up once with --new-reader; an existing one "
          "never starts over on an empty store"));
    }
  }
  std::unique_ptr<Witness> witness;
  if (!options.witness.empty()) {
    absl::StatusOr<std::unique_ptr<Witness>> opened =
        Witness::Open(options.witness, options.election_hash, /*create=*/!existed);
    if (absl::IsNotFound(opened.status())) {
      return absl::DataLossError(absl::StrCat(
          "the tally store in ", options.directory.string(), " has lost its witness (",
          options.witness.string(),
          "): it cannot be told from a store rolled back or swapped; the reader stops until a "
          "technician checks the store (docs/esepd.md, \"A damaged store\")"));
    }
    if (!opened.ok()) return opened.status();
    witness = std::move(*opened);
  }
  std::filesystem::create_directories(options.directory / "images", ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tally store: cannot create ", options.directory.string(), ": ", ec.message()));
  }
  ::chmod(options.directory.c_str(), 0700);
  absl::StatusOr<std::unique_ptr<sqlite::Database>> db = sqlite::Database::Open(file.string());
  if (!db.ok()) return db.status();
  std::unique_ptr<BallotStore> store(new BallotStore(std::move(*db), options, clock));
  if (absl::Status s = store->CreateSchema(); !s.ok()) {
    return absl::DataLossError(absl::StrCat("the tally store ", file.string(),
                                            " cannot be read: ", std::string(s.message())));
  }
  if (existed) {
    if (absl::Status s = store->CheckStore(); !s.ok()) return s;
    if (witness) {
      if (absl::Status s = store->CheckAgainstWitness(witness->mark(), options.witness.string());
          !s.ok()) {
        return s;
      }
    }
  }
  store->witness_ = std::move(witness);
  if (absl::Status s = store->CheckIdentity(); !s.ok()) return s;
  if (absl::Status s = store->RecoverUnfinished(); !s.ok()) return s;
  return store;
}

absl::Status BallotStore::Write(const std::function<absl::Status()>& body, Durability durability) {
  const bool flushed = durability == Durability::kFlushed;
  if (!flushed) {
    if (absl::Status s = db_->Exec("PRAGMA synchronous=NORMAL"); !s.ok()) return s;
  }
  appended_sequence_ = 0;
  absl::Status status = db_->Transaction(body);
  const std::uint64_t sequence = std::exchange(appended_sequence_, 0);
  if (!flushed) {
    // Every later transaction flushes again, whatever happened to this one.
    if (absl::Status s = db_->Exec("PRAGMA synchronous=FULL"); !s.ok() && status.ok()) return s;
    return status;
  }
  if (!status.ok() || !witness_ || sequence == 0) return status;
  // Committed: the witness follows. Should it fail, the store is ahead of its witness, which a
  // restart accepts; the caller still learns that storage is failing.
  return witness_->Update({sequence, appended_hash_});
}

absl::StatusOr<std::unique_ptr<BallotStore>> BallotStore::OpenReadOnly(
    const std::filesystem::path& directory) {
  const std::filesystem::path file = directory / "esep.db";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return absl::NotFoundError(absl::StrCat("no tally store in ", directory.string(), " (",
                                            file.string(), " does not exist)"));
  }
  absl::StatusOr<std::unique_ptr<sqlite::Database>> db =
      sqlite::Database::Open(file.string(), /*read_only=*/true);
  if (!db.ok()) return db.status();
  static const SystemClock kClock;  // never read: a read-only store appends no event
  Options options;
  options.directory = directory;
  return std::unique_ptr<BallotStore>(new BallotStore(std::move(*db), std::move(options), kClock));
}

absl::Status BallotStore::CreateSchema() { return db_->Exec(kSchema); }

absl::Status BallotStore::CheckIdentity() {
  absl::StatusOr<std::string> hash = GetSetting("election_hash");
  if (hash.ok()) {
    if (*hash != options_.election_hash) {
      return absl::FailedPreconditionError(
          absl::StrCat("tally store in ", options_.directory.string(), " belongs to election ",
                       *hash, ", not to ", options_.election_hash));
    }
    return absl::OkStatus();
  }
  if (!absl::IsNotFound(hash.status())) return hash.status();
  return Write([&]() -> absl::Status {
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"election_hash", options_.election_hash},
          {"reader_serial", options_.reader_serial}}) {
      if (absl::Status s = db_->Run("INSERT INTO settings(key, value) VALUES(?, ?)", key, value);
          !s.ok()) {
        return s;
      }
    }
    return AppendEventLocked("store_created", absl::StrCat("election ", options_.election_hash,
                                                           ", reader ", options_.reader_serial));
  });
}

absl::Status BallotStore::RecoverUnfinished() {
  absl::StatusOr<sqlite::Statement> q = db_->Prepare(
      "SELECT sheet, state FROM journal WHERE state NOT IN ('cast','returned') "
      "ORDER BY sheet");
  if (!q.ok()) return q.status();
  std::vector<std::pair<std::int64_t, SheetState>> open;
  for (;;) {
    absl::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    absl::StatusOr<SheetState> state = ParseState(q->Text(1));
    if (!state.ok()) return state.status();
    open.emplace_back(q->Int(0), *state);
  }
  for (const auto& [sheet, state] : open) {
    if (state == SheetState::kDecidedCast) {
      recovery_.awaiting_drop_confirmation.push_back(sheet);
      continue;
    }
    absl::Status s = Write([&, sheet_id = sheet, from = state]() -> absl::Status {
      if (absl::Status t = Transition(sheet_id, from, SheetState::kReturned); !t.ok()) return t;
      return AppendEventLocked("sheet_returned_after_restart",
                               absl::StrCat("sheet ", sheet_id, " was ", StateText(from),
                                            " at restart; returned to the voter, not counted"));
    });
    if (!s.ok()) return s;
    recovery_.returned.push_back(sheet);
  }
  return absl::OkStatus();
}

std::filesystem::path BallotStore::ImagePath(const std::string& sha256_hex) const {
  return options_.directory / "images" / sha256_hex;
}

absl::StatusOr<std::string> BallotStore::StoreImage(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return absl::InvalidArgumentError("tally store: empty image");
  const std::string hash = ToHex(Sha256(bytes));
  const std::filesystem::path path = ImagePath(hash);
  if (std::filesystem::exists(path)) return hash;
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError(absl::StrCat("cannot create ", tmp.string()));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status status = ErrnoError(absl::StrCat("cannot write ", tmp.string()));
      ::close(fd);
      return status;
    }
    written += static_cast<std::size_t>(n);
  }
  // No time on the file: its times must not tell the order in which ballots were cast.
  const struct timespec times[2] = {{0, 0}, {0, 0}};
  ::futimens(fd, times);
  CrashPoint("store.image.written");
  if (::fsync(fd) != 0) {
    absl::Status status = ErrnoError(absl::StrCat("cannot sync ", tmp.string()));
    ::close(fd);
    return status;
  }
  ::close(fd);
  CrashPoint("store.image.synced");
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return ErrnoError(absl::StrCat("cannot rename ", tmp.string()));
  }
  CrashPoint("store.image.renamed");
  if (absl::Status s = SyncDirectory(path.parent_path()); !s.ok()) return s;
  return hash;
}

absl::StatusOr<std::string> BallotStore::LoadImage(const std::string& sha256_hex) const {
  std::ifstream in(ImagePath(sha256_hex), std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("tally store: no image ", sha256_hex));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string data = bytes.str();
  if (ToHex(Sha256(data)) != sha256_hex) {
    return absl::DataLossError(
        absl::StrCat("tally store: image ", sha256_hex, " does not match its hash"));
  }
  return data;
}

absl::Status BallotStore::AppendEventLocked(const std::string& type, const std::string& detail) {
  esep::LogEvent event;
  absl::StatusOr<sqlite::Statement> last =
      db_->Prepare("SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1");
  if (!last.ok()) return last.status();
  absl::StatusOr<bool> row = last->Step();
  if (!row.ok()) return row.status();
  event.set_sequence(*row ? static_cast<std::uint64_t>(last->Int(0)) + 1 : 1);
  event.set_previous_hash(*row ? last->Text(1) : std::string(kZeroHash));
  event.set_unix_seconds(clock_.NowUnixSeconds());
  event.set_type(type);
  event.set_detail(detail);
  event.set_hash(EventHash(event));
  appended_sequence_ = event.sequence();
  appended_hash_ = event.hash();
  return db_->Run(
      "INSERT INTO events(sequence, unix_seconds, type, detail, previous_hash, hash) "
      "VALUES(?, ?, ?, ?, ?, ?)",
      static_cast<std::int64_t>(event.sequence()), event.unix_seconds(), event.type(),
      event.detail(), event.previous_hash(), event.hash());
}

absl::Status BallotStore::LogEvent(const std::string& type, const std::string& detail) {
  return Write([&] { return AppendEventLocked(type, detail); });
}

absl::StatusOr<std::vector<esep::LogEvent>> BallotStore::Events() const {
  absl::StatusOr<sqlite::Statement> q = db_->Prepare(
      "SELECT sequence, unix_seconds, type, detail, previous_hash, hash FROM events "
      "ORDER BY sequence");
  if (!q.ok()) return q.status();
  std::vector<esep::LogEvent> events;
  for (;;) {
    absl::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return events;
    esep::LogEvent& e = events.emplace_back();
    e.set_sequence(static_cast<std::uint64_t>(q->Int(0)));
    e.set_unix_seconds(q->Int(1));
    e.set_type(q->Text(2));
    e.set_detail(q->Text(3));
    e.set_previous_hash(q->Text(4));
    e.set_hash(q->Text(5));
  }
}

absl::StatusOr<std::string> BallotStore::GetSetting(const std::string& key) const {
  absl::StatusOr<sqlite::Statement> q = db_->Prepare("SELECT value FROM settings WHERE key = ?");
  if (!q.ok()) return q.status();
  q->Bind(1, key);
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("tally store: no setting ", key));
  return q->Text(0);
}

absl::Status BallotStore::SetSetting(const std::string& key, const std::string& value) {
  return SetSettings({{key, value}});
}

absl::Status BallotStore::SetSettings(const std::vector<Setting>& settings) {
  return Write([&] { return SetSettingsLocked(settings); });
}

absl::Status BallotStore::SetSettingsLocked(const std::vector<Setting>& settings) {
  for (const auto& [key, value] : settings) {
    if (absl::Status s = db_->Run("INSERT INTO settings(key, value) VALUES(?, ?) "
                                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                  key, value);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = AppendEventLocked("setting_changed", absl::StrCat(key, " = ", value));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status BallotStore::SaveCommissionLines(const std::string& serialized_lines,
                                              const std::string& ballot_kind) {
  return Write([&]() -> absl::Status {
    absl::Status saved = ballot_kind.empty()
                             ? db_->Run(
                                   "INSERT INTO commission_lines(id, lines) VALUES(1, ?) "
                                   "ON CONFLICT(id) DO UPDATE SET lines = excluded.lines",
                                   sqlite::Blob{serialized_lines})
                             : db_->Run(
                                   "INSERT INTO kind_lines(kind, lines) VALUES(?, ?) "
                                   "ON CONFLICT(kind) DO UPDATE SET lines = excluded.lines",
                                   ballot_kind, sqlite::Blob{serialized_lines});
    if (!saved.ok()) return saved;
    return AppendEventLocked(
        "commission_lines_entered",
        absl::StrCat(ballot_kind.empty() ? "" : absl::StrCat("ballot kind ", ballot_kind, ", "),
                     "sha256 ", ToHex(Sha256(serialized_lines))));
  });
}

absl::Status BallotStore::DiscardCommissionLines(const std::string& why,
                                                 const std::string& ballot_kind) {
  return Write([&]() -> absl::Status {
    absl::Status deleted = ballot_kind.empty()
                               ? db_->Run("DELETE FROM commission_lines WHERE id = 1")
                               : db_->Run("DELETE FROM kind_lines WHERE kind = ?", ballot_kind);
    if (!deleted.ok()) return deleted;
    return AppendEventLocked("commission_lines_refused", why);
  });
}

absl::StatusOr<std::string> BallotStore::CommissionLinesBytes(
    const std::string& ballot_kind) const {
  absl::StatusOr<sqlite::Statement> q =
      ballot_kind.empty() ? db_->Prepare("SELECT lines FROM commission_lines WHERE id = 1")
                          : db_->Prepare("SELECT lines FROM kind_lines WHERE kind = ?");
  if (!q.ok()) return q.status();
  if (!ballot_kind.empty()) q->Bind(1, ballot_kind);
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return absl::NotFoundError(
        absl::StrCat("the commission has not entered its protocol lines",
                     ballot_kind.empty() ? "" : absl::StrCat(" of ballot kind ", ballot_kind)));
  }
  return q->Text(0);
}

absl::Status BallotStore::CommitProtocol(std::uint32_t revision, const std::string& signed_protocol,
                                         const std::string& protocol_sha256,
                                         const std::vector<Setting>& settings) {
  return Write([&]() -> absl::Status {
    if (absl::Status s = db_->Run(
            "INSERT INTO protocols(revision, protocol_sha256, signed, created_unix_seconds) "
            "VALUES(?, ?, ?, ?)",
            std::int64_t{revision}, protocol_sha256, sqlite::Blob{signed_protocol},
            clock_.NowUnixSeconds());
        !s.ok()) {
      return s;
    }
    if (absl::Status s = db_->Run("INSERT INTO outbox(revision) VALUES(?)", std::int64_t{revision});
        !s.ok()) {
      return s;
    }
    if (absl::Status s = AppendEventLocked(
            "protocol_final", absl::StrCat("revision ", revision, ", sha256 ", protocol_sha256));
        !s.ok()) {
      return s;
    }
    return SetSettingsLocked(settings);
  });
}

absl::StatusOr<std::vector<StoredProtocol>> BallotStore::Protocols() const {
  absl::StatusOr<sqlite::Statement> q = db_->Prepare(
      "SELECT p.revision, p.protocol_sha256, p.signed, p.created_unix_seconds, o.receipt, "
      "o.delivered_unix_seconds FROM protocols p LEFT JOIN outbox o USING(revision) "
      "ORDER BY p.revision");
  if (!q.ok()) return q.status();
  std::vector<StoredProtocol> protocols;
  for (;;) {
    absl::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return protocols;
    StoredProtocol& p = protocols.emplace_back();
    p.revision = static_cast<std::uint32_t>(q->Int(0));
    p.protocol_sha256 = q->Text(1);
    p.signed_protocol = q->Text(2);
    p.created_unix_seconds = q->Int(3);
    if (!q->IsNull(4)) p.receipt = q->Text(4);
    p.delivered_unix_seconds = q->Int(5);
  }
}

absl::Status BallotStore::StoreReceipt(std::uint32_t revision, const std::string& receipt,
                                       const std::vector<Setting>& settings) {
  return Write([&]() -> absl::Status {
    absl::StatusOr<sqlite::Statement> q =
        db_->Prepare("SELECT receipt IS NULL FROM outbox WHERE revision = ?");
    if (!q.ok()) return q.status();
    q->Bind(1, std::int64_t{revision});
    absl::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) {
      return absl::NotFoundError(absl::StrCat("no protocol revision ", revision, " is queued"));
    }
    if (q->Int(0) == 0) return absl::OkStatus();  // already delivered: keep the first receipt
    if (absl::Status s =
            db_->Run("UPDATE outbox SET receipt = ?, delivered_unix_seconds = ? WHERE revision = ?",
                     sqlite::Blob{receipt}, clock_.NowUnixSeconds(), std::int64_t{revision});
        !s.ok()) {
      return s;
    }
    if (absl::Status s = AppendEventLocked(
            "protocol_delivered",
            absl::StrCat("revision ", revision, ", receipt sha256 ", ToHex(Sha256(receipt))));
        !s.ok()) {
      return s;
    }
    return SetSettingsLocked(settings);
  });
}

absl::StatusOr<bool> BallotStore::AddCalibrationProfile(const std::string& serialized_profile,
                                                        const std::string& description) {
  const std::string sha = ToHex(Sha256(serialized_profile));
  bool added = false;
  absl::Status status = Write([&]() -> absl::Status {
    absl::StatusOr<sqlite::Statement> q = db_->Prepare(
        "SELECT profile_sha256 FROM calibration_profiles ORDER BY sequence DESC LIMIT 1");
    if (!q.ok()) return q.status();
    absl::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (*row && q->Text(0) == sha) return absl::OkStatus();  // already the current profile
    if (absl::Status s = db_->Run(
            "INSERT INTO calibration_profiles(profile_sha256, profile, loaded_unix_seconds) "
            "VALUES(?, ?, ?) ON CONFLICT(profile_sha256) DO NOTHING",
            sha, sqlite::Blob{serialized_profile}, clock_.NowUnixSeconds());
        !s.ok()) {
      return s;
    }
    added = true;
    return AppendEventLocked("calibration_profile_loaded",
                             absl::StrCat(description, ", sha256 ", sha));
  });
  if (!status.ok()) return status;
  return added;
}

absl::StatusOr<std::vector<std::string>> BallotStore::CalibrationProfiles() const {
  absl::StatusOr<sqlite::Statement> q =
      db_->Prepare("SELECT profile FROM calibration_profiles ORDER BY sequence");
  if (!q.ok()) return q.status();
  std::vector<std::string> profiles;
  for (;;) {
    absl::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return profiles;
    profiles.push_back(q->Text(0));
  }
}

absl::StatusOr<std::vector<std::int64_t>> BallotStore::SheetsIn(SheetState state) const {
  absl::StatusOr<sqlite::Statement> q =
      db_->Prepare("SELECT sheet FROM journal WHERE state = ? ORDER BY sheet");
  if (!q.ok()) return q.status();
  q->Bind(1, std::string(StateText(state)));
  std::vector<std::int64_t> sheets;
  for (;;) {
    absl::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return sheets;
    sheets.push_back(q->Int(0));
  }
}

absl::StatusOr<std::string> BallotStore::EventLogHead() const {
  absl::StatusOr<sqlite::Statement> q =
      db_->Prepare("SELECT hash FROM events ORDER BY sequence DESC LIMIT 1");
  if (!q.ok()) return q.status();
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  return *row ? q->Text(0) : std::string(kZeroHash);
}

absl::StatusOr<SheetState> BallotStore::State(std::int64_t sheet) const {
  absl::StatusOr<sqlite::Statement> q = db_->Prepare("SELECT state FROM journal WHERE sheet = ?");
  if (!q.ok()) return q.status();
  q->Bind(1, sheet);
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("tally store: no sheet ", sheet));
  return ParseState(q->Text(0));
}

absl::StatusOr<std::string> BallotStore::ImageOf(std::int64_t sheet) const {
  absl::StatusOr<sqlite::Statement> q =
      db_->Prepare("SELECT image_sha256 FROM journal WHERE sheet = ? AND image_sha256 IS NOT NULL");
  if (!q.ok()) return q.status();
  q->Bind(1, sheet);
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return absl::NotFoundError(absl::StrCat("tally store: sheet ", sheet, " has no open image"));
  }
  return q->Text(0);
}

// Moves a sheet from `from` to `to`; fails, changing nothing, when the sheet is not in `from`.
absl::Status BallotStore::Transition(std::int64_t sheet, SheetState from, SheetState to) {
  // Once final, the journal forgets the image: nothing links the feed order to a record.
  const bool final_state = to == SheetState::kCast || to == SheetState::kReturned;
  if (absl::Status s = db_->Run(
          "UPDATE journal SET state = ?, image_sha256 = CASE WHEN ? THEN NULL ELSE image_sha256 "
          "END WHERE sheet = ? AND state = ?",
          std::string_view(StateText(to)), std::int64_t{final_state}, sheet,
          std::string_view(StateText(from)));
      !s.ok()) {
    return s;
  }
  absl::StatusOr<sqlite::Statement> changes = db_->Prepare("SELECT changes()");
  if (!changes.ok()) return changes.status();
  absl::StatusOr<bool> row = changes->Step();
  if (!row.ok()) return row.status();
  if (changes->Int(0) == 1) return absl::OkStatus();
  absl::StatusOr<SheetState> actual = State(sheet);
  if (!actual.ok()) return actual.status();
  return absl::FailedPreconditionError(
      absl::StrCat("sheet ", sheet, " is ", StateText(*actual), ", not ", StateText(from)));
}

absl::StatusOr<std::int64_t> BallotStore::Escrow(const std::string& image_sha256) {
  if (!std::filesystem::exists(ImagePath(image_sha256))) {
    return absl::FailedPreconditionError(
        absl::StrCat("tally store: image ", image_sha256, " must be stored before escrow"));
  }
  std::int64_t sheet = 0;
  absl::Status s = Write(
      [&]() -> absl::Status {
        if (absl::Status r = db_->Run(
                "INSERT INTO journal(state, image_sha256) VALUES('escrow', ?)", image_sha256);
            !r.ok()) {
          return r;
        }
        absl::StatusOr<sqlite::Statement> id = db_->Prepare("SELECT last_insert_rowid()");
        if (!id.ok()) return id.status();
        if (absl::StatusOr<bool> row = id->Step(); !row.ok()) return row.status();
        sheet = id->Int(0);
        return AppendEventLocked("sheet_escrowed", absl::StrCat("sheet ", sheet, " imaged"));
      },
      Durability::kFlushedWithNext);
  if (!s.ok()) return s;
  return sheet;
}

absl::Status BallotStore::DecideCast(std::int64_t sheet, CastVoteRecord record,
                                     std::int64_t reader_sheets_cast_before) {
  if (record.election_hash() != options_.election_hash) {
    return absl::FailedPreconditionError("cast-vote record is for another election");
  }
  record.set_record_id(RandomRecordId());
  return Write([&]() -> absl::Status {
    if (absl::Status t = Transition(sheet, SheetState::kEscrow, SheetState::kDecidedCast);
        !t.ok()) {
      return t;
    }
    const std::string bytes = record.SerializeAsString();
    if (absl::Status r =
            db_->Run("INSERT INTO pending(sheet, record, reader_sheets_cast) VALUES(?, ?, ?)",
                     sheet, sqlite::Blob{bytes}, reader_sheets_cast_before);
        !r.ok()) {
      return r;
    }
    return AppendEventLocked("sheet_decided_cast", absl::StrCat("sheet ", sheet));
  });
}

absl::Status BallotStore::DecideReturn(std::int64_t sheet, const std::string& reason) {
  return Write([&]() -> absl::Status {
    if (absl::Status t = Transition(sheet, SheetState::kEscrow, SheetState::kDecidedReturn);
        !t.ok()) {
      return t;
    }
    if (absl::Status r = db_->Run("UPDATE journal SET reason = ? WHERE sheet = ?", reason, sheet);
        !r.ok()) {
      return r;
    }
    return AppendEventLocked("sheet_decided_return", absl::StrCat("sheet ", sheet, ": ", reason));
  });
}

absl::Status BallotStore::ApplyToTally(const CastVoteRecord& record) {
  const std::int64_t test = record.test() ? 1 : 0;
  if (absl::Status s = db_->Run("INSERT INTO counters(test, ballots_cast) VALUES(?, 1) "
                                "ON CONFLICT(test) DO UPDATE SET ballots_cast = ballots_cast + 1",
                                test);
      !s.ok()) {
    return s;
  }
  for (const ContestReading& contest : record.interpretation().contests()) {
    if (absl::Status s =
            db_->Run("INSERT INTO outcomes(test, contest_id, outcome, count) VALUES(?, ?, ?, 1) "
                     "ON CONFLICT(test, contest_id, outcome) DO UPDATE SET count = count + 1",
                     test, contest.contest_id(), ContestOutcome_Name(contest.outcome()));
        !s.ok()) {
      return s;
    }
    if (contest.outcome() != VALID && contest.outcome() != UNDERVOTE) continue;
    for (const std::string& option : contest.selections()) {
      if (absl::Status s =
              db_->Run("INSERT INTO votes(test, contest_id, option_id, count) VALUES(?, ?, ?, 1) "
                       "ON CONFLICT(test, contest_id, option_id) DO UPDATE SET count = count + 1",
                       test, contest.contest_id(), option);
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status BallotStore::ConfirmCast(std::int64_t sheet) {
  return Write(
      [&]() -> absl::Status {
        absl::StatusOr<sqlite::Statement> q =
            db_->Prepare("SELECT record FROM pending WHERE sheet = ?");
        if (!q.ok()) return q.status();
        q->Bind(1, sheet);
        absl::StatusOr<bool> row = q->Step();
        if (!row.ok()) return row.status();
        if (!*row) {
          absl::StatusOr<SheetState> state = State(sheet);
          if (!state.ok()) return state.status();
          return absl::FailedPreconditionError(
              absl::StrCat("sheet ", sheet, " is ", StateText(*state), ", not decided_cast"));
        }
        CastVoteRecord record;
        if (!record.ParseFromString(q->Text(0))) {
          return absl::DataLossError(
              absl::StrCat("tally store: pending record of sheet ", sheet, " is unreadable"));
        }
        if (absl::Status t = Transition(sheet, SheetState::kDecidedCast, SheetState::kCast);
            !t.ok()) {
          return t;
        }
        const std::string bytes = record.SerializeAsString();
        if (absl::Status s =
                db_->Run("INSERT INTO records(record_id, test, record) VALUES(?, ?, ?)",
                         record.record_id(), std::int64_t{record.test()}, sqlite::Blob{bytes});
            !s.ok()) {
          return s;
        }
        if (absl::Status s = db_->Run("DELETE FROM pending WHERE sheet = ?", sheet); !s.ok()) {
          return s;
        }
        if (absl::Status s = ApplyToTally(record); !s.ok()) return s;
        return AppendEventLocked(record.test() ? "test_ballot_cast" : "ballot_cast",
                                 absl::StrCat("sheet ", sheet, " dropped into the box"));
      },
      Durability::kFlushedWithNext);
}

absl::Status BallotStore::ConfirmReturned(std::int64_t sheet) {
  return Write(
      [&]() -> absl::Status {
        if (absl::Status t = Transition(sheet, SheetState::kDecidedReturn, SheetState::kReturned);
            !t.ok()) {
          return t;
        }
        return AppendEventLocked("sheet_returned", absl::StrCat("sheet ", sheet, " taken back"));
      },
      Durability::kFlushedWithNext);
}

absl::StatusOr<std::int64_t> BallotStore::ReaderSheetsCastAtDecision(std::int64_t sheet) const {
  absl::StatusOr<sqlite::Statement> q =
      db_->Prepare("SELECT reader_sheets_cast FROM pending WHERE sheet = ?");
  if (!q.ok()) return q.status();
  q->Bind(1, sheet);
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return absl::NotFoundError(absl::StrCat("tally store: sheet ", sheet, " is not decided_cast"));
  }
  return q->Int(0);
}

absl::Status BallotStore::ResolveUnconfirmedCast(std::int64_t sheet, bool dropped_into_box,
                                                 const std::string& evidence) {
  if (dropped_into_box) {
    if (absl::Status s = ConfirmCast(sheet); !s.ok()) return s;
    return LogEvent("cast_confirmed_after_restart",
                    absl::StrCat("sheet ", sheet, " reached the box: ", evidence));
  }
  return Write([&]() -> absl::Status {
    if (absl::Status t = Transition(sheet, SheetState::kDecidedCast, SheetState::kReturned);
        !t.ok()) {
      return t;
    }
    if (absl::Status s = db_->Run("DELETE FROM pending WHERE sheet = ?", sheet); !s.ok()) {
      return s;
    }
    return AppendEventLocked("cast_not_confirmed_after_restart",
                             absl::StrCat("sheet ", sheet, " did not reach the box (", evidence,
                                          "); returned, not counted"));
  });
}

absl::StatusOr<std::int64_t> BallotStore::FinishedSheets() const {
  absl::StatusOr<sqlite::Statement> q =
      db_->Prepare("SELECT count(*) FROM journal WHERE state IN ('cast', 'returned')");
  if (!q.ok()) return q.status();
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  return q->Int(0);
}

absl::StatusOr<Tally> BallotStore::GetTally(bool test) const {
  Tally tally;
  const std::int64_t t = test ? 1 : 0;
  absl::StatusOr<sqlite::Statement> count =
      db_->Prepare("SELECT ballots_cast FROM counters WHERE test = ?");
  if (!count.ok()) return count.status();
  count->Bind(1, t);
  absl::StatusOr<bool> row = count->Step();
  if (!row.ok()) return row.status();
  if (*row) tally.ballots_cast = count->Int(0);
  for (const auto& [sql, target] :
       {std::pair{"SELECT contest_id, option_id, count FROM votes WHERE test = ?", &tally.votes},
        std::pair{"SELECT contest_id, outcome, count FROM outcomes WHERE test = ?",
                  &tally.outcomes}}) {
    absl::StatusOr<sqlite::Statement> q = db_->Prepare(sql);
    if (!q.ok()) return q.status();
    q->Bind(1, t);
    for (;;) {
      absl::StatusOr<bool> r = q->Step();
      if (!r.ok()) return r.status();
      if (!*r) break;
      (*target)[{q->Text(0), q->Text(1)}] = q->Int(2);
    }
  }
  absl::StatusOr<std::vector<CastVoteRecord>> records = Records(test);
  if (!records.ok()) return records.status();
  for (const CastVoteRecord& record : *records) ++tally.ballots_cast_by_style[record.style_id()];
  return tally;
}

absl::StatusOr<std::vector<CastVoteRecord>> BallotStore::Records(bool test) const {
  absl::StatusOr<sqlite::Statement> q =
      db_->Prepare("SELECT record FROM records WHERE test = ? ORDER BY record_id");
  if (!q.ok()) return q.status();
  q->Bind(1, std::int64_t{test});
  std::vector<CastVoteRecord> records;
  for (;;) {
    absl::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return records;
    if (!records.emplace_back().ParseFromString(q->Text(0))) {
      return absl::DataLossError("tally store: a cast-vote record is unreadable");
    }
  }
}

namespace {

absl::StatusOr<std::int64_t> CountOf(sqlite::Database& db, const std::string& sql) {
  absl::StatusOr<sqlite::Statement> q = db.Prepare(sql);
  if (!q.ok()) return q.status();
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  return *row ? q->Int(0) : 0;
}

}  // namespace

absl::Status BallotStore::CheckStore() const {
  // One read transaction: a snapshot of the books, while esepd may be writing.
  if (absl::Status s = db_->Exec("BEGIN"); !s.ok()) return s;
  absl::Status status = CheckStoreLocked();
  (void)db_->Exec("COMMIT");
  return status;
}

absl::Status BallotStore::CheckStoreLocked() const {
  std::vector<std::string> damage;
  auto note = [&damage](const absl::Status& s) {
    damage.push_back(std::string(s.message()));
    return damage.size() < 20;
  };
  // 1. The database file itself: every page, index and constraint.
  {
    absl::StatusOr<sqlite::Statement> q = db_->Prepare("PRAGMA integrity_check(20)");
    if (!q.ok()) {
      note(q.status());
    } else {
      for (;;) {
        absl::StatusOr<bool> row = q->Step();
        if (!row.ok()) {
          note(row.status());
          break;
        }
        if (!*row || q->Text(0) == "ok") break;
        note(absl::DataLossError(absl::StrCat("database file: ", q->Text(0))));
      }
    }
  }
  if (!damage.empty()) {
    // The rest reads the same damaged pages; what SQLite names is the damage.
    return absl::DataLossError(
        absl::StrCat("the tally store in ", options_.directory.string(),
                     " is damaged: ", absl::StrJoin(damage, "; "),
                     "; the reader takes no ballot on it (docs/esepd.md, \"A damaged store\")"));
  }
  // 2. The event log's chain, and its cast events against the journal and the counters.
  absl::StatusOr<std::vector<esep::LogEvent>> events = Events();
  if (!events.ok()) {
    note(events.status());
  } else if (absl::Status s = VerifyEventChain(*events); !s.ok()) {
    note(s);
  }
  std::int64_t cast_events[2] = {0, 0};
  if (events.ok()) {
    for (const esep::LogEvent& e : *events) {
      if (e.type() == "ballot_cast") ++cast_events[0];
      if (e.type() == "test_ballot_cast") ++cast_events[1];
    }
  }
  std::int64_t records_total = 0;
  for (const bool test : {false, true}) {
    const char* which = test ? "test" : "live";
    absl::StatusOr<Tally> tally = GetTally(test);
    absl::StatusOr<std::vector<CastVoteRecord>> records = Records(test);
    if (!tally.ok() || !records.ok()) {
      note(!tally.ok() ? tally.status() : records.status());
      continue;
    }
    const auto count = static_cast<std::int64_t>(records->size());
    records_total += count;
    if (tally->ballots_cast != count) {
      note(absl::DataLossError(absl::StrCat("the ", which, " counter says ", tally->ballots_cast,
                                            " ballots cast, but ", count,
                                            " cast-vote records are stored")));
    }
    if (events.ok() && cast_events[test] != count) {
      note(absl::DataLossError(absl::StrCat("the event log records ", cast_events[test], " ", which,
                                            " ballots cast, but ", count,
                                            " cast-vote records are stored")));
    }
    Tally recount;
    for (const CastVoteRecord& record : *records) {
      for (const ContestReading& contest : record.interpretation().contests()) {
        ++recount.outcomes[{contest.contest_id(), ContestOutcome_Name(contest.outcome())}];
        if (contest.outcome() != VALID && contest.outcome() != UNDERVOTE) continue;
        for (const std::string& option : contest.selections()) {
          ++recount.votes[{contest.contest_id(), option}];
        }
      }
      if (absl::StatusOr<std::string> image = LoadImage(record.image_sha256()); !image.ok()) {
        if (!note(image.status())) break;
      }
    }
    if (recount.votes != tally->votes || recount.outcomes != tally->outcomes) {
      note(absl::DataLossError(absl::StrCat("the ", which,
                                            " tally differs from a recount of its cast-vote "
                                            "records")));
    }
  }
  absl::StatusOr<std::int64_t> journal_cast =
      CountOf(*db_, "SELECT count(*) FROM journal WHERE state = 'cast'");
  if (!journal_cast.ok()) {
    note(journal_cast.status());
  } else if (*journal_cast != records_total) {
    note(absl::DataLossError(absl::StrCat("the journal has ", *journal_cast, " sheets cast, but ",
                                          records_total, " cast-vote records are stored")));
  }
  // 3. The images of sheets still on their way.
  {
    absl::StatusOr<sqlite::Statement> q =
        db_->Prepare("SELECT sheet, image_sha256 FROM journal WHERE image_sha256 IS NOT NULL");
    if (q.ok()) {
      for (;;) {
        absl::StatusOr<bool> row = q->Step();
        if (!row.ok()) {
          note(row.status());
          break;
        }
        if (!*row) break;
        if (absl::StatusOr<std::string> image = LoadImage(q->Text(1)); !image.ok()) {
          note(absl::DataLossError(
              absl::StrCat("sheet ", q->Int(0), ": ", std::string(image.status().message()))));
        }
      }
    } else {
      note(q.status());
    }
  }
  if (damage.empty()) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat("the tally store in ", options_.directory.string(),
                   " is damaged: ", absl::StrJoin(damage, "; "),
                   "; the reader takes no ballot on it (docs/esepd.md, \"A damaged store\")"));
}

absl::Status BallotStore::CheckAgainstWitness(const WitnessMark& mark,
                                              const std::string& where) const {
  if (mark.sequence == 0) return absl::OkStatus();
  absl::StatusOr<sqlite::Statement> q = db_->Prepare("SELECT hash FROM events WHERE sequence = ?");
  if (!q.ok()) return q.status();
  q->Bind(1, static_cast<std::int64_t>(mark.sequence));
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  absl::StatusOr<std::int64_t> last = CountOf(*db_, "SELECT max(sequence) FROM events");
  const std::string ends = last.ok() ? absl::StrCat(*last) : "?";
  if (!*row) {
    return absl::DataLossError(absl::StrCat(
        "the tally store in ", options_.directory.string(),
        " was rolled back: its event log ends "
        "at entry ",
        ends, ", but its witness (", where, ") saw entry ", mark.sequence,
        " committed; ballots counted after that would be lost; the reader stops until a "
        "technician restores the store (docs/esepd.md, \"A damaged store\")"));
  }
  if (q->Text(0) != mark.head_hash) {
    return absl::DataLossError(absl::StrCat("the tally store in ", options_.directory.string(),
                                            " is not the store its witness (", where,
                                            ") saw: event ", mark.sequence,
                                            " differs; the store was replaced (docs/esepd.md, "
                                            "\"A damaged store\")"));
  }
  return absl::OkStatus();
}

absl::Status BallotStore::CheckWithWitness(const std::filesystem::path& witness,
                                           const std::string& election_hash) const {
  if (absl::Status s = CheckStore(); !s.ok()) return s;
  absl::StatusOr<WitnessMark> mark = Witness::Read(witness, election_hash);
  if (!mark.ok()) return mark.status();
  return CheckAgainstWitness(*mark, witness.string());
}

}  // namespace esep::scanner
