// The tabulation centre over real gRPC on loopback with mutual TLS: every refusal the issue
// lists, each with its status code, its reason and its alarm.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"
#include "esep/transport/delivery.h"
#include "esep/transport/protocol_client.h"
#include "esep/transport/signing.h"
#include "esep/transport/tabulation_centre.h"
#include "esep/transport/tabulation_server.h"
#include "tabulation_fixture.h"

namespace esep::transport {
namespace {

using testing::ScratchDir;

class TabulationServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new ScratchDir();
    testing::MakeCertificates(certs_->path(), {"R1", "R2"});
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  void SetUp() override {
    election_ = testing::PartyListElection();
    absl::StatusOr<std::unique_ptr<TabulationStore>> store =
        TabulationStore::Open((data_.path() / "tabulation.db").string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ASSERT_TRUE(
        store_
            ->RegisterReaders({{"1001", "R1", r1_.public_key(),
                                testing::FingerprintOf(certs_->path() / "reader-R1.pem"), 0},
                               {"1002", "R2", r2_.public_key(),
                                testing::FingerprintOf(certs_->path() / "reader-R2.pem"), 0}})
            .ok());
    centre_ = std::make_unique<TabulationCentre>(election_, SigningKey::Generate(), store_.get(),
                                                 [this](std::string_view line) {
                                                   std::lock_guard lock(log_mutex_);
                                                   log_.emplace_back(line);
                                                 });
    absl::StatusOr<std::unique_ptr<TabulationServer>> server =
        TabulationServer::Start(centre_.get(), {"127.0.0.1:0", testing::CentreTls(certs_->path())});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    server_.reset();
    centre_.reset();
    store_.reset();
  }

  ClientOptions Options(const std::string& serial) {
    ClientOptions options;
    options.target = absl::StrCat("127.0.0.1:", server_->port());
    options.tls = testing::ReaderTls(certs_->path(), serial);
    options.deadline = absl::Seconds(10);
    return options;
  }

  // Submits over the connection of reader `serial` (no client certificate when empty).
  absl::StatusOr<Receipt> Submit(const std::string& serial, const SignedProtocol& signed_protocol) {
    absl::StatusOr<std::unique_ptr<ProtocolClient>> client =
        ProtocolClient::Connect(Options(serial));
    if (!client.ok()) return client.status();
    return (*client)->Submit(signed_protocol);
  }

  SignedProtocol R1Protocol(std::uint32_t revision = 1, ProtocolStatus status = FINAL,
                            std::uint64_t variant = 0) {
    return SignProtocol(testing::ValidProtocol(election_, "1001", "R1", revision, status, variant),
                        r1_);
  }

  std::vector<Alarm> Alarms() {
    absl::StatusOr<std::vector<Alarm>> alarms = store_->Alarms();
    EXPECT_TRUE(alarms.ok()) << alarms.status();
    return alarms.ok() ? *alarms : std::vector<Alarm>{};
  }
  std::size_t StoredCount() { return store_->Protocols()->size(); }

  // Expects one refusal with `code` whose message and alarm contain `words`.
  void ExpectRefused(const absl::StatusOr<Receipt>& receipt, absl::StatusCode code,
                     const std::string& words) {
    ASSERT_FALSE(receipt.ok());
    EXPECT_EQ(receipt.status().code(), code) << receipt.status();
    EXPECT_NE(receipt.status().message().find(words), std::string::npos) << receipt.status();
    const std::vector<Alarm> alarms = Alarms();
    ASSERT_EQ(alarms.size(), 1u);
    EXPECT_EQ(alarms[0].code, absl::StatusCodeToString(code));
    EXPECT_NE(alarms[0].reason.find(words), std::string::npos) << alarms[0].reason;
    EXPECT_EQ(StoredCount(), 0u);
  }

  static ScratchDir* certs_;
  ScratchDir data_;
  Election election_;
  SigningKey r1_ = SigningKey::Generate();
  SigningKey r2_ = SigningKey::Generate();
  std::unique_ptr<TabulationStore> store_;
  std::unique_ptr<TabulationCentre> centre_;
  std::unique_ptr<TabulationServer> server_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

ScratchDir* TabulationServiceTest::certs_ = nullptr;

TEST_F(TabulationServiceTest, ValidProtocolIsStoredAndAnsweredWithCentreSignedReceipt) {
  const SignedProtocol signed_protocol = R1Protocol();
  absl::StatusOr<Receipt> receipt = Submit("R1", signed_protocol);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  absl::StatusOr<ReceiptBody> body = CheckReceipt(*receipt, signed_protocol, centre_->public_key());
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->disposition(), RECEIPT_ACCEPTED);
  absl::StatusOr<std::vector<StoredProtocol>> stored = store_->Protocols();
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].signed_protocol, signed_protocol.SerializeAsString());
  EXPECT_TRUE(Alarms().empty());
}

