#ifndef ESEP_AUDIT_STORE_READER_H_
#define ESEP_AUDIT_STORE_READER_H_

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/proto/cast_vote_record.pb.h"

namespace esep::audit {

// What a reader's data directory holds, read without changing a byte of it.
struct StoreContents {
  std::map<std::string, std::string> settings;  // election_hash, reader_serial, poll_state...
  std::vector<CastVoteRecord> records;          // live and test, ordered by record id
  std::vector<LogEvent> events;                 // in sequence order
  std::vector<std::string> image_hashes;        // files under images/, sorted
  // The newest final protocol revision (a serialized SignedProtocol) and the current
  // calibration profile (a serialized CalibrationProfile), when the store holds them.
  std::optional<std::string> latest_signed_protocol;
  // Every protocol revision (serialized SignedProtocols), oldest first: on a day with several
  // ballots per voter one or more per ballot kind.
  std::vector<std::string> signed_protocols;
  std::optional<std::string> current_calibration_profile;
};

// Reads the daemon's tally store (esep.db and images/) read-only: the SQLite file is opened with
// SQLITE_OPEN_READONLY (and immutable when no write-ahead log is left), so an export never
// recovers, logs or otherwise writes to the evidence, nor creates files beside it. The daemon
// should be stopped (or the polls closed) so the export sees a settled store.
absl::StatusOr<StoreContents> ReadStore(const std::filesystem::path& data_directory);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_STORE_READER_H_
