#include "esep/audit/safe_path.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace esep::audit {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxPartBytes = 255;
constexpr std::size_t kMaxNameBytes = 1024;
constexpr std::size_t kMaxListedEntries = 1'000'000;

// Owns one file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// The parts of a '/'-separated name, empty ones included (absl::StrSplit takes absl's own
// string_view on this platform).
std::vector<std::string_view> SplitParts(std::string_view name) {
  std::vector<std::string_view> parts;
  for (;;) {
    const std::size_t slash = name.find('/');
    parts.push_back(name.substr(0, slash));
    if (slash == std::string_view::npos) return parts;
    name.remove_prefix(slash + 1);
  }
}

std::string Quoted(std::string_view name) { return absl::StrCat("\"", PrintableName(name), "\""); }

std::string Shown(const fs::path& directory, std::string_view name) {
  return PrintableName((directory / std::string(name)).string());
}

// An errno from opening `name` inside `directory` as a sentence.
absl::Status OpenError(int error, const fs::path& directory, std::string_view name,
                       std::string_view doing) {
  const std::string where = Shown(directory, name);
  switch (error) {
    case ENOENT:
      return absl::NotFoundError(absl::StrCat("no file ", where));
    case ELOOP:
      return absl::FailedPreconditionError(
          absl::StrCat(where, " is a symbolic link: not followed"));
    case ENOTDIR:
      return absl::FailedPreconditionError(
          absl::StrCat(where, ": a part of the name is not a directory"));
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(
          absl::StrCat("cannot ", std::string(doing), " ", where, ": ", std::strerror(error)));
    default:
      return absl::DataLossError(
          absl::StrCat("cannot ", std::string(doing), " ", where, ": ", std::strerror(error)));
  }
}

// The parts of a relative name, refused when it could leave the directory.
absl::StatusOr<std::vector<std::string>> NameParts(std::string_view name) {
  const auto refuse = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("file name ", Quoted(name), " ", std::string(why)));
  };
  if (name.empty()) return refuse("is empty");
  if (name.size() > kMaxNameBytes) {
    return refuse(absl::StrCat("is longer than ", kMaxNameBytes, " bytes"));
  }
  if (name.front() == '/') return refuse("is an absolute path");
  std::vector<std::string> parts;
  for (std::string_view part : SplitParts(name)) {
    if (part.empty()) return refuse("has an empty part (\"//\" or a trailing \"/\")");
    if (part == "." || part == "..") return refuse("has a \".\" or \"..\" part");
    if (part.size() > kMaxPartBytes) {
      return refuse(absl::StrCat("has a part longer than ", kMaxPartBytes, " bytes"));
    }
    for (const char c : part) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == 0x7f) return refuse("has a control character");
    }
    parts.emplace_back(part);
  }
  return parts;
}

// Opens the directory `part` inside `dir` without following a link; on failure errno says
// why, ELOOP for a link (Linux answers ENOTDIR for a link under O_DIRECTORY).
int OpenDirectoryPart(int dir, const char* part) {
  const int fd = ::openat(dir, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOTDIR) {
    struct stat st {};
    if (::fstatat(dir, part, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
      errno = ELOOP;
    else
      errno = ENOTDIR;
  }
  return fd;
}

absl::StatusOr<Fd> OpenDirectory(const fs::path& directory) {
  Fd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int error = errno;
    return absl::Status(
        error == ENOENT ? absl::StatusCode::kNotFound : absl::StatusCode::kFailedPrecondition,
        absl::StrCat("cannot open directory ", PrintableName(directory.string()), ": ",
                     std::strerror(error)));
  }
  return fd;
}

// The directory holding the last of `parts`, reached from `directory` one part at a time
// without following a link.
absl::StatusOr<Fd> OpenParent(const fs::path& directory, const std::vector<std::string>& parts,
                              std::string_view name) {
  absl::StatusOr<Fd> dir = OpenDirectory(directory);
  if (!dir.ok()) return dir.status();
  Fd current = *std::move(dir);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    Fd next(OpenDirectoryPart(current.get(), parts[i].c_str()));
    if (next.get() < 0) return OpenError(errno, directory, name, "open");
    current = std::move(next);
  }
  return current;
}

// Writes every byte; 0, or the errno of the failure.
int WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