TEST_F(TabulationServiceTest, ForgedSignatureIsRefused) {
  // Signed by another key but claiming to come from R1's registered key.
  const SigningKey forger = SigningKey::Generate();
  SignedProtocol forged =
      SignProtocol(testing::ValidProtocol(election_, "1001", "R1", 1, FINAL), forger);
  forged.set_signer_public_key(r1_.public_key());
  ExpectRefused(Submit("R1", forged), absl::StatusCode::kUnauthenticated, "signature");
}

TEST_F(TabulationServiceTest, AlteredNumberAfterSigningIsRefused) {
  SignedProtocol altered = R1Protocol();
  PrecinctProtocol protocol = testing::ValidProtocol(election_, "1001", "R1", 1, FINAL, 3);
  altered.set_protocol(protocol.SerializeAsString());
  ExpectRefused(Submit("R1", altered), absl::StatusCode::kUnauthenticated, "signature");
}

TEST_F(TabulationServiceTest, ReaderNotRegisteredForThePrecinctIsRefused) {
  // R2 is registered for 1002 and signs a protocol of 1001.
  const SignedProtocol signed_protocol =
      SignProtocol(testing::ValidProtocol(election_, "1001", "R2", 1, FINAL), r2_);
  ExpectRefused(Submit("R2", signed_protocol), absl::StatusCode::kPermissionDenied,
                "is not registered for precinct \"1001\"");
}

TEST_F(TabulationServiceTest, RevokedReaderIsRefusedAndOtherReadersStillPass) {
  ASSERT_TRUE(store_->RevokeReader("1001", "R1", "reported stolen from the precinct").ok());
  ExpectRefused(Submit("R1", R1Protocol()), absl::StatusCode::kPermissionDenied, "was revoked at ");
  EXPECT_NE(Alarms()[0].reason.find("reported stolen from the precinct"), std::string::npos);
  // R2 of precinct 1002 is not affected.
  const SignedProtocol r2 =
      SignProtocol(testing::ValidProtocol(election_, "1002", "R2", 1, FINAL), r2_);
  EXPECT_TRUE(Submit("R2", r2).ok());
}

TEST_F(TabulationServiceTest, RegisteredKeyOverAnotherCertificateIsRefused) {
  ExpectRefused(Submit("R2", R1Protocol()), absl::StatusCode::kPermissionDenied,
                "must connect with its registered TLS certificate");
}

TEST_F(TabulationServiceTest, CertificateOfTheCaRegisteredForNoReaderIsRefused) {
  ExpectRefused(Submit("stranger", R1Protocol()), absl::StatusCode::kPermissionDenied,
                "CN=stranger");
}

TEST_F(TabulationServiceTest, BrokenControlRelationIsRefusedNamingTheRelation) {
  PrecinctProtocol protocol = testing::ValidProtocol(election_, "1001", "R1", 1, FINAL);
  protocol.set_voters_on_list(1000);
  ExpectRefused(Submit("R1", SignProtocol(protocol, r1_)), absl::StatusCode::kInvalidArgument,
                "L1 >= L3 + L4");
}

TEST_F(TabulationServiceTest, NumberThePrecinctCannotHaveIsRefusedOutOfRange) {
  ExpectRefused(
      Submit("R1",
             SignProtocol(testing::NearTwoToThe63Protocol(election_, "1001", "R1", 1, FINAL), r1_)),
      absl::StatusCode::kOutOfRange, "numbers precinct 1001 cannot have");
}

TEST_F(TabulationServiceTest, ImpossibleTurnoutIsAnsweredWithAHeldReceiptTheReaderAccepts) {
  const SignedProtocol held = SignProtocol(
      testing::WithBallotsInBoxes(testing::ValidProtocol(election_, "1001", "R1", 1, FINAL), 3440),
      r1_);
  absl::StatusOr<Receipt> receipt = Submit("R1", held);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  // The reader checks it as any receipt and stops sending; the body says why it is not counted.
  absl::StatusOr<ReceiptBody> body = CheckReceipt(*receipt, held, centre_->public_key());
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->disposition(), RECEIPT_HELD_FOR_REVIEW);
  EXPECT_NE(body->review_reason().find("turnout 160.00%"), std::string::npos)
      << body->review_reason();
  EXPECT_EQ(StoredCount(), 1u);
  ASSERT_EQ(Alarms().size(), 1u);
  EXPECT_EQ(Alarms()[0].code, kHeldForReviewAlarm);
}

TEST_F(TabulationServiceTest, ProtocolOfAnotherElectionIsRefused) {
  PrecinctProtocol protocol = testing::ValidProtocol(election_, "1001", "R1", 1, FINAL);
  protocol.set_election_hash(std::string(64, '0'));
  ExpectRefused(Submit("R1", SignProtocol(protocol, r1_)), absl::StatusCode::kInvalidArgument,
                "this centre tabulates");
}

TEST_F(TabulationServiceTest, PreliminaryProtocolIsRefused) {
  ExpectRefused(Submit("R1", R1Protocol(1, PRELIMINARY)), absl::StatusCode::kInvalidArgument,
                "only FINAL and CORRECTION");
}

