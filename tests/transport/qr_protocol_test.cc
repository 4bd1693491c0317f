#include "esep/transport/qr_protocol.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "esep/proto/election.h"
#include "esep/transport/signing.h"
#include "google/protobuf/util/message_differencer.h"
#include "sample_protocols.h"

namespace esep::transport {
namespace {

using google::protobuf::util::MessageDifferencer;

class QrProtocolTest : public ::testing::Test {
 protected:
  SignedProtocol Signed(const std::string& election_file, std::uint64_t seed) {
    absl::StatusOr<Election> election = LoadElectionFile("fixtures/elections/" + election_file);
    EXPECT_TRUE(election.ok()) << election.status();
    return SignProtocol(testing::ConsistentProtocol(*election, "1001", seed), key_);
  }

  std::vector<std::string> Parts(const SignedProtocol& s) {
    absl::StatusOr<std::vector<std::string>> parts = SplitIntoQrParts(s);
    EXPECT_TRUE(parts.ok()) << parts.status();
    return parts.ok() ? *parts : std::vector<std::string>{};
  }

  SigningKey key_ = SigningKey::Generate();
};

TEST_F(QrProtocolTest, SmallProtocolFitsOnePartAndComesBackVerified) {
  const SignedProtocol s = Signed("referendum-2021.json", 1);
  const std::vector<std::string> parts = Parts(s);
  ASSERT_EQ(parts.size(), 1u);
  absl::StatusOr<SignedProtocol> joined = JoinQrParts(parts);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*joined, s));
  EXPECT_TRUE(VerifyProtocol(*joined, key_.public_key()).ok());
}

TEST_F(QrProtocolTest, PartsStayWithinLimitAndUseOnlyQrAlphanumericCharacters) {
  const SignedProtocol s = Signed("party-list-2021.json", 2);
  for (const std::size_t limit : {kQrPartMaxChars, std::size_t{400}}) {
    absl::StatusOr<std::vector<std::string>> parts = SplitIntoQrParts(s, limit);
    ASSERT_TRUE(parts.ok()) << parts.status();
    EXPECT_GT(parts->size(), 1u);
    for (const std::string& part : *parts) {
      EXPECT_LE(part.size(), limit);
      EXPECT_EQ(part.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"),
                std::string::npos);
      EXPECT_EQ(ParseQrPartHeader(part)->key_id, KeyId(key_.public_key()));
    }
  }
}

TEST_F(QrProtocolTest, TwentyOneListsJoinInAnyOrder) {
  const SignedProtocol s = Signed("party-list-2021.json", 3);
  absl::StatusOr<std::vector<std::string>> parts = SplitIntoQrParts(s, 400);
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_GE(parts->size(), 3u);
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(parts->begin(), parts->end(), rng);
    absl::StatusOr<SignedProtocol> joined = JoinQrParts(*parts);
    ASSERT_TRUE(joined.ok()) << joined.status();
    EXPECT_TRUE(MessageDifferencer::Equals(*joined, s));
    EXPECT_TRUE(VerifyProtocol(*joined, key_.public_key()).ok());
  }
}

TEST_F(QrProtocolTest, RefusesAMissingPartNamingIt) {
  std::vector<std::string> parts = *SplitIntoQrParts(Signed("party-list-2021.json", 4), 400);
  const std::string second = "part 2/" + std::to_string(parts.size()) + " is missing";
  parts.erase(parts.begin() + 1);
  const absl::Status status = JoinQrParts(parts).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(status.message().find(second), std::string::npos) << status;
}

TEST_F(QrProtocolTest, RefusesARepeatedPart) {
  std::vector<std::string> parts = Parts(Signed("party-list-2021.json", 5));
  parts.push_back(parts.front());
  EXPECT_NE(JoinQrParts(parts).status().message().find("given twice"), std::string::npos);
}

TEST_F(QrProtocolTest, RefusesAPartOfAnotherProtocolWithTheSameKey) {
  std::vector<std::string> a = Parts(Signed("party-list-2021.json", 6));
  const std::vector<std::string> b = Parts(Signed("party-list-2021.json", 7));
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GE(a.size(), 2u);
  // A middle or last part: the chain from part 1 breaks at it.
  a[1] = b[1];
  const absl::Status status = JoinQrParts(a).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("part 2/"), std::string::npos) << status;
  // Part 1 of another protocol: the chain breaks at part 2.
  a = Parts(Signed("party-list-2021.json", 6));
  a[0] = b[0];
  EXPECT_NE(JoinQrParts(a).status().message().find("does not follow part 1/"), std::string::npos);
}

