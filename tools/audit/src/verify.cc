#include "esep/audit/verify.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "esep/audit/json.h"
#include "esep/audit/safe_path.h"
#include "esep/proto/election.h"
#include "esep/proto/record_hash.h"
#include "esep/proto/sha256.h"
#include "esep/scanner/cast_vote_record.h"
#include "esep/transport/signing.h"
#include "esep/vision/return_policy.h"

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
  if (protocol.ballots_in_stationary_box() != static_cast<std::uint64_t>(live.ballots_cast)) {
    found.push_back(
        {"protocol", "L6",
         absl::StrCat("ballots in the stationary box: protocol ",
                      protocol.ballots_in_stationary_box(), ", replay ", live.ballots_cast)});
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
    if (!seen.contains(key) && count > 0) {
      found.push_back({"protocol", absl::StrCat(key.first, "/", key.second),
                       absl::StrCat("votes: not in the protocol, replay ", count)});
    }
  }
  if (!protocol.event_log_head_hash().empty() &&
      std::none_of(bundle.events.begin(), bundle.events.end(),
                   [&](const LogEvent& e) { return e.hash() == protocol.event_log_head_hash(); })) {
    found.push_back({"protocol", "event_log_head_hash",
                     "the event-log entry the protocol was signed after is not in the log"});
  }
  // The root hash binds the protocol to exactly the bundle's live cast-vote records.
  std::vector<CastVoteRecord> live_records;
  for (const CastVoteRecord& record : bundle.records) {
    if (!record.test()) live_records.push_back(record);
  }
  if (!protocol.records_root_hash().empty() &&
      protocol.records_root_hash() != RecordsRootHash(live_records)) {
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
    CastVoteRecord again =
        scanner::MakeCastVoteRecord({election_hash, bundle.info.reader_serial, stored.batch_id(),
                                     stored.image_sha256(), stored.test(), stored.cast_as_is()},
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

  if (!bundle.protocol) {
    result.notes.push_back(absl::StrCat("the bundle holds no signed protocol (", kProtocolFile,
                                        "): the published numbers are not checked"));
  } else {
    absl::StatusOr<PrecinctProtocol> protocol =
        transport::VerifyProtocol(*bundle.protocol, options.expected_public_key);
    if (!protocol.ok()) {
      found.push_back({"protocol", "signature", std::string(protocol.status().message())});
    } else {
      if (options.expected_public_key.empty()) {
        result.notes.push_back(
            absl::StrCat("the protocol's signature was checked against the key it carries (",
                         transport::KeyId(bundle.protocol->signer_public_key()),
                         "): give --key to check that key is the reader's"));
      }
      CompareProtocol(*protocol, bundle, result.live, found, result.notes);
    }
  }
  const std::size_t unreferenced =
      std::count_if(bundle.image_hashes.begin(), bundle.image_hashes.end(),
                    [&](const std::string& sha) { return !referenced.contains(sha); });
  if (unreferenced > 0) {
    result.notes.push_back(absl::StrCat(unreferenced,
                                        " image(s) have no cast-vote record: sheets returned to "
                                        "voters or taken back, not counted"));
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
