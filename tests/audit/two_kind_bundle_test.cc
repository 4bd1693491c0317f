// The export bundle of an election day with two ballots per voter (10 January 2021: presidential
// and referendum sheets in one box): every signed protocol revision of the precinct travels in
// the bundle, the day replays bit for bit, and a changed protocol of one kind is caught.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "../scanner/test_sheets.h"
#include "esep/audit/bundle.h"
#include "esep/audit/json.h"
#include "esep/audit/verify.h"
#include "esep/proto/election.h"
#include "esep/proto/record_hash.h"
#include "esep/scanner/precinct.h"
#include "esep/scanner/simulated_reader.h"
#include "esep/transport/signing.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/delimited_message_util.h"

namespace esep::audit {
namespace {

namespace fs = std::filesystem;

constexpr char kElection[] = "fixtures/elections/january-2021.json";

std::string Delimited(const std::vector<SignedProtocol>& protocols) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    for (const SignedProtocol& p : protocols) {
      EXPECT_TRUE(google::protobuf::util::SerializeDelimitedToZeroCopyStream(p, &stream));
    }
  }
  return bytes;
}

class TwoKindBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Election> e = LoadElectionFile(kElection);
    ASSERT_TRUE(e.ok()) << e.status();
    election_ = *e;
    root_ = scanner::testing::ScratchDirectory("esep-two-kind-bundle");
    data_ = root_ / "data";
    RunElectionDay();
  }
  void TearDown() override { fs::remove_all(root_); }

  scanner::SheetImage Sheet(const std::string& style, const std::string& option, bool test) {
    return scanner::testing::PrintedSheet(election_, style, "1001", {option}, CROSS, test, ++seed_);
  }

  static CommissionLines Lines(const std::string& kind, std::uint64_t cast,
                               std::uint64_t received) {
    CommissionLines lines;
    lines.set_ballot_kind(kind);
    lines.set_voters_on_list(2150);
    lines.set_ballots_received(received);
    lines.set_ballots_issued_in_room(cast);
    lines.set_ballots_cancelled(received - cast);
    return lines;
  }

  // A test ballot of each kind, then five voters' sheets of both kinds in mixed order (one voter
  // cast only the presidential sheet), the protocol of each kind signed, and a correction to the
  // referendum protocol alone: revisions 1 (president), 2 (referendum), 3 (referendum).
  void RunElectionDay() {
    scanner::SimulatedReader reader(
        {Sheet("president", "japarov", true), Sheet("referendum", "presidential", true),
         Sheet("president", "japarov", false), Sheet("referendum", "presidential", false),
         Sheet("referendum", "parliamentary", false), Sheet("president", "madumarov", false),
         Sheet("president", "japarov", false), Sheet("referendum", "against-both", false),
         Sheet("president", "tolbaev", false), Sheet("president", "japarov", false),
         Sheet("referendum", "presidential", false)},
        {});
    scanner::FixedClock clock(1'610'265'600);
    scanner::ProtocolSigner signer = [this](const PrecinctProtocol& protocol) {
      return absl::StatusOr<SignedProtocol>(transport::SignProtocol(protocol, key_));
    };
    absl::StatusOr<std::unique_ptr<scanner::Precinct>> opened =
        scanner::Precinct::Open({election_, "1001", data_, std::nullopt, signer}, reader, clock);
    ASSERT_TRUE(opened.ok()) << opened.status();
    scanner::Precinct& p = **opened;
    ASSERT_TRUE(p.StartTest().ok());
    for (int i = 0; i < 2; ++i) ASSERT_EQ(p.FeedSheet()->outcome, scanner::SheetOutcome::kCast);
    ASSERT_TRUE(p.FinishTest().ok());
    ASSERT_TRUE(p.OpenPolls().ok());
    for (int i = 0; i < 9; ++i) ASSERT_EQ(p.FeedSheet()->outcome, scanner::SheetOutcome::kCast);
    ASSERT_TRUE(p.ClosePolls().ok());
    ASSERT_TRUE(p.EnterCommissionLines(Lines("president", 5, 100)).ok());
    absl::StatusOr<scanner::StoredProtocol> president = p.FinalizeProtocol("president");
    ASSERT_TRUE(president.ok()) << president.status();
    ASSERT_TRUE(p.EnterCommissionLines(Lines("referendum", 4, 100)).ok());
    absl::StatusOr<scanner::StoredProtocol> referendum = p.FinalizeProtocol("referendum");
    ASSERT_TRUE(referendum.ok()) << referendum.status();
    ASSERT_TRUE(p.EnterCommissionLines(Lines("referendum", 4, 110)).ok());
    absl::StatusOr<scanner::StoredProtocol> correction = p.FinalizeProtocol("referendum");
    ASSERT_TRUE(correction.ok()) << correction.status();
    EXPECT_EQ(correction->revision, 3u);
  }

  fs::path Export(const std::string& name) {
    ExportOptions options;
    options.data_directory = data_;
    options.election_file = kElection;
    options.generated_utc = "2021-01-10T20:00:00Z";
    absl::StatusOr<ExportSummary> summary = ExportBundle(options, root_ / name);
    EXPECT_TRUE(summary.ok()) << summary.status();
    if (summary.ok()) {
      EXPECT_TRUE(summary->protocol);
      EXPECT_EQ(summary->protocol_revisions, 3u);
    }
    return root_ / name;
  }

  AuditResult Verify(const fs::path& dir) {
    absl::StatusOr<Bundle> bundle = ReadBundle(dir);
    EXPECT_TRUE(bundle.ok()) << bundle.status();
    if (!bundle.ok()) return {};
    absl::StatusOr<Replayer> replayer =
        Replayer::Create(election_, bundle->info.precinct_id, bundle->thresholds);
    EXPECT_TRUE(replayer.ok()) << replayer.status();
    VerifyOptions options;
    options.jobs = 2;
    options.expected_public_key = key_.public_key();
    absl::StatusOr<AuditResult> result = VerifyBundle(*bundle, *replayer, options);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : AuditResult();
  }

  // Replaces the president protocol (revision 1) in the bundle with `changed`, and rewrites the
  // manifest, as someone would who changed the bundle on purpose.
  void ReplacePresidentProtocol(const fs::path& dir, const SignedProtocol& changed) {
    absl::StatusOr<Bundle> bundle = ReadBundle(dir);
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    std::vector<SignedProtocol> protocols = bundle->protocols;
    ASSERT_EQ(protocols.size(), 3u);
    protocols[0] = changed;
    ASSERT_TRUE(WriteFileBytes((dir / kProtocolsFile).string(), Delimited(protocols)).ok());
    ASSERT_TRUE(WriteManifest(dir).ok());
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

  PrecinctProtocol PresidentProtocol(const fs::path& dir) {
    absl::StatusOr<Bundle> bundle = ReadBundle(dir);
    EXPECT_TRUE(bundle.ok() && !bundle->protocols.empty());
    PrecinctProtocol protocol;
    if (bundle.ok() && !bundle->protocols.empty()) {
      EXPECT_TRUE(protocol.ParseFromString(bundle->protocols[0].protocol()));
    }
    return protocol;
  }

  Election election_;
  fs::path root_;
  fs::path data_;
  std::uint64_t seed_ = 0;
  transport::SigningKey key_ = transport::SigningKey::Generate();
};

TEST_F(TwoKindBundleTest, EveryProtocolOfBothKindsTravelsAndTheDayReplaysBitForBit) {
  const fs::path dir = Export("bundle");
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  ASSERT_EQ(bundle->protocols.size(), 3u);
  std::vector<std::pair<std::string, std::uint32_t>> kinds;
  for (const SignedProtocol& signed_protocol : bundle->protocols) {
    absl::StatusOr<PrecinctProtocol> p =
        transport::VerifyProtocol(signed_protocol, key_.public_key());
    ASSERT_TRUE(p.ok()) << p.status();
    kinds.emplace_back(p->ballot_kind(), p->revision());
  }
  EXPECT_EQ(kinds, (std::vector<std::pair<std::string, std::uint32_t>>{
                       {"president", 1}, {"referendum", 2}, {"referendum", 3}}));

  const AuditResult r = Verify(dir);
  EXPECT_TRUE(r.discrepancies.empty()) << Lines(r);
  EXPECT_TRUE(r.differences.empty());
  EXPECT_EQ(r.records.size(), 11u);  // two test sheets, nine live ones
  EXPECT_EQ(r.live.ballots_cast, 9);
  EXPECT_EQ(r.live.ballots_cast_by_style.at("president"), 5);
  EXPECT_EQ(r.live.ballots_cast_by_style.at("referendum"), 4);
}

TEST_F(TwoKindBundleTest, ChangedProtocolOfOneKindIsCaught) {
  const fs::path dir = Export("bundle");
  PrecinctProtocol changed = PresidentProtocol(dir);
  ASSERT_EQ(changed.ballot_kind(), "president");
  ASSERT_EQ(changed.contests(0).options(0).option_id(), "japarov");
  changed.mutable_contests(0)->mutable_options(0)->set_votes(
      changed.contests(0).options(0).votes() + 1);

  // The numbers changed under the reader's signature: the signature no longer holds.
  absl::StatusOr<Bundle> bundle = ReadBundle(dir);
  ASSERT_TRUE(bundle.ok());
  SignedProtocol unsigned_change = bundle->protocols[0];
  unsigned_change.set_protocol(DeterministicBytes(changed));
  ReplacePresidentProtocol(dir, unsigned_change);
  AuditResult r = Verify(dir);
  EXPECT_TRUE(Has(r, "protocol", std::string(kProtocolsFile) + " entry 1")) << Lines(r);

  // Signed again with the reader's own key: the signature holds, the replay of the presidential
  // sheets does not agree with it.
  ReplacePresidentProtocol(dir, transport::SignProtocol(changed, key_));
  r = Verify(dir);
  EXPECT_FALSE(Has(r, "protocol", std::string(kProtocolsFile) + " entry 1")) << Lines(r);
  EXPECT_TRUE(Has(r, "protocol", "president/japarov")) << Lines(r);
}

}  // namespace
}  // namespace esep::audit
