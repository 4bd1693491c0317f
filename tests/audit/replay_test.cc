// Replay against bundles exported from a real Precinct run over printed ballots: an untouched
// bundle is proved, the output does not depend on the number of workers, and each kind of
// tampering is caught and named.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include "../scanner/test_sheets.h"
#include "esep/audit/bundle.h"
#include "esep/audit/json.h"
#include "esep/audit/nist.h"
#include "esep/audit/verify.h"
#include "esep/proto/election.h"
#include "esep/proto/record_hash.h"
#include "esep/scanner/precinct.h"
#include "esep/scanner/simulated_reader.h"
#include "esep/transport/signing.h"
#include "google/protobuf/util/json_util.h"

namespace esep::audit {
namespace {

namespace fs = std::filesystem;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The protocol a commission would sign for the store's live tally.
PrecinctProtocol ProtocolFor(const scanner::Tally& tally, const Election& election,
                             const std::string& reader_serial, const std::string& head_hash,
                             const std::string& root_hash) {
  PrecinctProtocol p;
  p.set_election_id(election.id());
  p.set_election_hash(ElectionHash(election));
  p.set_precinct_id("1002");
  p.set_reader_serial(reader_serial);
  p.set_status(FINAL);
  p.set_revision(1);
  const auto cast = static_cast<std::uint64_t>(tally.ballots_cast);
  p.set_voters_on_list(1870);
  p.set_ballots_received(100);
  p.set_ballots_issued_in_room(cast);
  p.set_ballots_cancelled(100 - cast);
  p.set_ballots_in_stationary_box(cast);
  p.set_event_log_head_hash(head_hash);
  p.set_records_root_hash(root_hash);
  for (const Contest& contest : election.contests()) {
    ContestResult* c = p.add_contests();
    c->set_contest_id(contest.id());
    c->set_vote_for(contest.vote_for());
    std::uint64_t valid = 0;
    for (const Option& option : contest.options()) {
      OptionVotes* o = c->add_options();
      o->set_option_id(option.id());
      const auto it = tally.votes.find({contest.id(), option.id()});
      o->set_votes(it == tally.votes.end() ? 0 : static_cast<std::uint64_t>(it->second));
      valid += o->votes();
    }
    c->set_valid_ballots(valid);
    c->set_invalid_ballots(cast - valid);
  }
  return p;
}

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> e = LoadElectionFile("fixtures/elections/referendum-2021.json");
    ASSERT_TRUE(e.ok()) << e.status();
    election_ = *e;
    root_ = scanner::testing::ScratchDirectory("esep-replay");
    data_ = root_ / "data";
    RunElectionDay();
  }
  void TearDown() override { fs::remove_all(root_); }

  scanner::SheetImage Sheet(const std::string& option, bool test, std::uint64_t seed) {
    return scanner::testing::PrintedSheet(election_, "referendum", "1002", {option}, CROSS, test,
                                          seed);
  }

