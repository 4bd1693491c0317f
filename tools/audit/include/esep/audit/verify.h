#ifndef ESEP_AUDIT_VERIFY_H_
#define ESEP_AUDIT_VERIFY_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/audit/bundle.h"
#include "esep/audit/discrepancy.h"
#include "esep/audit/replay.h"

namespace esep::audit {

struct VerifyOptions {
  int jobs = 1;
  // The reader's published Ed25519 public key (32 raw bytes); empty: the key in the envelope.
  std::string expected_public_key;
  // Images to replay instead of the bundle's own, matched to records by content hash.
  std::optional<std::filesystem::path> images_directory;
  ReplayProgress progress;
};

// A record the reader and replay read differently, kept for its overlay.
struct RecordDifference {
  std::string record_id;
  FileInDirectory image;
  bool test = false;
  Interpretation reader;  // in the stored record
  Interpretation replay;
};

// The outcome of a replay: the records and tallies replay produced, and every discrepancy.
struct AuditResult {
  std::vector<CastVoteRecord> records;  // replayed, ordered by record id (or file name)
  scanner::Tally live;
  scanner::Tally test;
  std::vector<Discrepancy> discrepancies;  // sorted; empty when the bundle is proved
  std::vector<std::string> notes;          // what was not checked, and why
  std::vector<RecordDifference> differences;
  bool proved() const { return discrepancies.empty(); }
};

// Proves or disproves a bundle: manifest hashes, image hashes, the event-log chain and its
// ballot counts, every record reproduced byte for byte by replaying its image, the protocol's
// signature and its numbers against the replayed tally, and that every file the bundle carries
// is covered by what the signed protocol commits to (its records root hash, its event-log head,
// its election, precinct and reader) or regenerated from covered data byte for byte. A bundle
// without a valid signed protocol is not proved. What the protocol cannot cover (test-deck
// records, images of returned sheets, log entries after the protocol, the exporter's version
// and time) is named in the notes. The result does not depend on `jobs`.
absl::StatusOr<AuditResult> VerifyBundle(const Bundle& bundle, const Replayer& replayer,
                                         const VerifyOptions& options);

// Replays a directory of ballot images (no bundle): records for every image read as a ballot,
// ordered by file name, and their tally. Unreadable and rejected images are listed in notes.
absl::StatusOr<AuditResult> ReplayImageDirectory(const std::filesystem::path& directory,
                                                 const Election& election, const Replayer& replayer,
                                                 bool test, int jobs,
                                                 const ReplayProgress& progress = nullptr);

// What differs between a stored record and its replay, in words; empty when identical.
std::string DescribeRecordDifference(const CastVoteRecord& stored, const CastVoteRecord& replayed);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_VERIFY_H_