EntryKind KindOf(mode_t mode) {
  if (S_ISREG(mode)) return EntryKind::kFile;
  if (S_ISDIR(mode)) return EntryKind::kDirectory;
  if (S_ISLNK(mode)) return EntryKind::kSymlink;
  return EntryKind::kOther;
}

absl::Status ListInto(Fd dir, const fs::path& root, const std::string& prefix, int depth,
                      int max_depth, std::vector<DirectoryEntry>& out) {
  DIR* stream = ::fdopendir(dir.get());
  if (stream == nullptr) return OpenError(errno, root, prefix, "list");
  dir.release();  // the stream owns it now
  const std::unique_ptr<DIR, int (*)(DIR*)> closer(stream, ::closedir);
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(stream);
    if (entry == nullptr) {
      if (errno != 0) return OpenError(errno, root, prefix, "list");
      return absl::OkStatus();
    }
    const std::string_view part = entry->d_name;
    if (part == "." || part == "..") continue;
    if (out.size() >= kMaxListedEntries) {
      return absl::ResourceExhaustedError(absl::StrCat(
          PrintableName(root.string()), " holds more than ", kMaxListedEntries, " files: refused"));
    }
    const std::string name =
        prefix.empty() ? std::string(part) : absl::StrCat(prefix, "/", std::string(part));
    struct stat st {};
    if (::fstatat(::dirfd(stream), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return OpenError(errno, root, name, "examine");
    }
    out.push_back({name, KindOf(st.st_mode)});
    if (out.back().kind == EntryKind::kDirectory && depth < max_depth) {
      Fd child(OpenDirectoryPart(::dirfd(stream), entry->d_name));
      if (child.get() < 0) return OpenError(errno, root, name, "open");
      if (absl::Status s = ListInto(std::move(child), root, name, depth + 1, max_depth, out);
          !s.ok()) {
        return s;
      }
    }
  }
}

bool IsNameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

absl::Status CheckBundleName(std::string_view name) {
  const auto refuse = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("name ", Quoted(name), " is not allowed in a bundle: ", std::string(why)));
  };
  if (name.empty()) return refuse("it is empty");
  if (name.size() > kMaxBundleNameBytes) {
    return refuse(absl::StrCat("it is longer than ", kMaxBundleNameBytes, " bytes"));
  }
  if (name.front() == '/') return refuse("it is an absolute path");
  std::size_t parts = 0;
  for (std::string_view part : SplitParts(name)) {
    if (++parts > kMaxBundleNameParts) {
      return refuse(absl::StrCat("it has more than ", kMaxBundleNameParts, " parts"));
    }
    if (part.empty()) return refuse("it has an empty part");
    if (part == "." || part == "..") return refuse("it has a \".\" or \"..\" part");
    for (const char c : part) {
      if (!IsNameCharacter(c)) {
        return refuse("only letters, digits, '.', '_' and '-' may name a file");
      }
    }
    if (part.front() == '.' || part.front() == '-' || part.front() == '_') {
      return refuse("each part starts with a letter or a digit");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBundleFileName(std::string_view name) {
  if (name.find('/') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("name ", Quoted(name), " is not allowed in a bundle: it holds a '/'"));
  }
  return CheckBundleName(name);
}

bool IsSha256Hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string PrintableName(std::string_view name) {
  constexpr std::size_t kShown = 120;
  std::string out;
  for (std::size_t i = 0; i < name.size() && i < kShown; ++i) {
    const auto byte = static_cast<unsigned char>(name[i]);
    if (byte < 0x20 || byte >= 0x7f || byte == '\\') {
      absl::StrAppend(&out, absl::StrFormat("\\x%02x", byte));
    } else {
      out += name[i];
    }
  }
  if (name.size() > kShown) absl::StrAppend(&out, "... (", name.size(), " bytes)");
  return out;
}

absl::StatusOr<std::string> ReadFileInside(const fs::path& directory, std::string_view name,
                                           std::uint64_t max_bytes) {
  absl::StatusOr<std::vector<std::string>> parts = NameParts(name);
  if (!parts.ok()) return parts.status();
  absl::StatusOr<Fd> parent = OpenParent(directory, *parts, name);
  if (!parent.ok()) return parent.status();
  // O_NONBLOCK: opening a FIFO planted under the name must not wait for a writer.
  Fd fd(::openat(parent->get(), parts->back().c_str(),
                 O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) return OpenError(errno, directory, name, "open");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return OpenError(errno, directory, name, "examine");
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(Shown(directory, name), " is not a regular file"));
  }
  const auto too_large = [&] {
    return absl::ResourceExhaustedError(
        absl::StrCat(Shown(directory, name), " is larger than ", max_bytes, " bytes: refused"));
  };
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) return too_large();
  std::string bytes;
  bytes.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OpenError(errno, directory, name, "read");
    if (n == 0) return bytes;
    if (bytes.size() + static_cast<std::size_t>(n) > max_bytes) return too_large();
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
}