  // Two test ballots, then six live ones (two of them the same print: one image, two records),
  // polls closed, and the protocol signed with the reader's key.
  void RunElectionDay() {
    scanner::SimulatedReader reader(
        {Sheet("presidential", true, 1), Sheet("parliamentary", true, 2),
         Sheet("presidential", false, 3), Sheet("presidential", false, 4),
         Sheet("parliamentary", false, 5), Sheet("against-both", false, 6),
         Sheet("presidential", false, 7), Sheet("presidential", false, 7)},
        {});
    scanner::FixedClock clock(1'610'265'600);
    absl::StatusOr<std::unique_ptr<scanner::Precinct>> p =
        scanner::Precinct::Open({election_, "1002", data_, std::nullopt}, reader, clock);
    ASSERT_TRUE(p.ok()) << p.status();
    ASSERT_TRUE((*p)->StartTest().ok());
    for (int i = 0; i < 2; ++i) ASSERT_EQ((*p)->FeedSheet()->outcome, scanner::SheetOutcome::kCast);
    ASSERT_TRUE((*p)->FinishTest().ok());
    ASSERT_TRUE((*p)->OpenPolls().ok());
    for (int i = 0; i < 6; ++i) ASSERT_EQ((*p)->FeedSheet()->outcome, scanner::SheetOutcome::kCast);
    ASSERT_TRUE((*p)->ClosePolls().ok());
    absl::StatusOr<scanner::Tally> tally = (*p)->store().GetTally(false);
    ASSERT_TRUE(tally.ok());
    absl::StatusOr<std::vector<LogEvent>> events = (*p)->store().Events();
    ASSERT_TRUE(events.ok());
    absl::StatusOr<std::vector<CastVoteRecord>> records = (*p)->store().Records(false);
    ASSERT_TRUE(records.ok());
    const SignedProtocol signed_protocol =
        transport::SignProtocol(ProtocolFor(*tally, election_, records->front().reader_serial(),
                                            events->back().hash(), RecordsRootHash(*records)),
                                key_);
    ASSERT_TRUE(
        WriteFileBytes((data_ / kProtocolFile).string(), signed_protocol.SerializeAsString()).ok());
  }

  fs::path Export(const std::string& name, bool with_protocol = true) {
    if (!with_protocol) fs::remove(data_ / kProtocolFile);
    ExportOptions options;
    options.data_directory = data_;
    options.election_file = "fixtures/elections/referendum-2021.json";
    options.generated_utc = "2021-01-10T20:00:00Z";
    absl::StatusOr<ExportSummary> summary = ExportBundle(options, root_ / name);
    EXPECT_TRUE(summary.ok()) << summary.status();
    return root_ / name;
  }

  AuditResult Verify(const fs::path& dir, int jobs, const std::string& key = "") {
    absl::StatusOr<Bundle> bundle = ReadBundle(dir);
    EXPECT_TRUE(bundle.ok()) << bundle.status();
    if (!bundle.ok()) return {};
    absl::StatusOr<Replayer> replayer =
        Replayer::Create(election_, bundle->info.precinct_id, bundle->thresholds);
    EXPECT_TRUE(replayer.ok()) << replayer.status();
    VerifyOptions options;
    options.jobs = jobs;
    options.expected_public_key = key;
    absl::StatusOr<AuditResult> result = VerifyBundle(*bundle, *replayer, options);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : AuditResult();
  }

  static std::string Lines(const AuditResult& r) {
    std::string out;
    for (const Discrepancy& d : r.discrepancies) out += d.Line() + "\n";
    return out;
  }
  static bool Has(const AuditResult& r, const std::string& kind, const std::string& subject) {
    return std::any_of(r.discrepancies.begin(), r.discrepancies.end(), [&](const Discrepancy& d) {
      return d.kind == kind && d.subject == subject;
    });
  }

  Election election_;
  fs::path root_;
  fs::path data_;
  transport::SigningKey key_ = transport::SigningKey::Generate();
};

TEST_F(ReplayTest, UntouchedBundleFromAPrecinctRunIsProved) {
  const fs::path dir = Export("bundle");
  const AuditResult r = Verify(dir, 2, key_.public_key());
  EXPECT_TRUE(r.proved()) << Lines(r);
  EXPECT_EQ(r.records.size(), 8u);
  EXPECT_EQ(r.live.ballots_cast, 6);
  EXPECT_EQ(r.test.ballots_cast, 2);
  EXPECT_EQ((r.live.votes.at({"form-of-government", "presidential"})), 4);
}

// Every file of a directory with its bytes' hash.
std::map<std::string, std::string> Snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    absl::StatusOr<std::string> bytes = ReadFileBytes(entry.path().string());
    files[fs::relative(entry.path(), dir).string()] = bytes.ok() ? *bytes : "unreadable";
  }
  return files;
}

TEST_F(ReplayTest, ExportLeavesTheDataDirectoryUntouched) {
  const std::map<std::string, std::string> before = Snapshot(data_);
  Export("bundle");
  const std::map<std::string, std::string> after = Snapshot(data_);
  for (const auto& [file, bytes] : after) {
    EXPECT_TRUE(before.contains(file) && before.at(file) == bytes) << file << " created or changed";
  }
  EXPECT_EQ(before.size(), after.size());
}

