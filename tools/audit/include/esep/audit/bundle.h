#ifndef ESEP_AUDIT_BUNDLE_H_
#define ESEP_AUDIT_BUNDLE_H_

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/audit/discrepancy.h"
#include "esep/audit/safe_path.h"
#include "esep/proto/calibration.pb.h"
#include "esep/proto/cast_vote_record.pb.h"
#include "esep/proto/deterministic.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/signed.pb.h"

namespace esep::audit {

// The files of an export bundle (docs/audit.md). Every file but the manifest is listed in the
// manifest with its SHA-256.
inline constexpr char kManifestFile[] = "manifest.json";
inline constexpr char kBundleInfoFile[] = "bundle.json";
inline constexpr char kElectionFile[] = "election.json";
inline constexpr char kCalibrationFile[] = "calibration.json";
// The same profile in the bytes the reader hashed when it loaded it (its event log names that
// SHA-256): present when the reader had a profile.
inline constexpr char kCalibrationProfileFile[] = "calibration.pb";
inline constexpr char kRecordsFile[] = "records.pb";
inline constexpr char kEventsFile[] = "events.pb";
inline constexpr char kProtocolFile[] = "protocol.signed.pb";
// Every signed protocol revision the store keeps (one or more per ballot kind: the final protocol
// of each kind and its corrections), oldest first, as length-delimited SignedProtocols.
inline constexpr char kProtocolsFile[] = "protocols.signed.pb";
inline constexpr char kCvrJsonFile[] = "cvr.nist-1500-103.json";
inline constexpr char kEventLogJsonFile[] = "event-log.nist-1500-101.json";
inline constexpr char kResultsJsonFile[] = "results.nist-1500-100.json";
inline constexpr char kImagesDirectory[] = "images";
inline constexpr char kBundleFormat[] = "esep-audit-bundle/1";

// What `esep export` reads.
struct ExportOptions {
  std::filesystem::path data_directory;  // the reader's data directory (esep.db, images/)
  std::filesystem::path election_file;   // the definition the reader counted with
  // The reader's calibration profile (a serialized CalibrationProfile), kept in the bundle as JSON.
  // Absent: the election's own thresholds, as the daemon uses them.
  std::optional<std::filesystem::path> calibration_file;
  // A SignedProtocol; absent: <data_directory>/protocol.signed.pb when the store keeps one.
  std::optional<std::filesystem::path> protocol_file;
  std::string precinct_id;    // empty: the precinct named in the records
  std::string generated_utc;  // ISO 8601, written into the NIST reports
  // Told after each ballot image copied: done, total (may be empty).
  std::function<void(std::size_t, std::size_t)> progress = {};
};

struct ExportSummary {
  std::size_t records = 0;
  std::size_t images = 0;
  std::size_t events = 0;
  bool protocol = false;
  std::size_t protocol_revisions = 0;  // in protocols.signed.pb
  std::vector<std::string> notes;      // what the bundle lacks, for the person exporting
};

// Writes the bundle of one precinct's data into `out` (created; refused when it is not empty).
absl::StatusOr<ExportSummary> ExportBundle(const ExportOptions& options,
                                           const std::filesystem::path& out);

// bundle.json: who made the bundle from what.
struct BundleInfo {
  std::string precinct_id;
  std::string election_id;
  std::string election_hash;
  std::string reader_serial;
  std::string software_version;
  std::string interpreter_version;
  std::string thresholds_source;  // "calibration profile" or "election definition"
  std::string generated_utc;
};

// A bundle as read back. Reading checks only that the files parse; whether they are genuine is
// what VerifyBundle (verify.h) finds out.
struct Bundle {
  std::filesystem::path directory;
  BundleInfo info;
  Election election;
  MarkThresholds thresholds;
  std::vector<CastVoteRecord> records;
  std::vector<LogEvent> events;
  std::optional<SignedProtocol> protocol;
  std::vector<SignedProtocol> protocols;        // protocols.signed.pb: every revision, oldest first
  std::map<std::string, std::string> manifest;  // relative path -> SHA-256 hex
  std::vector<std::string> image_hashes;        // the names (without .png) under images/

  // Where an image is, to show a person; read it through Image().
  std::filesystem::path ImagePath(const std::string& sha256_hex) const;
  FileInDirectory Image(const std::string& sha256_hex) const;
};

// True when `path` looks like a bundle (holds a manifest.json).
bool IsBundle(const std::filesystem::path& path);

// Reads a bundle from someone else. Every name in it must pass CheckBundleName (record ids
// CheckBundleFileName, image hashes IsSha256Hex), no link inside it is followed and no JSON in
// it nests deeper than kMaxJsonDepth; a bundle that breaks a rule is refused unread.
absl::StatusOr<Bundle> ReadBundle(const std::filesystem::path& directory);

// The manifest lists exactly the bundle's regular files (a link, a device, a directory other
// than images/ or a name the bundle rule refuses is named), each with its SHA-256, in the form
// WriteManifest writes.
std::vector<Discrepancy> CheckManifest(const Bundle& bundle);

// The parts of a bundle (docs/audit.md): its files at the top, and images/<sha256>.png.
bool IsBundlePart(std::string_view name);

// The exact bytes the exporter writes, so that a reader can regenerate a file from what it
// parsed and compare: manifest.json, bundle.json and calibration.json (a calibration profile,
// or the election's own thresholds when the reader had none).
std::string ManifestJson(const std::map<std::string, std::string>& files);
std::string BundleInfoJson(const BundleInfo& info);
std::string CalibrationProfileJson(const CalibrationProfile& profile);
std::string ThresholdsJson(const MarkThresholds& thresholds);

// Rewrites manifest.json from the files present (used by the exporter, and by tests that play a
// forger who also fixes the manifest).
absl::Status WriteManifest(const std::filesystem::path& directory);

// Length-delimited streams of messages, deterministic bytes (records.pb, events.pb).
absl::Status WriteRecords(const std::filesystem::path& path,
                          const std::vector<CastVoteRecord>& records);
absl::Status WriteEvents(const std::filesystem::path& path, const std::vector<LogEvent>& events);

using ::esep::DeterministicBytes;

// The software that writes bundles and reports: "esep VERSION, commit ..., executable ..."
// (esep/proto/software_identity.h). Each record and protocol in a bundle names the reader's own.
std::string SoftwareVersion();

}  // namespace esep::audit

#endif  // ESEP_AUDIT_BUNDLE_H_
