#ifndef ESEP_PROTO_RECORD_HASH_H_
#define ESEP_PROTO_RECORD_HASH_H_

#include <string>
#include <vector>

#include "esep/proto/cast_vote_record.pb.h"

namespace esep {

// SHA-256 (hex) of a cast-vote record's deterministic serialization.
std::string RecordHash(const CastVoteRecord& record);

// The root hash over a precinct's cast-vote records that the protocol carries: SHA-256 of
// "esep/records/v1\n" followed by the records' hashes (hex, one per line) in sorted order. The
// order of casting plays no part, so the hash reveals nothing of it, and anyone holding the
// records can recompute it.
std::string RecordsRootHash(const std::vector<CastVoteRecord>& records);

}  // namespace esep

#endif  // ESEP_PROTO_RECORD_HASH_H_
