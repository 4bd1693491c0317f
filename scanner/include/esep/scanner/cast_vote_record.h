#ifndef ESEP_SCANNER_CAST_VOTE_RECORD_H_
#define ESEP_SCANNER_CAST_VOTE_RECORD_H_

#include <string>

#include "esep/proto/cast_vote_record.pb.h"
#include "esep/proto/interpretation.pb.h"
#include "esep/proto/software.pb.h"

namespace esep::scanner {

// What the reader knows about a ballot besides its reading: where and by what it was read.
struct RecordContext {
  std::string election_hash;
  std::string reader_serial;
  std::string batch_id;  // the poll session
  std::string image_sha256;
  bool test = false;        // logic-and-accuracy tally
  bool cast_as_is = false;  // the voter chose to cast a ballot the reader would have returned
  SoftwareIdentity software = {};  // what reads and counts (esepd's identity)
};

// The cast-vote record of one ballot, without its random record_id (the store assigns it).
// The daemon and the auditor's replay both build records here, so a replayed record can be
// compared with the stored one byte for byte.
CastVoteRecord MakeCastVoteRecord(const RecordContext& context,
                                  const Interpretation& interpretation);

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_CAST_VOTE_RECORD_H_
