#ifndef ESEP_REPORT_SHEET_READER_H_
#define ESEP_REPORT_SHEET_READER_H_

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/precinct_protocol.pb.h"
#include "esep/proto/protocol_checks.h"
#include "esep/proto/signed.pb.h"

// The observer's side of the printed protocol: the QR parts read back from a photo or a scan,
// joined, and checked against the published key and the election definition.
namespace esep::report {

// Every Esep protocol part that ZXing finds in a grayscale image (several codes per image; codes
// that are not Esep parts are skipped). When a part named by the others is still missing, it
// tries again on a binarized copy and on rescaled copies, as phone photos need.
std::vector<std::string> ReadQrPartTexts(const cv::Mat& gray);

struct VerifyOptions {
  std::string public_key;  // 32 raw bytes of the published key; empty when none was given
  bool trust_embedded_key = false;
  const Election* election = nullptr;  // checks the control relations when set
};

struct VerifiedProtocol {
  PrecinctProtocol protocol;
  std::string key_id;
  bool embedded_key_trusted = false;  // proved only against the key carried on the sheet
  int parts = 0;
  std::vector<ProtocolCheck> checks;  // empty without an election definition
};

// Joins `texts` (duplicates are read twice from the same sheet and are dropped), checks the
// signature against the published key (refused when none is given, unless the embedded key is
// trusted explicitly) and, with an election, that the protocol is of that election and that its
// control relations hold. Broken relations are returned in `checks`, not as an error.
absl::StatusOr<VerifiedProtocol> VerifyQrParts(std::vector<std::string> texts,
                                               const VerifyOptions& options);

}  // namespace esep::report

#endif  // ESEP_REPORT_SHEET_READER_H_