TEST_F(TabulationServiceTest, ReplayedProtocolGetsTheSameReceiptAndIsStoredOnce) {
  const SignedProtocol signed_protocol = R1Protocol();
  absl::StatusOr<Receipt> first = Submit("R1", signed_protocol);
  absl::StatusOr<Receipt> replay = Submit("R1", signed_protocol);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(StoredCount(), 1u);
  EXPECT_TRUE(Alarms().empty());
}

TEST_F(TabulationServiceTest, ConflictingRevisionIsRefusedWithAlarmAndLogLine) {
  ASSERT_TRUE(Submit("R1", R1Protocol(1, FINAL, 0)).ok());
  absl::StatusOr<Receipt> conflict = Submit("R1", R1Protocol(1, FINAL, 7));
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kAlreadyExists) << conflict.status();
  const std::vector<Alarm> alarms = Alarms();
  ASSERT_EQ(alarms.size(), 1u);
  EXPECT_EQ(alarms[0].code, "ALREADY_EXISTS");
  EXPECT_EQ(alarms[0].reader_serial, "R1");
  std::lock_guard lock(log_mutex_);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("ALARM ALREADY_EXISTS precinct=1001"), std::string::npos) << log_[0];
  EXPECT_EQ(StoredCount(), 1u);
}

TEST_F(TabulationServiceTest, CorrectionIsAcceptedAndKeptWithHistory) {
  ASSERT_TRUE(Submit("R1", R1Protocol(1, FINAL, 0)).ok());
  const SignedProtocol correction = R1Protocol(2, CORRECTION, 5);
  absl::StatusOr<Receipt> receipt = Submit("R1", correction);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  absl::StatusOr<ReceiptBody> body = CheckReceipt(*receipt, correction, centre_->public_key());
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->disposition(), RECEIPT_CORRECTION);
  absl::StatusOr<std::vector<StoredProtocol>> history = store_->History("1001");
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].revision, 1u);
  EXPECT_EQ((*history)[1].revision, 2u);
  EXPECT_EQ(store_->LatestProtocols()->front().revision, 2u);
}

TEST_F(TabulationServiceTest, ClientWithoutCertificateIsRefusedAtTheHandshake) {
  absl::StatusOr<Receipt> receipt = Submit("", R1Protocol());
  ASSERT_FALSE(receipt.ok());
  // Usually UNAVAILABLE at once. Under TLS 1.3 the client may finish its side of the handshake
  // before the centre refuses it, and gRPC then keeps reconnecting until the deadline: under
  // heavy load the same refusal comes back as DEADLINE_EXCEEDED. Either way it is transient, so
  // the outbox keeps the protocol and tries again.
  EXPECT_TRUE(receipt.status().code() == absl::StatusCode::kUnavailable ||
              receipt.status().code() == absl::StatusCode::kDeadlineExceeded)
      << receipt.status();
  EXPECT_TRUE(IsTransient(receipt.status())) << receipt.status();
  EXPECT_NE(receipt.status().message().find("cannot deliver to the tabulation centre"),
            std::string::npos)
      << receipt.status();
  EXPECT_EQ(StoredCount(), 0u);
  EXPECT_TRUE(Alarms().empty());  // nothing reached the centre's logic
}

TEST_F(TabulationServiceTest, MalformedRequestBytesAreRefusedWithAlarm) {
  ClientOptions options = Options("R1");
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.tls.ca_pem;
  ssl.pem_private_key = options.tls.private_key_pem;
  ssl.pem_cert_chain = options.tls.certificate_pem;
  grpc::GenericStub stub(grpc::CreateChannel(options.target, grpc::SslCredentials(ssl)));
  const std::string garbage = "\x0a\xff\xff\xff\xff\x0f not a protobuf";
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/esep.Tabulation/Submit", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(status); });
  const grpc::Status status = done.get_future().get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_NE(status.error_message().find("malformed"), std::string::npos);
  ASSERT_EQ(Alarms().size(), 1u);
  EXPECT_EQ(StoredCount(), 0u);
}

TEST_F(TabulationServiceTest, SignedBytesThatAreNotAProtocolAreRefused) {
  SignedProtocol envelope;
  envelope.set_protocol("\xff\xff\xff\xff not a protocol");
  envelope.set_signature(r1_.Sign(SigningDomain::kPrecinctProtocol, envelope.protocol()));
  envelope.set_signer_public_key(r1_.public_key());
  ExpectRefused(Submit("R1", envelope), absl::StatusCode::kInvalidArgument,
                "not a PrecinctProtocol");
}

TEST_F(TabulationServiceTest, OversizedSubmissionIsRefusedBeforeParsing) {
  const PeerIdentity peer{testing::FingerprintOf(certs_->path() / "reader-R1.pem"), "R1"};
  ExpectRefused(centre_->IngestBytes(std::string(kMaxSignedProtocolBytes + 1, '\x0a'), peer),
                absl::StatusCode::kInvalidArgument, "above the limit");
}

}  // namespace
}  // namespace esep::transport
