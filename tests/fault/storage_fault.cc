#include "storage_fault.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace esep::fault {
namespace {

// The armed fault. Plain globals guarded by a mutex: the interposed calls may come from any
// thread, and a fork()ed child inherits the state it had.
std::mutex g_mutex;
char g_directory[4096] = "";
std::size_t g_directory_length = 0;
StorageFault g_fault = StorageFault::kNone;
std::int64_t g_budget = 0;
std::atomic<std::int64_t> g_injected{0};

template <typename F>
F Next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

bool UnderDirectory(const char* path) {
  if (g_directory_length == 0 || path == nullptr) return false;
  char absolute[4096];
  if (path[0] != '/') {
    if (::getcwd(absolute, sizeof absolute) == nullptr) return false;
    std::strncat(absolute, "/", sizeof absolute - std::strlen(absolute) - 1);
    std::strncat(absolute, path, sizeof absolute - std::strlen(absolute) - 1);
    path = absolute;
  }
  return std::strncmp(path, g_directory, g_directory_length) == 0 &&
         (path[g_directory_length] == '/' || path[g_directory_length] == '\0');
}

bool FdUnderDirectory(int fd) {
  if (g_directory_length == 0) return false;
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  const ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n <= 0) return false;
  target[n] = '\0';
  return UnderDirectory(target);
}

int ErrnoOf(StorageFault fault) {
  switch (fault) {
    case StorageFault::kFull:
      return ENOSPC;
    case StorageFault::kReadOnly:
      return EROFS;
    case StorageFault::kIoError:
      return EIO;
    case StorageFault::kNone:
      break;
  }
  return 0;
}

enum class Op { kWrite, kFlush, kCreate, kName };

// How much of a `bytes`-long operation of kind `op` may go through (bytes for writes, 1 or 0 for
// the others), or -1 with errno set when it fails.
std::int64_t Admit(Op op, std::int64_t bytes) {
  std::lock_guard<std::mutex> lock(g_mutex);
  const StorageFault fault = g_fault;
  if (fault == StorageFault::kNone) return bytes;
  if (fault == StorageFault::kFull) {
    // A full disk refuses new data; flushing, renaming and removing still work.
    if (op != Op::kWrite) return bytes;
    if (g_budget <= 0 && bytes > 0) {
      ++g_injected;
      errno = ENOSPC;
      return -1;
    }
    const std::int64_t allowed = bytes < g_budget ? bytes : g_budget;
    g_budget -= allowed;
    return allowed;
  }
  if (fault == StorageFault::kIoError && (op == Op::kCreate || op == Op::kName)) return bytes;
  if (g_budget > 0) {
    --g_budget;
    return bytes;
  }
  ++g_injected;
  errno = ErrnoOf(fault);
  return -1;
}

// Lets through the part of a write of `count` bytes to `fd` that the fault admits (shortening
// `count`), or refuses it with errno set.
bool AdmitWrite(int fd, size_t& count) {
  if (!FdUnderDirectory(fd)) return true;
  const std::int64_t n = Admit(Op::kWrite, static_cast<std::int64_t>(count));
  if (n < 0) return false;
  count = static_cast<size_t>(n);
  return true;
}

bool WritesTo(int flags) {
  return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)) != 0;
}

void ConfigureFromEnvironment() {
  const char* dir = std::getenv("ESEP_FAULT_DIR");
  const char* mode = std::getenv("ESEP_FAULT_MODE");
  const char* after = std::getenv("ESEP_FAULT_AFTER");
  if (dir == nullptr || mode == nullptr) return;
  StorageFault fault = StorageFault::kNone;
  for (StorageFault f : {StorageFault::kFull, StorageFault::kReadOnly, StorageFault::kIoError}) {
    if (std::strcmp(mode, StorageFaultName(f)) == 0) fault = f;
  }
  if (fault == StorageFault::kNone) {
    std::fprintf(stderr, "storage fault: unknown ESEP_FAULT_MODE %s\n", mode);
    std::abort();
  }
  ArmStorageFault(dir, fault, after == nullptr ? 0 : std::atoll(after));
}

__attribute__((constructor)) void Initialise() { ConfigureFromEnvironment(); }

}  // namespace

void ArmStorageFault(const std::string& directory, StorageFault fault, std::int64_t budget) {
  std::lock_guard<std::mutex> lock(g_mutex);
  std::snprintf(g_directory, sizeof g_directory, "%s", directory.c_str());
  g_directory_length = std::strlen(g_directory);
  while (g_directory_length > 1 && g_directory[g_directory_length - 1] == '/') {
    g_directory[--g_directory_length] = '\0';
  }
  g_fault = fault;
  g_budget = budget;
  g_injected = 0;
}