TEST_F(ReplayTest, BundleCarriesEveryPartListedInItsManifest) {
  const fs::path dir = Export("bundle");
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  for (const char* file : {kBundleInfoFile, kElectionFile, kCalibrationFile, kRecordsFile,
                           kEventsFile, kProtocolFile, kCvrJsonFile, kEventLogJsonFile}) {
    EXPECT_TRUE(bundle->manifest.contains(file)) << file;
  }
  EXPECT_EQ(bundle->image_hashes.size(), 7u) << "eight sheets, two of them the same print";
  EXPECT_TRUE(CheckManifest(*bundle).empty());
  absl::StatusOr<std::string> cvr = ReadFileBytes((dir / kCvrJsonFile).string());
  ASSERT_TRUE(cvr.ok());
  EXPECT_TRUE(Contains(*cvr, "\"MarkMetricValue\":[\"")) << "scores are in the NIST CVRs";
  EXPECT_TRUE(Contains(*cvr, bundle->records.front().image_sha256()));
  EXPECT_TRUE(ParseJson(*cvr).ok());
  absl::StatusOr<std::string> log = ReadFileBytes((dir / kEventLogJsonFile).string());
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE(ParseJson(*log).ok());
  EXPECT_TRUE(Contains(*log, bundle->events.back().hash()));
}

TEST_F(ReplayTest, OutputIsByteIdenticalForOneAndSeveralWorkers) {
  const fs::path dir = Export("bundle");
  const AuditResult one = Verify(dir, 1);
  const AuditResult several = Verify(dir, 3);
  const NistReportInfo info{"sim", "1002", "2021-01-10T20:00:00Z"};
  EXPECT_EQ(CastVoteRecordReportJson(election_, one.records, info),
            CastVoteRecordReportJson(election_, several.records, info));
  EXPECT_EQ(FormatTally(one.live), FormatTally(several.live));
  EXPECT_EQ(Lines(one), Lines(several));

  absl::StatusOr<Replayer> replayer = Replayer::Create(election_, "1002", std::nullopt);
  ASSERT_TRUE(replayer.ok());
  absl::StatusOr<AuditResult> a =
      ReplayImageDirectory(dir / kImagesDirectory, election_, *replayer, false, 1);
  absl::StatusOr<AuditResult> b =
      ReplayImageDirectory(dir / kImagesDirectory, election_, *replayer, false, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->records.size(), 5u) << "five distinct live prints; test ballots are refused live";
  EXPECT_EQ(CastVoteRecordReportJson(election_, a->records, info),
            CastVoteRecordReportJson(election_, b->records, info));
  EXPECT_EQ(a->notes, b->notes);
}

TEST_F(ReplayTest, BundleWithoutProtocolProvesNothing) {
  const fs::path dir = Export("bundle", /*with_protocol=*/false);
  const AuditResult r = Verify(dir, 2, key_.public_key());
  EXPECT_FALSE(r.proved()) << Lines(r);
  ASSERT_TRUE(Has(r, "protocol", kProtocolFile)) << Lines(r);
  EXPECT_TRUE(Contains(Lines(r), "no signed protocol")) << Lines(r);
}