TEST_F(QrProtocolTest, RefusesEveryFlippedByte) {
  const SignedProtocol s = Signed("party-list-2021.json", 8);
  const std::vector<std::string> parts = Parts(s);
  // One character changed anywhere in any part is refused by the header, the chain, the hash in
  // part 1 or, past all of them, the signature.
  for (std::size_t p = 0; p < parts.size(); ++p) {
    for (std::size_t i = 0; i < parts[p].size(); i += 37) {
      std::vector<std::string> altered = parts;
      altered[p][i] = altered[p][i] == 'A' ? 'B' : 'A';
      absl::StatusOr<SignedProtocol> joined = JoinQrParts(altered);
      if (joined.ok()) {
        EXPECT_FALSE(VerifyProtocol(*joined, key_.public_key()).ok())
            << "part " << p << " at " << i;
      }
    }
  }
}

TEST_F(QrProtocolTest, RefusesTextsThatAreNotParts) {
  EXPECT_FALSE(JoinQrParts({}).ok());
  EXPECT_NE(JoinQrParts({"https://example.org"}).status().message().find("not an Esep"),
            std::string::npos);
  EXPECT_NE(JoinQrParts({"ESEP3:01/01:"}).status().message().find("version"), std::string::npos);
  EXPECT_NE(JoinQrParts({"ESEP1:01/01:short"}).status().message().find("malformed"),
            std::string::npos);
  std::string past = Parts(Signed("referendum-2021.json", 9))[0];
  past.replace(6, 5, "03/02");
  EXPECT_NE(JoinQrParts({past}).status().message().find("no such part"), std::string::npos);
}

TEST_F(QrProtocolTest, RefusesALimitWithoutRoomForAPayload) {
  EXPECT_FALSE(SplitIntoQrParts(Signed("referendum-2021.json", 10), 100).ok());
  EXPECT_FALSE(SplitIntoQrParts(Signed("party-list-2021.json", 10), kQrPartHeaderChars + 3).ok());
}

constexpr char kVerifyUrl[] = "https://results.example.kg/verify/";

TEST_F(QrProtocolTest, UrlPartsOpenTheVerifierAndJoinInAnyOrder) {
  const SignedProtocol s = Signed("party-list-2021.json", 7);
  absl::StatusOr<std::vector<std::string>> parts = SplitIntoQrParts(s, kQrPartMaxChars, kVerifyUrl);
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_GE(parts->size(), 2u);
  for (const std::string& part : *parts) {
    ASSERT_TRUE(part.starts_with(std::string(kVerifyUrl) + "#ESEP2:")) << part;
    const std::string_view rest = QrPartWithoutUrl(part);
    EXPECT_LE(rest.size(), kQrPartMaxChars);
    // Everything after the URL is in the QR alphanumeric set and needs no escaping in a URL.
    EXPECT_TRUE(std::all_of(rest.begin(), rest.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == ':' || c == '/';
    })) << rest;
    EXPECT_TRUE(LooksLikeQrPart(part));
  }
  std::vector<std::string> shuffled(parts->rbegin(), parts->rend());
  absl::StatusOr<SignedProtocol> joined = JoinQrParts(shuffled);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*joined, s));
  EXPECT_TRUE(VerifyProtocol(*joined, key_.public_key()).ok());
}

TEST_F(QrProtocolTest, UrlPartsRefuseAChangedPayloadAndMixedVersions) {
  const SignedProtocol s = Signed("party-list-2021.json", 8);
  std::vector<std::string> parts = *SplitIntoQrParts(s, kQrPartMaxChars, kVerifyUrl);
  std::vector<std::string> changed = parts;
  char& c = changed.back().back();
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(JoinQrParts(changed).status().code(), absl::StatusCode::kDataLoss);
  std::vector<std::string> mixed = parts;
  mixed.back() = Parts(s).back();
  EXPECT_NE(JoinQrParts(mixed).status().message().find("version"), std::string::npos);
  EXPECT_FALSE(SplitIntoQrParts(s, kQrPartMaxChars, "https://x.kg/v#").ok());
  EXPECT_FALSE(SplitIntoQrParts(s, kQrPartMaxChars, "javascript:alert(1)").ok());
  // A version 1 part behind a URL, or a version 2 part without one, is not a part as printed.
  EXPECT_FALSE(ParseQrPartHeader(std::string(kVerifyUrl) + "#" + Parts(s).front()).ok());
  EXPECT_FALSE(ParseQrPartHeader(QrPartWithoutUrl(parts.front())).ok());
}

}  // namespace
}  // namespace esep::transport
