#include "witness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "esep/proto/sha256.h"

namespace esep::scanner {
namespace {

constexpr std::size_t kSlotBytes = 256;
constexpr char kMagic[] = "esep-witness-1";

absl::Status WitnessError(const std::filesystem::path& path, const std::string& what) {
  return absl::InternalError(
      absl::StrCat("store witness ", path.string(), ": ", what, ": ", std::strerror(errno)));
}

std::string Checksum(const std::string& body) { return ToHex(Sha256(body)).substr(0, 16); }

// One slot: "esep-witness-1 ELECTION SEQUENCE HEAD CHECKSUM\n", padded with spaces.
std::string Slot(const std::string& election_hash, const WitnessMark& mark) {
  std::string body = absl::StrCat(kMagic, " ", election_hash, " ", mark.sequence, " ",
                                  mark.head_hash.empty() ? "-" : mark.head_hash);
  std::string slot = absl::StrCat(body, " ", Checksum(body), "\n");
  slot.resize(kSlotBytes, ' ');
  return slot;
}

// The slot's mark, or nothing when the slot is empty, torn or damaged.
std::optional<WitnessMark> ParseSlot(const std::string& slot, std::string* election_hash) {
  const std::size_t end = slot.find('\n');
  if (end == std::string::npos) return std::nullopt;
  std::vector<std::string> fields = absl::StrSplit(slot.substr(0, end), ' ');
  if (fields.size() != 5 || fields[0] != kMagic) return std::nullopt;
  const std::string body = absl::StrCat(fields[0], " ", fields[1], " ", fields[2], " ", fields[3]);
  if (Checksum(body) != fields[4]) return std::nullopt;
  WitnessMark mark;
  if (!absl::SimpleAtoi(fields[2], &mark.sequence)) return std::nullopt;
  mark.head_hash = fields[3] == "-" ? "" : fields[3];
  *election_hash = fields[1];
  return mark;
}

absl::StatusOr<WitnessMark> ReadFd(int fd, const std::filesystem::path& path,
                                   const std::string& election_hash) {
  std::string bytes(2 * kSlotBytes, '\0');
  const ssize_t n = ::pread(fd, bytes.data(), bytes.size(), 0);
  if (n < 0) return WitnessError(path, "cannot read");
  bytes.resize(static_cast<std::size_t>(n));
  std::optional<WitnessMark> best;
  for (std::size_t offset = 0; offset < bytes.size(); offset += kSlotBytes) {
    std::string election;
    std::optional<WitnessMark> mark = ParseSlot(bytes.substr(offset, kSlotBytes), &election);
    if (!mark) continue;
    if (election != election_hash) {
      return absl::DataLossError(absl::StrCat("store witness ", path.string(),
                                              " belongs to election ", election, ", not to ",
                                              election_hash));
    }
    if (!best || mark->sequence > best->sequence) best = mark;
  }
  if (!best) {
    return absl::DataLossError(
        absl::StrCat("store witness ", path.string(), " is damaged: no readable mark"));
  }
  return *best;
}

absl::Status SyncDirectoryOf(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return WitnessError(dir, "cannot open its directory");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return WitnessError(dir, "cannot sync its directory");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WitnessMark> Witness::Read(const std::filesystem::path& path,
                                          const std::string& election_hash) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    return absl::NotFoundError(absl::StrCat("no store witness at ", path.string()));
  }
  if (fd < 0) return WitnessError(path, "cannot open");
  absl::StatusOr<WitnessMark> mark = ReadFd(fd, path, election_hash);
  ::close(fd);
  return mark;
}

absl::StatusOr<std::unique_ptr<Witness>> Witness::Open(const std::filesystem::path& path,
                                                       const std::string& election_hash,
                                                       bool create) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT && create) {
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return WitnessError(path, "cannot create");
    std::unique_ptr<Witness> witness(new Witness(fd, path, election_hash, {}));
    if (absl::Status s = witness->Update({}); !s.ok()) return s;
    if (absl::Status s = SyncDirectoryOf(path); !s.ok()) return s;
    return witness;
  }
  if (fd < 0 && errno == ENOENT) {
    return absl::NotFoundError(absl::StrCat("no store witness at ", path.string()));
  }
  if (fd < 0) return WitnessError(path, "cannot open");
  absl::StatusOr<WitnessMark> mark = ReadFd(fd, path, election_hash);
  if (!mark.ok()) {
    ::close(fd);
    return mark.status();
  }
  return std::unique_ptr<Witness>(new Witness(fd, path, election_hash, *mark));
}

Witness::~Witness() { ::close(fd_); }

absl::Status Witness::Update(const WitnessMark& mark) {
  const std::string slot = Slot(election_hash_, mark);
  const off_t offset = static_cast<off_t>((mark.sequence % 2) * kSlotBytes);
  const ssize_t n = ::pwrite(fd_, slot.data(), slot.size(), offset);
  if (n != static_cast<ssize_t>(slot.size())) {
    if (n >= 0) errno = ENOSPC;
    return WitnessError(path_, "cannot write");
  }
  if (::fdatasync(fd_) != 0) return WitnessError(path_, "cannot flush");
  mark_ = mark;
  return absl::OkStatus();
}

}  // namespace esep::scanner