// A forger re-votes one live ballot: its record takes another ballot's image and reading, so
// replay reproduces it byte for byte, and the protocol whose root hash would name it is dropped.
TEST_F(ReplayTest, RevotedRecordInABundleWithoutItsProtocolIsNotProved) {
  const fs::path dir = Export("bundle");
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  CastVoteRecord* victim = nullptr;
  const CastVoteRecord* donor = nullptr;
  for (CastVoteRecord& r : bundle->records) {
    if (r.test()) continue;
    const std::string& choice = r.interpretation().contests(0).selections(0);
    if (choice == "parliamentary") victim = &r;
    if (choice == "presidential") donor = &r;
  }
  ASSERT_TRUE(victim != nullptr && donor != nullptr);
  CastVoteRecord revoted = *donor;
  revoted.set_record_id(victim->record_id());
  revoted.set_batch_id(victim->batch_id());
  *victim = revoted;
  ASSERT_TRUE(WriteRecords(dir / kRecordsFile, bundle->records).ok());
  fs::remove(dir / kProtocolFile);
  fs::remove(dir / kResultsJsonFile);
  ASSERT_TRUE(WriteManifest(dir).ok());
  const AuditResult r = Verify(dir, 2, key_.public_key());
  EXPECT_FALSE(r.proved()) << Lines(r);
  EXPECT_TRUE(Has(r, "protocol", kProtocolFile)) << Lines(r);
}

// The NIST reports are not covered by the protocol's hashes: each is regenerated from the
// covered data and compared byte for byte.
TEST_F(ReplayTest, ChangedNistReportIsCaught) {
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> edits = {
      {kCvrJsonFile, {"\"NumberVotes\":1", "\"NumberVotes\":2"}},
      {kEventLogJsonFile, {"\"Disposition\":\"success\"", "\"Disposition\":\"failure\""}},
      {kResultsJsonFile, {"\"Count\": 4", "\"Count\": 5"}}};
  for (const auto& [file, edit] : edits) {
    const fs::path dir = Export(file);
    absl::StatusOr<std::string> bytes = ReadFileBytes((dir / file).string());
    ASSERT_TRUE(bytes.ok()) << file;
    const std::size_t at = bytes->find(edit.first);
    ASSERT_NE(at, std::string::npos) << file;
    bytes->replace(at, edit.first.size(), edit.second);
    ASSERT_TRUE(WriteFileBytes((dir / file).string(), *bytes).ok());
    ASSERT_TRUE(WriteManifest(dir).ok());
    const AuditResult r = Verify(dir, 1, key_.public_key());
    EXPECT_FALSE(r.proved()) << file;
    EXPECT_TRUE(Has(r, "bundle", file)) << Lines(r);
  }
}

TEST_F(ReplayTest, RecordIdThatIsNotAPlainNameIsRefused) {
  const fs::path dir = Export("bundle");
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  bundle->records.back().set_record_id("../../../../tmp/esep-escaped");
  ASSERT_TRUE(WriteRecords(dir / kRecordsFile, bundle->records).ok());
  ASSERT_TRUE(WriteManifest(dir).ok());
  absl::StatusOr<Bundle> forged = ReadBundle(dir);
  ASSERT_FALSE(forged.ok());
  EXPECT_TRUE(Contains(std::string(forged.status().message()), "record id")) << forged.status();
}

TEST_F(ReplayTest, SymbolicLinksInTheBundleAreNotFollowed) {
  const fs::path dir = Export("bundle");
  // The genuine manifest moved out of the bundle and linked back in: not read.
  fs::rename(dir / kManifestFile, root_ / "manifest-elsewhere.json");
  fs::create_symlink(root_ / "manifest-elsewhere.json", dir / kManifestFile);
  absl::StatusOr<Bundle> linked = ReadBundle(dir);
  ASSERT_FALSE(linked.ok()) << "a linked manifest was followed";
  EXPECT_TRUE(Contains(std::string(linked.status().message()), "symbolic link")) << linked.status();
  fs::remove(dir / kManifestFile);
  fs::rename(root_ / "manifest-elsewhere.json", dir / kManifestFile);

  // The genuine image moved out and linked back in: named, and not replayed.
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  const std::string sha = bundle->records.back().image_sha256();
  fs::rename(bundle->ImagePath(sha), root_ / "elsewhere.png");
  fs::create_symlink(root_ / "elsewhere.png", bundle->ImagePath(sha));
  const AuditResult r = Verify(dir, 1, key_.public_key());
  EXPECT_FALSE(r.proved()) << Lines(r);
  EXPECT_TRUE(Has(r, "manifest", "images/" + sha + ".png")) << Lines(r);
  EXPECT_TRUE(Has(r, "missing-image", bundle->records.back().record_id())) << Lines(r);
}

