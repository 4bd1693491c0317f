#include "esep/proto/ballot_identity.h"

#include <gtest/gtest.h>

namespace esep {
namespace {

BallotIdentity Sample() {
  BallotIdentity id;
  id.set_election_hash_prefix("0123456789abcdef");
  id.set_style_id("list");
  id.set_precinct_id("1001");
  id.set_page(1);
  id.set_test(false);
  return id;
}

TEST(BallotIdentityTest, EncodesTheDocumentedText) {
  EXPECT_EQ(EncodeBallotIdentity(Sample()), "ESEP1|0123456789abcdef|list|1001|1|L");
  BallotIdentity test = Sample();
  test.set_test(true);
  EXPECT_EQ(EncodeBallotIdentity(test), "ESEP1|0123456789abcdef|list|1001|1|T");
}

TEST(BallotIdentityTest, RoundTrips) {
  BallotIdentity id = Sample();
  id.set_page(2);
  id.set_test(true);
  absl::StatusOr<BallotIdentity> decoded = DecodeBallotIdentity(EncodeBallotIdentity(id));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->SerializeAsString(), id.SerializeAsString());
}

TEST(BallotIdentityTest, RejectsMalformedText) {
  for (const char* text : {
           "",
           "ESEP1",
           "ESEP2|0123456789abcdef|list|1001|1|L",
           "ESEP1|0123456789ABCDEF|list|1001|1|L",   // upper-case hex
           "ESEP1|0123456789abcde|list|1001|1|L",    // 15 digits
           "ESEP1|0123456789abcdef||1001|1|L",       // empty style
           "ESEP1|0123456789abcdef|li st|1001|1|L",  // bad id character
           "ESEP1|0123456789abcdef|list|1001|0|L",   // page 0
           "ESEP1|0123456789abcdef|list|1001|01|L",  // leading zero
           "ESEP1|0123456789abcdef|list|1001|x|L",
           "ESEP1|0123456789abcdef|list|1001|1|X",
           "ESEP1|0123456789abcdef|list|1001|1|L|extra",
       }) {
    EXPECT_FALSE(DecodeBallotIdentity(text).ok()) << text;
  }
}

}  // namespace
}  // namespace esep
