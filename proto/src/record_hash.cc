#include "esep/proto/record_hash.h"

#include <algorithm>

#include "esep/proto/deterministic.h"
#include "esep/proto/sha256.h"

namespace esep {

std::string RecordHash(const CastVoteRecord& record) {
  return ToHex(Sha256(DeterministicBytes(record)));
}

std::string RecordsRootHash(const std::vector<CastVoteRecord>& records) {
  std::vector<std::string> hashes;
  hashes.reserve(records.size());
  for (const CastVoteRecord& record : records) hashes.push_back(RecordHash(record));
  std::sort(hashes.begin(), hashes.end());
  std::string text = "esep/records/v1\n";
  for (const std::string& hash : hashes) {
    text += hash;
    text += '\n';
  }
  return ToHex(Sha256(text));
}

}  // namespace esep