TEST_F(ReplayTest, DeeplyNestedManifestIsRefusedQuickly) {
  const fs::path dir = Export("bundle");
  const std::string deep =
      "{\"files\": " + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  ASSERT_TRUE(WriteFileBytes((dir / kManifestFile).string(), deep).ok());
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_FALSE(bundle.ok());
  EXPECT_TRUE(Contains(std::string(bundle.status().message()), "nested")) << bundle.status();
}

TEST_F(ReplayTest, SwappedImageIsCaughtAndNamed) {
  const fs::path dir = Export("bundle");
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  ASSERT_TRUE(bundle.ok());
  // A forger puts another ballot's image under a record's name and fixes the manifest.
  const CastVoteRecord& victim = bundle->records.back();
  std::string other;
  for (const CastVoteRecord& r : bundle->records) {
    if (r.test() == victim.test() && r.interpretation().contests(0).selections(0) !=
                                         victim.interpretation().contests(0).selections(0)) {
      other = r.image_sha256();
    }
  }
  ASSERT_FALSE(other.empty());
  fs::copy_file(bundle->ImagePath(other), bundle->ImagePath(victim.image_sha256()),
                fs::copy_options::overwrite_existing);
  ASSERT_TRUE(WriteManifest(dir).ok());
  const AuditResult r = Verify(dir, 2);
  EXPECT_FALSE(r.proved());
  EXPECT_TRUE(Has(r, "image", victim.image_sha256())) << Lines(r);
  EXPECT_TRUE(Has(r, "record", victim.record_id())) << Lines(r);
  ASSERT_FALSE(r.differences.empty());
  EXPECT_EQ(r.differences[0].reader.contests(0).selections(0),
            victim.interpretation().contests(0).selections(0));
}

TEST_F(ReplayTest, AlteredRecordIsCaughtAndNamed) {
  const fs::path dir = Export("bundle");
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  ASSERT_TRUE(bundle.ok());
  // A live record: the protocol's root hash covers live records only.
  CastVoteRecord& victim = *std::find_if(bundle->records.begin(), bundle->records.end(),
                                         [](const CastVoteRecord& r) { return !r.test(); });
  ContestReading* contest = victim.mutable_interpretation()->mutable_contests(0);
  contest->set_selections(
      0, contest->selections(0) == "parliamentary" ? "presidential" : "parliamentary");
  ASSERT_TRUE(WriteRecords(dir / kRecordsFile, bundle->records).ok());
  ASSERT_TRUE(WriteManifest(dir).ok());
  const AuditResult r = Verify(dir, 2, key_.public_key());
  EXPECT_FALSE(r.proved());
  EXPECT_TRUE(Has(r, "record", victim.record_id())) << Lines(r);
  // The signed protocol's root hash no longer covers the records either, nor does the NIST
  // report the forger left as it was say what the records now say.
  EXPECT_TRUE(Has(r, "protocol", "records_root_hash")) << Lines(r);
  EXPECT_TRUE(Has(r, "bundle", kCvrJsonFile)) << Lines(r);
  EXPECT_EQ(r.discrepancies.size(), 3u) << Lines(r);
}

TEST_F(ReplayTest, AlteredEventLogEntryIsCaughtAndNamed) {
  const fs::path dir = Export("bundle");
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  ASSERT_TRUE(bundle.ok());
  bundle->events[4].set_detail("sheet 1 never happened");
  ASSERT_TRUE(WriteEvents(dir / kEventsFile, bundle->events).ok());
  ASSERT_TRUE(WriteManifest(dir).ok());
  const AuditResult r = Verify(dir, 2);
  EXPECT_FALSE(r.proved());
  ASSERT_TRUE(Has(r, "event-log", kEventsFile)) << Lines(r);
  EXPECT_TRUE(Contains(Lines(r), "entry 5 was altered")) << Lines(r);
}

