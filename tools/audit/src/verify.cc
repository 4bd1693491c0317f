#include "esep/audit/verify.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "esep/audit/json.h"
#include "esep/audit/nist.h"
#include "esep/audit/safe_path.h"
#include "esep/proto/calibration.pb.h"
#include "esep/proto/election.h"
#include "esep/proto/record_hash.h"
#include "esep/proto/sha256.h"
#include "esep/scanner/cast_vote_record.h"
#include "esep/transport/signing.h"
#include "esep/vision/return_policy.h"
#include "google/protobuf/util/json_util.h"

namespace esep::audit {
namespace {

namespace fs = std::filesystem;

std::string Selections(const ContestReading& c) {
  return absl::StrCat(ContestOutcome_Name(c.outcome()), " [", absl::StrJoin(c.selections(), ","),
                      "]");
}

// The replayed tally against the protocol's lines: L6 and each option's votes.
void CompareProtocol(const PrecinctProtocol& protocol, const Bundle& bundle,
                     const scanner::Tally& live, std::vector<Discrepancy>& found,
                     std::vector<std::string>& notes) {
  if (protocol.election_hash() != ElectionHash(bundle.election)) {
    found.push_back({"protocol", "election_hash",
                     absl::StrCat("the protocol is for election ", protocol.election_hash(),
                                  ", the bundle's definition is ", ElectionHash(bundle.election))});
  }
  if (protocol.precinct_id() != bundle.info.precinct_id) {
    found.push_back({"protocol", "precinct_id",
                     absl::StrCat("the protocol is for precinct ", protocol.precinct_id(),
                                  ", the bundle for ", bundle.info.precinct_id)});
  }
  // On a day with several ballots per voter the protocol counts the ballots of its kind only.
  const Election& election = bundle.election;
  const std::string& kind = protocol.ballot_kind();
  auto of_kind = [&](const std::string& style_id) {
    const BallotStyle* style = FindBallotStyle(election, style_id);
    return style == nullptr || style->ballot_kind() == kind;
  };
  std::int64_t replayed_cast = live.ballots_cast;
  if (!election.ballot_kinds().empty()) {
    replayed_cast = 0;
    for (const auto& [style_id, count] : live.ballots_cast_by_style) {
      if (of_kind(style_id)) replayed_cast += count;
    }
  }
  if (protocol.ballots_in_stationary_box() != static_cast<std::uint64_t>(replayed_cast)) {
    found.push_back(
        {"protocol", "L6",
         absl::StrCat("ballots in the stationary box: protocol ",
                      protocol.ballots_in_stationary_box(), ", replay ", replayed_cast)});
  }
  std::set<std::string> contests_of_kind;
  for (const Contest* contest : ContestsOnBallot(election, protocol.precinct_id(), kind)) {
    contests_of_kind.insert(contest->id());
  }
  const bool mobile = protocol.ballots_in_mobile_boxes() > 0;
  if (mobile) {
    notes.push_back(absl::StrCat("the protocol counts ", protocol.ballots_in_mobile_boxes(),
                                 " ballots of mobile boxes: its votes may exceed the replay's"));
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const ContestResult& contest : protocol.contests()) {
    for (const OptionVotes& option : contest.options()) {
      seen.insert({contest.contest_id(), option.option_id()});
      const auto it = live.votes.find({contest.contest_id(), option.option_id()});
      const std::uint64_t replayed =
          it == live.votes.end() ? 0 : static_cast<std::uint64_t>(it->second);
      if (mobile ? option.votes() < replayed : option.votes() != replayed) {
        found.push_back({"protocol", absl::StrCat(contest.contest_id(), "/", option.option_id()),
                         absl::StrCat("votes: protocol ", option.votes(), ", replay ", replayed)});
      }
    }
  }
  for (const auto& [key, count] : live.votes) {
    if (!election.ballot_kinds().empty() && !contests_of_kind.contains(key.first)) continue;
    if (!seen.contains(key) && count > 0) {
      found.push_back({"protocol", absl::StrCat(key.first, "/", key.second),
                       absl::StrCat("votes: not in the protocol, replay ", count)});
    }
  }
  if (protocol.election_id() != bundle.election.id()) {
    found.push_back({"protocol", "election_id",
                     absl::StrCat("the protocol is for election ", protocol.election_id(),
                                  ", the bundle's definition is ", bundle.election.id())});
  }
  if (protocol.reader_serial() != bundle.info.reader_serial) {
    found.push_back({"protocol", "reader_serial",
                     absl::StrCat("the protocol was signed by reader ", protocol.reader_serial(),
                                  ", bundle.json names reader ", bundle.info.reader_serial)});
  }
  if (protocol.event_log_head_hash().empty()) {
    found.push_back({"protocol", "event_log_head_hash",
                     "the protocol commits to no event-log entry: the log is not covered"});
  } else if (std::none_of(bundle.events.begin(), bundle.events.end(), [&](const LogEvent& e) {
               return e.hash() == protocol.event_log_head_hash();
             })) {
    found.push_back({"protocol", "event_log_head_hash",
                     "the event-log entry the protocol was signed after is not in the log"});
  }
  // The root hash binds the protocol to exactly the bundle's live cast-vote records.
  std::vector<CastVoteRecord> live_records;
  for (const CastVoteRecord& record : bundle.records) {
    if (!record.test() && of_kind(record.style_id())) live_records.push_back(record);
  }
  if (protocol.records_root_hash().empty()) {
    found.push_back({"protocol", "records_root_hash",
                     "the protocol commits to no cast-vote records: the records are not covered"});
  } else if (protocol.records_root_hash() != RecordsRootHash(live_records)) {
    found.push_back({"protocol", "records_root_hash",
                     absl::StrCat("the protocol's root hash ", protocol.records_root_hash(),
                                  " is not that of the bundle's ", live_records.size(),
                                  " cast-vote records (", RecordsRootHash(live_records), ")")});
  }
}

void CheckEventLog(const Bundle& bundle, std::vector<Discrepancy>& found) {
  if (absl::Status s = scanner::VerifyEventChain(bundle.events); !s.ok()) {
    found.push_back({"event-log", kEventsFile, std::string(s.message())});
  }
  std::int64_t live_events = 0;
  std::int64_t test_events = 0;
  for (const LogEvent& e : bundle.events) {
    live_events += e.type() == "ballot_cast";
    test_events += e.type() == "test_ballot_cast";
  }
  const auto records = [&](bool test) {
    return std::count_if(bundle.records.begin(), bundle.records.end(),
                         [&](const CastVoteRecord& r) { return r.test() == test; });
  };
  if (live_events != records(false)) {
    found.push_back({"event-log", "ballot_cast",
                     absl::StrCat("the log records ", live_events, " ballots cast, the bundle has ",
                                  records(false), " live records")});
  }
  if (test_events != records(true)) {
    found.push_back({"event-log", "test_ballot_cast",
                     absl::StrCat("the log records ", test_events, " test ballots cast, the ",
                                  "bundle has ", records(true), " test records")});
  }
}

// Compares a carried file with the bytes regenerated from what covers it; a file the bundle
// does not carry claims nothing and is passed over.
void CompareRegenerated(const Bundle& bundle, const char* file, const std::string& expected,
                        const std::string& source, std::vector<Discrepancy>& found) {
  absl::StatusOr<std::string> bytes = ReadFileInside(bundle.directory, file);
  if (absl::IsNotFound(bytes.status())) return;
  if (!bytes.ok()) {
    found.push_back({"bundle", file, std::string(bytes.status().message())});
    return;
  }
  if (*bytes == expected) return;
  const std::size_t at = static_cast<std::size_t>(
      std::mismatch(bytes->begin(), bytes->end(), expected.begin(), expected.end()).first -
      bytes->begin());
  found.push_back({"bundle", file,
                   absl::StrCat("differs from byte ", at, " on from the file regenerated from ",
                                source, ": what it says is not covered by the protocol")});
}

// calibration.json (and calibration.pb) hold the thresholds replay reads with: the profile the
// event log records as loaded last before the protocol (its SHA-256 is in the entry), or the
// election's own thresholds when the log records none.
void CheckCalibration(const Bundle& bundle, const std::vector<LogEvent>& covered_events,
                      std::vector<Discrepancy>& found) {
  std::optional<std::string> logged;
  for (const LogEvent& e : covered_events) {
    const std::size_t at = e.detail().rfind("sha256 ");
    if (e.type() == "calibration_profile_loaded" && at != std::string::npos) {
      logged = e.detail().substr(at + 7);
    }
  }
  absl::StatusOr<std::string> text = ReadFileInside(bundle.directory, kCalibrationFile);
  if (!text.ok()) {
    found.push_back({"bundle", kCalibrationFile, std::string(text.status().message())});
    return;
  }
  // The profile's bytes: calibration.pb, or (bundles without it) calibration.json parsed and
  // serialized again, which gives the same bytes unless a measurement is -0.
  CalibrationProfile profile;
  std::optional<std::string> profile_bytes;
  const char* profile_file = kCalibrationFile;
  if (absl::StatusOr<std::string> pb = ReadFileInside(bundle.directory, kCalibrationProfileFile);
      pb.ok()) {
    if (profile.ParseFromString(*pb)) profile_bytes = *pb;
    profile_file = kCalibrationProfileFile;
  } else if (CheckJsonDepth(*text).ok() &&
             google::protobuf::util::JsonStringToMessage(*text, &profile).ok() &&
             profile.format_version() != 0) {
    profile_bytes = profile.SerializeAsString();
  }
  const std::string source = profile_bytes ? "calibration profile" : "election definition";
  if (bundle.info.thresholds_source != source) {
    found.push_back({"bundle", kBundleInfoFile,
                     absl::StrCat("the thresholds came from the ", bundle.info.thresholds_source,
                                  ", says bundle.json, but the bundle holds the ", source, "'s")});
  }
  if (logged && !profile_bytes) {
    found.push_back({"bundle", kCalibrationFile,
                     absl::StrCat("the event log records calibration profile ", *logged,
                                  " as loaded, but the bundle holds no profile")});
  } else if (logged && ToHex(Sha256(*profile_bytes)) != *logged) {
    found.push_back({"bundle", profile_file,
                     absl::StrCat("the profile is not the one the event log records as loaded "
                                  "before the protocol (sha256 ",
                                  *logged, ")")});
  } else if (logged) {
    CompareRegenerated(bundle, kCalibrationFile, CalibrationProfileJson(profile),
                       "the profile the event log names", found);
  } else if (profile_bytes) {
    found.push_back({"bundle", profile_file,
                     "the event log records no calibration profile loaded before the protocol, "
                     "so the reader read with the election's thresholds, but the bundle holds a "
                     "profile"});
  } else {
    CompareRegenerated(bundle, kCalibrationFile, ThresholdsJson(bundle.election.mark_thresholds()),
                       "the election's thresholds", found);
  }
}

// Every file a bundle carries must be covered by the signed protocol: the live records by its
// root hash, the log up to its head entry by the hash chain, the definition by its hash, and
// the other files by being regenerated, byte for byte, from those. `protocol` is null when the
// bundle has no valid one (already a discrepancy): the files are still compared.
void CheckCoverage(const Bundle& bundle, const PrecinctProtocol* protocol,
                   std::vector<Discrepancy>& found, std::vector<std::string>& notes) {
  for (const auto& [file, sha] : bundle.manifest) {
    if (!IsBundlePart(file)) {
      found.push_back(
          {"bundle", file,
           absl::StrCat("not a part of an ", kBundleFormat, " bundle: nothing covers it")});
    }
  }
  std::size_t covered = bundle.events.size();
  if (protocol != nullptr) {
    const auto head = std::find_if(
        bundle.events.begin(), bundle.events.end(),
        [&](const LogEvent& e) { return e.hash() == protocol->event_log_head_hash(); });
    if (head != bundle.events.end()) {
      covered = static_cast<std::size_t>(head - bundle.events.begin()) + 1;
    }
    if (covered < bundle.events.size()) {
      notes.push_back(absl::StrCat("event-log entries ", covered + 1, " to ", bundle.events.size(),
                                   " were written after the protocol was signed: its signature "
                                   "does not cover them"));
    }
  }
  CheckCalibration(
      bundle,
      std::vector<LogEvent>(bundle.events.begin(),
                            bundle.events.begin() + static_cast<std::ptrdiff_t>(covered)),
      found);

  CompareRegenerated(bundle, kBundleInfoFile, BundleInfoJson(bundle.info), "its own fields", found);
  if (bundle.info.election_id != bundle.election.id()) {
    found.push_back({"bundle", kBundleInfoFile,
                     absl::StrCat("names election ", bundle.info.election_id,
                                  ", the definition is election ", bundle.election.id())});
  }
  for (const CastVoteRecord& r : bundle.records) {
    if (r.interpreter_version() != bundle.info.interpreter_version) {
      found.push_back(
          {"bundle", kBundleInfoFile,
           absl::StrCat("names interpreter ", bundle.info.interpreter_version, ", record ",
                        r.record_id(), " was read by ", r.interpreter_version())});
      break;
    }
  }
  notes.push_back(absl::StrCat(
      "the software that made the bundle (", bundle.info.software_version, ") and when (",
      bundle.info.generated_utc,
      ", also in the NIST reports) are the exporter's word: the protocol does not cover them"));

  const NistReportInfo info{bundle.info.reader_serial, bundle.info.precinct_id,
                            bundle.info.generated_utc};
  CompareRegenerated(bundle, kCvrJsonFile,
                     CastVoteRecordReportJson(bundle.election, bundle.records, info),
                     "the bundle's cast-vote records", found);
  CompareRegenerated(bundle, kEventLogJsonFile, EventLogJson(bundle.election, bundle.events, info),
                     "the bundle's event log", found);
  if (KindInside(bundle.directory, kResultsJsonFile).ok()) {
    absl::StatusOr<std::string> results =
        protocol == nullptr
            ? absl::StatusOr<std::string>(absl::FailedPreconditionError(
                  "there is no valid signed protocol to regenerate it from"))
            : PrecinctResultsNist1500_100(bundle.election, *protocol, bundle.info.generated_utc);
    if (results.ok()) {
      CompareRegenerated(bundle, kResultsJsonFile, *results, "the signed protocol", found);
    } else {
      found.push_back({"bundle", kResultsJsonFile,
                       absl::StrCat("cannot be checked: ", results.status().message())});
    }
  }

  const std::size_t test_records = std::count_if(bundle.records.begin(), bundle.records.end(),
                                                 [](const CastVoteRecord& r) { return r.test(); });
  if (test_records > 0) {
    notes.push_back(absl::StrCat(test_records,
                                 " test-deck record(s) lie outside the protocol's root hash, which "
                                 "covers live ballots only: replayed, not proved"));
  }
}

std::string ItemName(const std::string& sha, bool test) {
  return test ? absl::StrCat(sha, ".test") : sha;
}

}  // namespace

std::string DescribeRecordDifference(const CastVoteRecord& stored, const CastVoteRecord& replayed) {
  if (DeterministicBytes(stored) == DeterministicBytes(replayed)) return "";
  std::vector<std::string> parts;
  const Interpretation& a = stored.interpretation();
  const Interpretation& b = replayed.interpretation();
  if (a.accepted() != b.accepted() || a.reason() != b.reason()) {
    parts.push_back(absl::StrCat("reader ", a.accepted() ? "accepted" : "rejected", ", replay ",
                                 b.accepted() ? "accepted" : RejectionReason_Name(b.reason())));
  }
  for (int i = 0; i < std::max(a.contests_size(), b.contests_size()); ++i) {
    const ContestReading ca = i < a.contests_size() ? a.contests(i) : ContestReading();
    const ContestReading cb = i < b.contests_size() ? b.contests(i) : ContestReading();
    if (DeterministicBytes(ca) != DeterministicBytes(cb)) {
      parts.push_back(absl::StrCat("contest ",
                                   ca.contest_id().empty() ? cb.contest_id() : ca.contest_id(),
                                   ": reader ", Selections(ca), ", replay ", Selections(cb)));
    }
  }
  int targets = 0;
  for (int i = 0; i < std::min(a.targets_size(), b.targets_size()); ++i) {
    targets += DeterministicBytes(a.targets(i)) != DeterministicBytes(b.targets(i));
  }
  if (targets > 0 || a.targets_size() != b.targets_size()) {
    parts.push_back(absl::StrCat(targets, " target score(s) differ"));
  }
  CastVoteRecord sa = stored;
  CastVoteRecord sb = replayed;
  sa.clear_interpretation();
  sb.clear_interpretation();
  if (DeterministicBytes(sa) != DeterministicBytes(sb)) {
    parts.push_back(absl::StrCat("record fields differ (style ", stored.style_id(), "/",
                                 replayed.style_id(), ", precinct ", stored.precinct_id(), "/",
                                 replayed.precinct_id(), ", sheet ", stored.sheet(), "/",
                                 replayed.sheet(), ", version ", stored.interpreter_version(), "/",
                                 replayed.interpreter_version(), ")"));
  }
  if (parts.empty()) parts.push_back("the interpretation differs in its details");
  return absl::StrJoin(parts, "; ");
}

absl::StatusOr<AuditResult> VerifyBundle(const Bundle& bundle, const Replayer& replayer,
                                         const VerifyOptions& options) {
  AuditResult result;
  std::vector<Discrepancy>& found = result.discrepancies;
  for (Discrepancy& d : CheckManifest(bundle)) found.push_back(std::move(d));
  const std::string election_hash = ElectionHash(bundle.election);
  if (bundle.info.election_hash != election_hash) {
    found.push_back({"bundle", kElectionFile,
                     absl::StrCat("the definition's hash is ", election_hash, ", bundle.json says ",
                                  bundle.info.election_hash)});
  }
  CheckEventLog(bundle, found);

  // Where each image is: the bundle's own (named by hash), or a directory the auditor holds.
  std::map<std::string, FileInDirectory> images;
  if (options.images_directory) {
    absl::StatusOr<std::vector<DirectoryEntry>> entries = ListInside(*options.images_directory, 0);
    if (!entries.ok()) return entries.status();
    for (const DirectoryEntry& entry : *entries) {
      if (entry.kind == EntryKind::kSymlink) {
        result.notes.push_back(
            absl::StrCat(PrintableName(entry.name), ": a symbolic link, not followed"));
      }
      if (entry.kind != EntryKind::kFile) continue;
      FileInDirectory file{*options.images_directory, entry.name};
      absl::StatusOr<std::string> bytes = ReadFileInside(file);
      if (bytes.ok()) images.emplace(ToHex(Sha256(*bytes)), std::move(file));
    }
  } else {
    for (const std::string& sha : bundle.image_hashes) images.emplace(sha, bundle.Image(sha));
  }

  std::vector<ReplayItem> items;
  std::set<std::string> referenced;
  for (const CastVoteRecord& r : bundle.records) {
    referenced.insert(r.image_sha256());
    const auto it = images.find(r.image_sha256());
    if (it == images.end()) {
      found.push_back({"missing-image", r.record_id(),
                       absl::StrCat("image ", r.image_sha256(), " of the record is not there")});
      continue;
    }
    items.push_back({ItemName(r.image_sha256(), r.test()), it->second, r.test()});
  }
  std::sort(items.begin(), items.end(), [](const ReplayItem& x, const ReplayItem& y) {
    return std::tie(x.name, x.test) < std::tie(y.name, y.test);
  });
  items.erase(std::unique(items.begin(), items.end(),
                          [](const ReplayItem& x, const ReplayItem& y) {
                            return x.name == y.name && x.test == y.test;
                          }),
              items.end());
  const std::vector<ReplayedImage> replayed = replayer.Run(items, options.jobs, options.progress);
  std::map<std::string, const ReplayedImage*> by_name;
  for (const ReplayedImage& r : replayed) by_name[r.name] = &r;

  const ReturnPolicy policy = vision::EffectiveReturnPolicy(bundle.election);
  for (const CastVoteRecord& stored : bundle.records) {
    const auto it = by_name.find(ItemName(stored.image_sha256(), stored.test()));
    if (it == by_name.end()) continue;  // reported as missing above
    const ReplayedImage& image = *it->second;
    if (!image.status.ok()) {
      found.push_back({"image", stored.image_sha256(), std::string(image.status.message())});
      continue;
    }
    if (image.image_sha256 != stored.image_sha256()) {
      found.push_back({"image", stored.image_sha256(),
                       absl::StrCat("the image's content hashes to ", image.image_sha256,
                                    ": it is not the image the reader stored")});
    }
    CastVoteRecord again = scanner::MakeCastVoteRecord(
        {election_hash, bundle.info.reader_serial, stored.batch_id(), stored.image_sha256(),
         stored.test(), stored.cast_as_is(), stored.software()},
        image.interpretation);
    again.set_record_id(stored.record_id());
    const std::string difference = DescribeRecordDifference(stored, again);
    if (!difference.empty()) {
      found.push_back({"record", stored.record_id(), difference});
      result.differences.push_back({stored.record_id(), images.at(stored.image_sha256()),
                                    stored.test(), stored.interpretation(), image.interpretation});
    }
    const vision::BallotDecision decision = vision::DecideBallot(image.interpretation, policy);
    if (!stored.cast_as_is() && !decision.cast) {
      found.push_back({"record", stored.record_id(),
                       absl::StrCat("counted, but replay would return it to the voter: ",
                                    decision.return_reason)});
    }
    result.records.push_back(std::move(again));
  }
  result.live = TallyOf(result.records, false);
  result.test = TallyOf(result.records, true);

  std::optional<PrecinctProtocol> protocol;
  if (!bundle.protocol) {
    found.push_back({"protocol", kProtocolFile,
                     "the bundle holds no signed protocol: nothing in it is proved, its records, "
                     "log and images could all have been made up together"});
  } else {
    absl::StatusOr<PrecinctProtocol> verified =
        transport::VerifyProtocol(*bundle.protocol, options.expected_public_key);
    if (!verified.ok()) {
      found.push_back({"protocol", "signature", std::string(verified.status().message())});
    } else {
      if (options.expected_public_key.empty()) {
        result.notes.push_back(
            absl::StrCat("the protocol's signature was checked against the key it carries (",
                         transport::KeyId(bundle.protocol->signer_public_key()),
                         "): give --key to check that key is the reader's"));
      }
      CompareProtocol(*verified, bundle, result.live, found, result.notes);
      protocol = *std::move(verified);
    }
  }
  // Every revision the store kept: each signed with the reader's key, and the newest of each
  // ballot kind agrees with the replayed ballots of its kind (the one in protocol.signed.pb is
  // compared above).
  std::map<std::string, PrecinctProtocol> newest_of_kind;
  for (std::size_t i = 0; i < bundle.protocols.size(); ++i) {
    absl::StatusOr<PrecinctProtocol> verified =
        transport::VerifyProtocol(bundle.protocols[i], options.expected_public_key);
    if (!verified.ok()) {
      found.push_back({"protocol", absl::StrCat(kProtocolsFile, " entry ", i + 1),
                       absl::StrCat("signature: ", verified.status().message())});
      continue;
    }
    PrecinctProtocol& newest = newest_of_kind[verified->ballot_kind()];
    if (verified->revision() >= newest.revision()) newest = *std::move(verified);
  }
  for (const auto& [kind, newest] : newest_of_kind) {
    if (protocol && DeterministicBytes(newest) == DeterministicBytes(*protocol)) continue;
    CompareProtocol(newest, bundle, result.live, found, result.notes);
  }
  CheckCoverage(bundle, protocol ? &*protocol : nullptr, found, result.notes);
  const std::size_t unreferenced =
      std::count_if(bundle.image_hashes.begin(), bundle.image_hashes.end(),
                    [&](const std::string& sha) { return !referenced.contains(sha); });
  if (unreferenced > 0) {
    result.notes.push_back(absl::StrCat(unreferenced,
                                        " image(s) have no cast-vote record: sheets returned to "
                                        "voters or taken back, not counted, and not covered by "
                                        "the protocol"));
  }
  SortDiscrepancies(found);
  return result;
}

absl::StatusOr<AuditResult> ReplayImageDirectory(const fs::path& directory,
                                                 const Election& election, const Replayer& replayer,
                                                 bool test, int jobs,
                                                 const ReplayProgress& progress) {
  absl::StatusOr<std::vector<DirectoryEntry>> entries = ListInside(directory, 0);
  if (!entries.ok()) return entries.status();
  AuditResult result;
  std::vector<ReplayItem> items;
  for (const DirectoryEntry& entry : *entries) {
    if (entry.kind == EntryKind::kSymlink) {
      result.notes.push_back(
          absl::StrCat(PrintableName(entry.name), ": a symbolic link, not followed"));
    }
    if (entry.kind == EntryKind::kFile)
      items.push_back({entry.name, {directory, entry.name}, test});
  }
  if (items.empty()) {
    return absl::NotFoundError(absl::StrCat("no image files in ", directory.string()));
  }
  const std::string election_hash = ElectionHash(election);
  for (const ReplayedImage& image : replayer.Run(std::move(items), jobs, progress)) {
    if (!image.status.ok()) {
      result.notes.push_back(absl::StrCat(PrintableName(image.name), ": ", image.status.message()));
      continue;
    }
    if (!image.interpretation.accepted()) {
      result.notes.push_back(absl::StrCat(PrintableName(image.name), ": not read as a ballot, ",
                                          RejectionReason_Name(image.interpretation.reason())));
      continue;
    }
    CastVoteRecord record = scanner::MakeCastVoteRecord(
        {election_hash, "", "replay", image.image_sha256, test, false}, image.interpretation);
    record.set_record_id(image.name);
    result.records.push_back(std::move(record));
  }
  result.live = TallyOf(result.records, false);
  result.test = TallyOf(result.records, true);
  return result;
}

}  // namespace esep::audit
