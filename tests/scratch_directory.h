#ifndef ESEP_TESTS_SCRATCH_DIRECTORY_H_
#define ESEP_TESTS_SCRATCH_DIRECTORY_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace esep::testing {

// A path for the running test's scratch files, named after the prefix, the process and the test,
// removed if a previous run left it (not created: the test decides what it makes there).
inline std::filesystem::path ScratchDirectory(const std::string& prefix) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      (prefix + "-" + std::to_string(::getpid()) + "-" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

// ScratchDirectory(), created empty.
inline std::filesystem::path FreshDirectory(const std::string& prefix) {
  const std::filesystem::path dir = ScratchDirectory(prefix);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace esep::testing

#endif  // ESEP_TESTS_SCRATCH_DIRECTORY_H_
