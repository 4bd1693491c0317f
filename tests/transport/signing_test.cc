#include "esep/transport/signing.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace esep::transport {
namespace {

class ScratchDir {
 public:
  ScratchDir() {
    char pattern[] = "/tmp/esep-signing-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

PrecinctProtocol SampleProtocol() {
  PrecinctProtocol protocol;
  protocol.set_election_id("party-list-2021");
  protocol.set_precinct_id("1001");
  protocol.set_revision(1);
  protocol.set_status(FINAL);
  protocol.set_ballots_in_stationary_box(412);
  ContestResult* contest = protocol.add_contests();
  contest->set_contest_id("list");
  contest->set_valid_ballots(400);
  OptionVotes* votes = contest->add_options();
  votes->set_option_id("ata-jurt");
  votes->set_votes(400);
  return protocol;
}

TEST(SigningTest, SignedProtocolVerifiesAndParses) {
  const SigningKey key = SigningKey::Generate();
  const SignedProtocol signed_protocol = SignProtocol(SampleProtocol(), key);
  absl::StatusOr<PrecinctProtocol> protocol = VerifyProtocol(signed_protocol, key.public_key());
  ASSERT_TRUE(protocol.ok()) << protocol.status();
  EXPECT_EQ(protocol->ballots_in_stationary_box(), 412u);
  EXPECT_EQ(protocol->contests(0).options(0).votes(), 400u);
}

TEST(SigningTest, RefusesOneChangedNumber) {
  const SigningKey key = SigningKey::Generate();
  SignedProtocol signed_protocol = SignProtocol(SampleProtocol(), key);
  PrecinctProtocol altered = SampleProtocol();
  altered.mutable_contests(0)->mutable_options(0)->set_votes(401);
  signed_protocol.set_protocol(altered.SerializeAsString());
  absl::StatusOr<PrecinctProtocol> protocol = VerifyProtocol(signed_protocol, key.public_key());
  EXPECT_EQ(protocol.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(SigningTest, RefusesEveryFlippedBit) {
  const SigningKey key = SigningKey::Generate();
  const SignedProtocol original = SignProtocol(SampleProtocol(), key);
  for (std::size_t byte = 0; byte < original.protocol().size(); ++byte) {
    SignedProtocol altered = original;
    (*altered.mutable_protocol())[byte] ^= 0x01;
    EXPECT_FALSE(VerifyProtocol(altered, key.public_key()).ok()) << "byte " << byte;
  }
}

TEST(SigningTest, RefusesAnotherReadersKey) {
  const SigningKey reader = SigningKey::Generate();
  const SigningKey forger = SigningKey::Generate();
  const SignedProtocol forged = SignProtocol(SampleProtocol(), forger);
  absl::StatusOr<PrecinctProtocol> protocol = VerifyProtocol(forged, reader.public_key());
  EXPECT_EQ(protocol.status().code(), absl::StatusCode::kPermissionDenied);
  // The same signature with the expected key claimed in the envelope.
  SignedProtocol relabelled = forged;
  relabelled.set_signer_public_key(reader.public_key());
  EXPECT_EQ(VerifyProtocol(relabelled, reader.public_key()).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(SigningTest, DomainsDoNotMix) {
  const SigningKey key = SigningKey::Generate();
  const SignedProtocol signed_protocol = SignProtocol(SampleProtocol(), key);
  // A protocol signature presented as a receipt is refused.
  Receipt receipt;
  receipt.set_body(signed_protocol.protocol());
  receipt.set_signature(signed_protocol.signature());
  receipt.set_signer_public_key(key.public_key());
  EXPECT_FALSE(VerifyReceipt(receipt, key.public_key()).ok());
}

TEST(SigningTest, ReceiptRoundTrip) {
  const SigningKey centre = SigningKey::Generate();
  ReceiptBody body;
  body.set_precinct_id("1001");
  body.set_revision(2);
  body.set_disposition(RECEIPT_CORRECTION);
  const Receipt receipt = SignReceipt(body, centre);
  absl::StatusOr<ReceiptBody> verified = VerifyReceipt(receipt, centre.public_key());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->revision(), 2u);
  EXPECT_EQ(verified->disposition(), RECEIPT_CORRECTION);
}

TEST(SigningTest, RefusesMalformedSignatureAndKey) {
  const SigningKey key = SigningKey::Generate();
  EXPECT_EQ(VerifySignature(SigningDomain::kReceipt, "x", "short", key.public_key()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      VerifySignature(SigningDomain::kReceipt, "x", std::string(kSignatureSize, 'a'), "k").code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(SigningTest, SeedGivesTheSameKeyAndSignature) {
  const std::array<std::uint8_t, kSeedSize> seed{1, 2, 3};
  absl::StatusOr<SigningKey> a = SigningKey::FromSeed(seed);
  absl::StatusOr<SigningKey> b = SigningKey::FromSeed(seed);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->public_key(), b->public_key());
  EXPECT_EQ(a->Sign(SigningDomain::kPrecinctProtocol, "m"),
            b->Sign(SigningDomain::kPrecinctProtocol, "m"));
  EXPECT_FALSE(SigningKey::FromSeed(std::span(seed.data(), 31)).ok());
}

TEST(KeyStorageTest, CreatesOnFirstStartWithOwnerOnlyPermissions) {
  ScratchDir dir;
  const std::filesystem::path path = dir.path() / "keys" / "reader.key";
  absl::StatusOr<SigningKey> created = LoadOrCreateKey(path);
  ASSERT_TRUE(created.ok()) << created.status();
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(std::filesystem::file_size(path), kSeedSize);

  absl::StatusOr<SigningKey> again = LoadOrCreateKey(path);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->public_key(), created->public_key());
  absl::StatusOr<std::string> published = LoadPublicKey(path.string() + ".pub");
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(*published, created->public_key());
}

// The break: a deleted reader key was silently replaced by a new one and its .pub overwritten.
TEST(KeyStorageTest, ALostKeyIsNotReplacedAndItsPublicKeyIsKept) {
  ScratchDir dir;
  const std::filesystem::path path = dir.path() / "keys" / "reader.key";
  ASSERT_TRUE(LoadOrCreateKey(path).ok());
  absl::StatusOr<std::string> published = LoadPublicKey(path.string() + ".pub");
  ASSERT_TRUE(published.ok());
  std::filesystem::remove(path);
  absl::StatusOr<SigningKey> again = LoadOrCreateKey(path);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("was lost"), std::string::npos) << again.status();
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(*LoadPublicKey(path.string() + ".pub"), *published);
}

TEST(KeyStorageTest, RefusesAKeyOthersMayRead) {
  ScratchDir dir;
  const std::filesystem::path path = dir.path() / "reader.key";
  ASSERT_TRUE(LoadOrCreateKey(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  absl::StatusOr<SigningKey> key = LoadKey(path);
  EXPECT_EQ(key.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(key.status().message().find("0644"), std::string::npos) << key.status();
}

TEST(KeyStorageTest, RefusesAMissingOrDamagedKey) {
  ScratchDir dir;
  EXPECT_EQ(LoadKey(dir.path() / "none.key").status().code(), absl::StatusCode::kNotFound);
  const std::filesystem::path path = dir.path() / "short.key";
  { std::ofstream(path) << "too short"; }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_EQ(LoadKey(path).status().code(), absl::StatusCode::kDataLoss);
}

TEST(KeyStorageTest, ParsesPublishedKeys) {
  EXPECT_FALSE(ParsePublicKeyHex("abc").ok());
  EXPECT_FALSE(ParsePublicKeyHex(std::string(64, 'z')).ok());
  absl::StatusOr<std::string> key = ParsePublicKeyHex(std::string(64, 'a') + "\n");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->size(), kPublicKeySize);
}

}  // namespace
}  // namespace esep::transport
