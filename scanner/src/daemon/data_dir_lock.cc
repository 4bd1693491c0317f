#include "esep/scanner/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace esep::scanner {
namespace {

constexpr char kLockFile[] = "esepd.lock";

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// The pid the holder wrote, or 0 when the file does not (yet) hold one.
long HolderPid(int fd) {
  char text[32] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  long pid = 0;
  if (n <= 0 || !absl::SimpleAtoi(absl::StripAsciiWhitespace(std::string(text, n)), &pid)) {
    return 0;
  }
  return pid;
}

}  // namespace

absl::StatusOr<DataDirLock> DataDirLock::Acquire(const std::filesystem::path& directory) {
  std::error_code error;
  if (!std::filesystem::exists(directory, error)) {
    std::filesystem::create_directories(directory, error);
    if (error) {
      return absl::UnavailableError(absl::StrCat("cannot make the data directory ",
                                                 directory.string(), ": ", error.message()));
    }
    ::chmod(directory.c_str(), 0700);
  }
  const std::filesystem::path path = directory / kLockFile;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Errno(absl::StrCat("cannot open the lock file ", path.string()));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int flock_error = errno;
    const long holder = flock_error == EWOULDBLOCK ? HolderPid(fd) : 0;
    ::close(fd);
    if (flock_error != EWOULDBLOCK) {
      errno = flock_error;
      return Errno(absl::StrCat("cannot lock ", path.string()));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("the data directory ", directory.string(), " is in use by another esepd",
                     holder > 0 ? absl::StrCat(" (pid ", holder, ")") : std::string(),
                     "; one esepd per data directory: stop that one first"));
  }
  const std::string pid = absl::StrCat(::getpid(), "\n");
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    absl::Status s = Errno(absl::StrCat("cannot write the lock file ", path.string()));
    ::close(fd);
    return s;
  }
  return DataDirLock(fd, path);
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock; the file stays, a later holder rewrites it
}

}  // namespace esep::scanner
