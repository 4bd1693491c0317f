#ifndef ESEP_PROTO_BALLOT_IDENTITY_H_
#define ESEP_PROTO_BALLOT_IDENTITY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"

namespace esep {

// The text carried by a ballot barcode:
//   ESEP1|<election hash prefix: 16 hex digits>|<style id>|<precinct id>|<page>|<L|T>
// The renderer encodes it, the interpreter decodes it; one codec serves both.
std::string EncodeBallotIdentity(const BallotIdentity& identity);

// Strict inverse of EncodeBallotIdentity: any other text is an error that says what is wrong.
absl::StatusOr<BallotIdentity> DecodeBallotIdentity(std::string_view text);

}  // namespace esep

#endif  // ESEP_PROTO_BALLOT_IDENTITY_H_
