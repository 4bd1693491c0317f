#ifndef ESEP_TESTS_FAULT_STORAGE_FAULT_H_
#define ESEP_TESTS_FAULT_STORAGE_FAULT_H_

// A storage-fault layer for tests: the file system under one directory fills up, turns
// read-only or fails with I/O errors at a chosen point, as a real disk does, underneath SQLite and
// every other writer of the process. It interposes the C library's file calls (write, pwrite,
// fsync, open for writing, rename, ...) and passes calls on other files through untouched.
//
// In a test binary, link the `esep_storage_fault` library and call ArmStorageFault(). For a whole
// program (esepd), preload it: LD_PRELOAD=libesep_storage_fault.so with
//   ESEP_FAULT_DIR=/path/under/test  ESEP_FAULT_MODE=full|read-only|io-error  ESEP_FAULT_AFTER=N
// where N counts bytes written (full) or write operations (the others) that still succeed.

#include <cstdint>
#include <string>

namespace esep::fault {

enum class StorageFault {
  kNone,
  kFull,      // ENOSPC once `budget` more bytes are written; short writes at the edge
  kReadOnly,  // EROFS on every change after `budget` more operations (open for writing too)
  kIoError,   // EIO on writes and flushes after `budget` more operations
};

// Arms `fault` for files under `directory` (an absolute path): the next `budget` bytes (kFull)
// or mutating operations (the others) succeed, then every one fails until disarmed.
void ArmStorageFault(const std::string& directory, StorageFault fault, std::int64_t budget);
void DisarmStorageFault();
// Mutating operations under the directory refused since the fault was armed.
std::int64_t StorageFaultsInjected();
// What is left of the budget (bytes or operations) before the fault strikes.
std::int64_t StorageBudgetLeft();

const char* StorageFaultName(StorageFault fault);

}  // namespace esep::fault

#endif  // ESEP_TESTS_FAULT_STORAGE_FAULT_H_
