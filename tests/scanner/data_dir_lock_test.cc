#include "esep/scanner/data_dir_lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace esep::scanner {
namespace {

class DataDirLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("esep-lock-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(DataDirLockTest, ASecondHolderIsRefusedNamingTheDirectoryAndThePid) {
  absl::StatusOr<DataDirLock> first = DataDirLock::Acquire(dir_);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<DataDirLock> second = DataDirLock::Acquire(dir_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(second.status().message());
  EXPECT_NE(message.find("the data directory " + dir_.string() + " is in use by another esepd"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("(pid " + std::to_string(::getpid()) + ")"), std::string::npos) << message;
}

TEST_F(DataDirLockTest, TheLockGoesWithItsHolder) {
  { ASSERT_TRUE(DataDirLock::Acquire(dir_).ok()); }
  absl::StatusOr<DataDirLock> again = DataDirLock::Acquire(dir_);
  ASSERT_TRUE(again.ok()) << again.status();
  DataDirLock moved = *std::move(again);
  EXPECT_FALSE(DataDirLock::Acquire(dir_).ok());
}

TEST_F(DataDirLockTest, ADaemonKilledWithSigkillLeavesNoLockBehind) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    absl::StatusOr<DataDirLock> held = DataDirLock::Acquire(dir_);
    const char answer = held.ok() ? '1' : '0';
    if (::write(ready[1], &answer, 1) != 1 || !held.ok()) ::_exit(1);
    for (;;) ::pause();
  }
  char answer = 0;
  const bool told = ::read(ready[0], &answer, 1) == 1;
  absl::StatusOr<DataDirLock> while_alive = DataDirLock::Acquire(dir_);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  ASSERT_TRUE(told && answer == '1');
  ASSERT_FALSE(while_alive.ok());
  EXPECT_NE(while_alive.status().message().find("(pid " + std::to_string(child) + ")"),
            std::string::npos)
      << while_alive.status().message();
  EXPECT_TRUE(DataDirLock::Acquire(dir_).ok());
}

TEST_F(DataDirLockTest, MakesAMissingDirectoryOwnerOnly) {
  absl::StatusOr<DataDirLock> lock = DataDirLock::Acquire(dir_ / "store");
  ASSERT_TRUE(lock.ok()) << lock.status();
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "store").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(lock->path(), dir_ / "store" / "esepd.lock");
}

}  // namespace
}  // namespace esep::scanner
