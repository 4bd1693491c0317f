// Signing keys in a PKCS#11 token (SoftHSM2, a real token implementation): the key is made inside
// the token, signs protocols and receipts that verify with its public key, and every failure
// (wrong PIN, missing token or key, a PIN file others can read) is an error that says what to do.
#include "esep/transport/key_store.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "esep/transport/signing.h"
#include "scratch_directory.h"

namespace esep::transport {
namespace {

constexpr char kModule[] = "/usr/lib/softhsm/libsofthsm2.so";
constexpr char kPin[] = "271828";

// A fresh SoftHSM2 token store with one initialised token labelled "esep-test".
class TokenKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // SoftHSM2 stays mapped for the whole process (RTLD_NODELETE), though each token closes and
    // unloads it: LeakSanitizer can then name its frames at exit, and tests/lsan.supp suppresses
    // the ASN.1 string it leaks, by its library, under a sanitizer build.
    static void* const kept_loaded = ::dlopen(kModule, RTLD_NOW | RTLD_NODELETE);
    (void)kept_loaded;
    dir_ = testing::FreshDirectory("key_store");
    std::filesystem::create_directories(dir_ / "tokens");
    const std::filesystem::path conf = dir_ / "softhsm2.conf";
    std::ofstream(conf) << "directories.tokendir = " << (dir_ / "tokens").string()
                        << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
    const std::string init =
        "softhsm2-util --init-token --free --label esep-test --so-pin 31415 "
        "--pin " +
        std::string(kPin) + " >/dev/null";
    ASSERT_EQ(std::system(init.c_str()), 0) << "softhsm2-util could not make a token";
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  TokenKeyOptions Options(std::string key_label = "reader") const {
    return {kModule, "esep-test", std::move(key_label), kPin};
  }

  std::filesystem::path dir_;
};

TEST_F(TokenKeyTest, KeyMadeInTheTokenSignsProtocolsThatVerifyWithItsPublicKey) {
  absl::StatusOr<std::string> public_key = GenerateTokenKey(Options());
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  ASSERT_EQ(public_key->size(), kPublicKeySize);

  absl::StatusOr<std::unique_ptr<Signer>> signer = OpenTokenKey(Options());
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_TRUE((*signer)->in_token());
  EXPECT_EQ((*signer)->public_key(), *public_key);
  EXPECT_EQ((*signer)->Description(), "PKCS#11 token \"esep-test\", key \"reader\"");

  PrecinctProtocol protocol;
  protocol.set_precinct_id("1001");
  protocol.set_voters_on_list(2150);
  absl::StatusOr<SignedProtocol> signed_protocol = SignProtocol(protocol, **signer);
  ASSERT_TRUE(signed_protocol.ok()) << signed_protocol.status();
  absl::StatusOr<PrecinctProtocol> verified = VerifyProtocol(*signed_protocol, *public_key);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->voters_on_list(), 2150u);

  ReceiptBody body;
  body.set_precinct_id("1001");
  absl::StatusOr<Receipt> receipt = SignReceipt(body, **signer);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_TRUE(VerifyReceipt(*receipt, *public_key).ok());
  // The domains stay apart: a receipt signature is no protocol signature.
  SignedProtocol forged = *signed_protocol;
  forged.set_signature(receipt->signature());
  EXPECT_FALSE(VerifyProtocol(forged, *public_key).ok());
}

TEST_F(TokenKeyTest, SignaturesAreDeterministicEd25519AsWithAFileKey) {
  ASSERT_TRUE(GenerateTokenKey(Options()).ok());
  absl::StatusOr<std::unique_ptr<Signer>> signer = OpenTokenKey(Options());
  ASSERT_TRUE(signer.ok()) << signer.status();
  absl::StatusOr<std::string> a = (*signer)->Sign(SigningDomain::kPrecinctProtocol, "lines");
  absl::StatusOr<std::string> b = (*signer)->Sign(SigningDomain::kPrecinctProtocol, "lines");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), kSignatureSize);
  EXPECT_EQ(*a, *b);  // RFC 8032 Ed25519 is deterministic
  EXPECT_TRUE(
      VerifySignature(SigningDomain::kPrecinctProtocol, "lines", *a, (*signer)->public_key()).ok());
}

TEST_F(TokenKeyTest, ALabelIsNeverGivenToASecondKey) {
  ASSERT_TRUE(GenerateTokenKey(Options()).ok());
  absl::StatusOr<std::string> again = GenerateTokenKey(Options());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists) << again.status();
  absl::StatusOr<std::string> other = GenerateTokenKey(Options("centre"));
  ASSERT_TRUE(other.ok()) << other.status();
  absl::StatusOr<std::unique_ptr<Signer>> reader = OpenTokenKey(Options("reader"));
  ASSERT_TRUE(reader.ok());
  EXPECT_NE((*reader)->public_key(), *other);
}

TEST_F(TokenKeyTest, WrongPinMissingTokenAndMissingKeyAreRefusedWithTheReason) {
  ASSERT_TRUE(GenerateTokenKey(Options()).ok());
  TokenKeyOptions wrong_pin = Options();
  wrong_pin.pin = "000000";
  absl::StatusOr<std::unique_ptr<Signer>> s = OpenTokenKey(wrong_pin);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("the PIN is wrong"), std::string::npos) << s.status();

  TokenKeyOptions no_token = Options();
  no_token.token_label = "nowhere";
  s = OpenTokenKey(no_token);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound) << s.status();

  s = OpenTokenKey(Options("no-such-key"));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound) << s.status();

  TokenKeyOptions no_module = Options();
  no_module.module = (dir_ / "missing.so").string();
  s = OpenTokenKey(no_module);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound) << s.status();
}

TEST_F(TokenKeyTest, PinFileReadableByOthersIsRefused) {
  const std::filesystem::path pin = dir_ / "pin";
  std::ofstream(pin) << kPin << "\n";
  ASSERT_EQ(::chmod(pin.c_str(), 0644), 0);
  absl::StatusOr<std::string> read = ReadPinFile(pin);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kPermissionDenied) << read.status();
  ASSERT_EQ(::chmod(pin.c_str(), 0600), 0);
  read = ReadPinFile(pin);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, kPin);
  EXPECT_FALSE(ReadPinFile(dir_ / "absent").ok());
}

TEST(FileSignerTest, FileKeySaysItIsForDevelopment) {
  std::unique_ptr<Signer> signer = MakeFileSigner(SigningKey::Generate(), "/tmp/reader.key");
  EXPECT_FALSE(signer->in_token());
  EXPECT_EQ(signer->Description(), "file key /tmp/reader.key (development only)");
  absl::StatusOr<std::string> signature = signer->Sign(SigningDomain::kReceipt, "x");
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(VerifySignature(SigningDomain::kReceipt, "x", *signature, signer->public_key()).ok());
}

}  // namespace
}  // namespace esep::transport
