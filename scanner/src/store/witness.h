#ifndef ESEP_SCANNER_SRC_STORE_WITNESS_H_
#define ESEP_SCANNER_SRC_STORE_WITNESS_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace esep::scanner {

// What the witness last saw of a tally store: the event log's newest entry.
struct WitnessMark {
  std::uint64_t sequence = 0;  // 0: nothing committed yet
  std::string head_hash;       // hex SHA-256 of that entry
};

// The store's witness: a small file outside the database that records, after every committed
// transaction, the newest entry of the store's hash-chained event log. The log only grows, so a
// store whose log ends before the witnessed entry, or holds another entry there, has been rolled
// back (a lost write-ahead log), replaced or removed. Two fixed slots written in turn, each with
// its own checksum, so a torn write leaves the previous mark readable; one data flush per update.
class Witness {
 public:
  // Opens the witness file, creating it (with mark 0) when missing and `create` is set.
  static absl::StatusOr<std::unique_ptr<Witness>> Open(const std::filesystem::path& path,
                                                       const std::string& election_hash,
                                                       bool create);
  // Reads a witness file without opening it for writing; NotFound when there is none.
  static absl::StatusOr<WitnessMark> Read(const std::filesystem::path& path,
                                          const std::string& election_hash);
  ~Witness();

  const WitnessMark& mark() const { return mark_; }
  // Records a newer mark durably (fdatasync).
  absl::Status Update(const WitnessMark& mark);

 private:
  Witness(int fd, std::filesystem::path path, std::string election_hash, WitnessMark mark)
      : fd_(fd), path_(std::move(path)), election_hash_(std::move(election_hash)), mark_(mark) {}

  int fd_;
  std::filesystem::path path_;
  std::string election_hash_;
  WitnessMark mark_;
};

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_SRC_STORE_WITNESS_H_
