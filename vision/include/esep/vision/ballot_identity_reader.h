#ifndef ESEP_VISION_BALLOT_IDENTITY_READER_H_
#define ESEP_VISION_BALLOT_IDENTITY_READER_H_

#include <opencv2/core/mat.hpp>
#include <string>

#include "esep/proto/election.pb.h"
#include "esep/proto/interpretation.pb.h"
#include "esep/vision/page_transform.h"

namespace esep::vision {

// What the ballot barcode said, or why it could not be used.
struct BarcodeReading {
  RejectionReason reason = REJECTION_REASON_UNSPECIFIED;  // NO_BARCODE or BAD_BARCODE
  std::string detail;
  std::string text;  // the decoded text, when a symbol was decoded
  BallotIdentity identity;

  bool ok() const { return reason == REJECTION_REASON_UNSPECIFIED; }
};

// The reader's set-up a ballot identity is checked against.
struct IdentityExpectation {
  std::string election_hash_prefix;
  std::string precinct_id;  // empty: any precinct the ballot's style is issued at
  bool test_mode = false;
};

// Reads the ballot barcode (ZXing) from a crop around the style's barcode area, located
// through the registration, and checks the identity it carries.
class BallotIdentityReader {
 public:
  // Decodes the symbol in `spec.area` (page mm) of `image` under `transform`.
  static BarcodeReading Read(const cv::Mat& image, const BarcodeSpec& spec,
                             const PageTransform& transform);

  // WRONG_ELECTION, UNKNOWN_STYLE, WRONG_PRECINCT, TEST_BALLOT_WHILE_LIVE or
  // LIVE_BALLOT_IN_TEST, with a sentence in `detail`; REJECTION_REASON_UNSPECIFIED when the
  // ballot belongs here.
  static RejectionReason Check(const BallotIdentity& identity, const Election& election,
                               const IdentityExpectation& expectation, std::string* detail);
};

}  // namespace esep::vision

#endif  // ESEP_VISION_BALLOT_IDENTITY_READER_H_