absl::Status WriteFileInside(const fs::path& directory, std::string_view name,
                             std::string_view bytes) {
  absl::StatusOr<std::vector<std::string>> parts = NameParts(name);
  if (!parts.ok()) return parts.status();
  absl::StatusOr<Fd> parent = OpenParent(directory, *parts, name);
  if (!parent.ok()) return parent.status();
  static std::atomic<unsigned> counter{0};
  std::string temporary;
  Fd fd;
  for (int attempt = 0; attempt < 100 && fd.get() < 0; ++attempt) {
    temporary = absl::StrCat(".esep-", ::getpid(), "-", counter++, ".tmp");
    fd = Fd(::openat(parent->get(), temporary.c_str(),
                     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd.get() < 0 && errno != EEXIST) return OpenError(errno, directory, name, "create");
  }
  if (fd.get() < 0) return OpenError(EEXIST, directory, name, "create");
  int error = WriteAll(fd.get(), bytes);
  if (::close(fd.release()) != 0 && error == 0) error = errno;
  absl::Status status = absl::OkStatus();
  if (error != 0) {
    status = OpenError(error, directory, name, "write");
  } else if (::renameat(parent->get(), temporary.c_str(), parent->get(), parts->back().c_str()) !=
             0) {
    error = errno;
    status =
        error == EISDIR
            ? absl::FailedPreconditionError(absl::StrCat(Shown(directory, name), " is a directory"))
            : OpenError(error, directory, name, "replace");
  }
  if (!status.ok()) ::unlinkat(parent->get(), temporary.c_str(), 0);
  return status;
}

absl::Status MakeDirectoryInside(const fs::path& directory, std::string_view name) {
  absl::StatusOr<std::vector<std::string>> parts = NameParts(name);
  if (!parts.ok()) return parts.status();
  absl::StatusOr<Fd> dir = OpenDirectory(directory);
  if (!dir.ok()) return dir.status();
  Fd current = *std::move(dir);
  for (const std::string& part : *parts) {
    if (::mkdirat(current.get(), part.c_str(), 0755) != 0 && errno != EEXIST) {
      return OpenError(errno, directory, name, "create");
    }
    Fd next(OpenDirectoryPart(current.get(), part.c_str()));
    if (next.get() < 0) return OpenError(errno, directory, name, "open");
    current = std::move(next);
  }
  return absl::OkStatus();
}

absl::StatusOr<EntryKind> KindInside(const fs::path& directory, std::string_view name) {
  absl::StatusOr<std::vector<std::string>> parts = NameParts(name);
  if (!parts.ok()) return parts.status();
  absl::StatusOr<Fd> parent = OpenParent(directory, *parts, name);
  if (!parent.ok()) return parent.status();
  struct stat st {};
  if (::fstatat(parent->get(), parts->back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return OpenError(errno, directory, name, "examine");
  }
  return KindOf(st.st_mode);
}

absl::StatusOr<std::vector<DirectoryEntry>> ListInside(const fs::path& directory, int max_depth) {
  absl::StatusOr<Fd> dir = OpenDirectory(directory);
  if (!dir.ok()) return dir.status();
  std::vector<DirectoryEntry> entries;
  if (absl::Status s = ListInto(*std::move(dir), directory, "", 0, max_depth, entries); !s.ok()) {
    return s;
  }
  std::sort(entries.begin(), entries.end(),
            [](const DirectoryEntry& a, const DirectoryEntry& b) { return a.name < b.name; });
  return entries;
}

}  // namespace esep::audit
