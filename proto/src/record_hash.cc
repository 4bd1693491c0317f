#include "esep/proto/record_hash.h"

#include <algorithm>

#include "esep/proto/sha256.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace esep {

std::string RecordHash(const CastVoteRecord& record) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    record.SerializeToCodedStream(&coded);
  }
  return ToHex(Sha256(bytes));
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
