#ifndef ESEP_SCANNER_DATA_DIR_LOCK_H_
#define ESEP_SCANNER_DATA_DIR_LOCK_H_

#include <filesystem>

#include "absl/status/statusor.h"

namespace esep::scanner {

// One daemon per data directory: an exclusive flock on DIR/esepd.lock, held for the life of
// the object. Two daemons on one tally store would both feed ballots into it and take each
// other's socket. The kernel releases the lock when its holder ends, even by kill -9, so a
// restart after a crash is never refused. The file holds the holder's pid, for the refusal.
class DataDirLock {
 public:
  // Takes the lock, making the directory (owner-only) when it does not exist. Refused, naming
  // the directory and the holder's pid when it can be read, while another process holds it.
  static absl::StatusOr<DataDirLock> Acquire(const std::filesystem::path& directory);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

  const std::filesystem::path& path() const { return path_; }

 private:
  DataDirLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::filesystem::path path_;
};

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_DATA_DIR_LOCK_H_