TEST_F(ReplayTest, DeletedRecordIsCaughtByTheLogsBallotCount) {
  const fs::path dir = Export("bundle");
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  ASSERT_TRUE(bundle.ok());
  auto live = std::find_if(bundle->records.begin(), bundle->records.end(),
                           [](const CastVoteRecord& r) { return !r.test(); });
  bundle->records.erase(live);
  ASSERT_TRUE(WriteRecords(dir / kRecordsFile, bundle->records).ok());
  ASSERT_TRUE(WriteManifest(dir).ok());
  const AuditResult r = Verify(dir, 1);
  EXPECT_TRUE(Has(r, "event-log", "ballot_cast")) << Lines(r);
  EXPECT_TRUE(Has(r, "protocol", "L6")) << Lines(r);
  EXPECT_TRUE(Has(r, "protocol", "records_root_hash")) << Lines(r);
}

TEST_F(ReplayTest, AlteredProtocolNumberIsCaughtAndNamed) {
  const fs::path dir = Export("bundle");
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  ASSERT_TRUE(bundle.ok() && bundle->protocol);
  PrecinctProtocol protocol;
  ASSERT_TRUE(protocol.ParseFromString(bundle->protocol->protocol()));
  protocol.mutable_contests(0)->mutable_options(0)->set_votes(
      protocol.contests(0).options(0).votes() + 1);
  const std::string option = protocol.contests(0).options(0).option_id();

  // Changed without a new signature: the signature no longer holds.
  SignedProtocol unsigned_change = *bundle->protocol;
  unsigned_change.set_protocol(DeterministicBytes(protocol));
  ASSERT_TRUE(
      WriteFileBytes((dir / kProtocolFile).string(), unsigned_change.SerializeAsString()).ok());
  ASSERT_TRUE(WriteManifest(dir).ok());
  AuditResult r = Verify(dir, 2);
  EXPECT_TRUE(Has(r, "protocol", "signature")) << Lines(r);

  // Re-signed with another key: refused against the reader's key, and the number itself is
  // named when only the envelope's key is at hand.
  const transport::SigningKey forger = transport::SigningKey::Generate();
  ASSERT_TRUE(WriteFileBytes((dir / kProtocolFile).string(),
                             transport::SignProtocol(protocol, forger).SerializeAsString())
                  .ok());
  ASSERT_TRUE(WriteManifest(dir).ok());
  r = Verify(dir, 2, key_.public_key());
  EXPECT_TRUE(Has(r, "protocol", "signature")) << Lines(r);
  r = Verify(dir, 2);
  EXPECT_TRUE(Has(r, "protocol", "form-of-government/" + option)) << Lines(r);
}

TEST_F(ReplayTest, FileChangedBehindTheManifestIsNamed) {
  const fs::path dir = Export("bundle");
  ASSERT_TRUE(
      WriteFileBytes((dir / kCalibrationFile).string(), "{\"definite\": 0.06, \"marginal\": 0.03}")
          .ok());
  const AuditResult r = Verify(dir, 1);
  EXPECT_TRUE(Has(r, "manifest", kCalibrationFile)) << Lines(r);
}

TEST_F(ReplayTest, ExportRefusesADefinitionOfAnotherElection) {
  Election other = election_;
  other.set_id("another");
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(other, &json).ok());
  ASSERT_TRUE(WriteFileBytes((root_ / "other.json").string(), json).ok());
  ExportOptions options;
  options.data_directory = data_;
  options.election_file = root_ / "other.json";
  absl::StatusOr<ExportSummary> wrong = ExportBundle(options, root_ / "bundle");
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(Contains(std::string(wrong.status().message()), "counted election"));
  options.election_file = "fixtures/elections/referendum-2021.json";
  options.data_directory = root_ / "nothing-here";
  absl::StatusOr<ExportSummary> missing = ExportBundle(options, root_ / "bundle");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(Contains(std::string(missing.status().message()), "esep.db"));
}

}  // namespace
}  // namespace esep::audit