void DisarmStorageFault() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_fault = StorageFault::kNone;
  g_directory_length = 0;
  g_directory[0] = '\0';
}

std::int64_t StorageFaultsInjected() { return g_injected; }

std::int64_t StorageBudgetLeft() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_budget;
}

const char* StorageFaultName(StorageFault fault) {
  switch (fault) {
    case StorageFault::kNone:
      return "none";
    case StorageFault::kFull:
      return "full";
    case StorageFault::kReadOnly:
      return "read-only";
    case StorageFault::kIoError:
      return "io-error";
  }
  return "?";
}

}  // namespace esep::fault

using esep::fault::Admit;
using esep::fault::AdmitWrite;
using esep::fault::FdUnderDirectory;
using esep::fault::Next;
using esep::fault::Op;
using esep::fault::UnderDirectory;
using esep::fault::WritesTo;

// The interposed C library calls. Each passes through unless its file is under the armed
// directory and the fault refuses it.
extern "C" {

ssize_t write(int fd, const void* buf, size_t count) {
  static const auto real = Next<ssize_t (*)(int, const void*, size_t)>("write");
  if (!AdmitWrite(fd, count)) return -1;
  return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static const auto real = Next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  if (!AdmitWrite(fd, count)) return -1;
  return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  static const auto real = Next<ssize_t (*)(int, const void*, size_t, off64_t)>("pwrite64");
  if (!AdmitWrite(fd, count)) return -1;
  return real(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  static const auto real = Next<ssize_t (*)(int, const struct iovec*, int)>("writev");
  if (FdUnderDirectory(fd)) {
    std::int64_t total = 0;
    for (int i = 0; i < iovcnt; ++i) total += static_cast<std::int64_t>(iov[i].iov_len);
    const std::int64_t n = Admit(Op::kWrite, total);
    if (n < 0) return -1;
    if (n < total) {
      // A short write at the edge of the disk: only the first buffer's admitted part.
      static const auto real_write = Next<ssize_t (*)(int, const void*, size_t)>("write");
      return real_write(fd, iov[0].iov_base,
                        static_cast<size_t>(std::min<std::int64_t>(n, iov[0].iov_len)));
    }
  }
  return real(fd, iov, iovcnt);
}

int fsync(int fd) {
  static const auto real = Next<int (*)(int)>("fsync");
  if (FdUnderDirectory(fd) && Admit(Op::kFlush, 1) < 0) return -1;
  return real(fd);
}

int fdatasync(int fd) {
  static const auto real = Next<int (*)(int)>("fdatasync");
  if (FdUnderDirectory(fd) && Admit(Op::kFlush, 1) < 0) return -1;
  return real(fd);
}

int ftruncate(int fd, off_t length) {
  static const auto real = Next<int (*)(int, off_t)>("ftruncate");
  if (FdUnderDirectory(fd) && Admit(Op::kName, 1) < 0) return -1;
  return real(fd, length);
}

int ftruncate64(int fd, off64_t length) {
  static const auto real = Next<int (*)(int, off64_t)>("ftruncate64");
  if (FdUnderDirectory(fd) && Admit(Op::kName, 1) < 0) return -1;
  return real(fd, length);
}

int rename(const char* from, const char* to) {
  static const auto real = Next<int (*)(const char*, const char*)>("rename");
  if ((UnderDirectory(from) || UnderDirectory(to)) && Admit(Op::kName, 1) < 0) return -1;
  return real(from, to);
}

int unlink(const char* path) {
  static const auto real = Next<int (*)(const char*)>("unlink");
  if (UnderDirectory(path) && Admit(Op::kName, 1) < 0) return -1;
  return real(path);
}

// open and open64 alike: the mode is read only when the flags say one was passed.
#define ESEP_INTERPOSE_OPEN(name)                                                        \
  int name(const char* path, int flags, ...) {                                           \
    static const auto real = Next<int (*)(const char*, int, ...)>(#name);                \
    mode_t mode = 0;                                                                     \
    if (flags & (O_CREAT | O_TMPFILE)) {                                                 \
      va_list args;                                                                      \
      va_start(args, flags);                                                             \
      mode = static_cast<mode_t>(va_arg(args, int));                                     \
      va_end(args);                                                                      \
    }                                                                                    \
    if (WritesTo(flags) && UnderDirectory(path) && Admit(Op::kCreate, 1) < 0) return -1; \
    return real(path, flags, mode);                                                      \
  }

ESEP_INTERPOSE_OPEN(open)
ESEP_INTERPOSE_OPEN(open64)

}  // extern "C"
