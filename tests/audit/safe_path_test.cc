// Names from a bundle and files inside a directory: the name rule, and reads and writes that
// never leave the directory nor follow a link planted in it.
#include "esep/audit/safe_path.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "esep/audit/json.h"
#include "scratch_directory.h"

namespace esep::audit {
namespace {

namespace fs = std::filesystem;

class SafePathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::FreshDirectory("esep-safe-path");
    inside_ = root_ / "inside";
    fs::create_directories(inside_ / "images");
    ASSERT_TRUE(WriteFileBytes((root_ / "outside.txt").string(), "outside").ok());
    ASSERT_TRUE(WriteFileBytes((inside_ / "images" / "a.png").string(), "image").ok());
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string Outside() const {
    absl::StatusOr<std::string> bytes = ReadFileBytes((root_ / "outside.txt").string());
    return bytes.ok() ? *bytes : "unreadable";
  }

  fs::path root_;
  fs::path inside_;
};

TEST(BundleNameTest, AcceptsTheNamesAnExportWrites) {
  for (const char* name :
       {"manifest.json", "cvr.nist-1500-103.json", "protocol.signed.pb",
        "images/0f14df478706c5509c95528fe921feb403a521c56ab9d36e0e4652f1798529f0.png",
        "ae8ef67f87e27e2d85589192b90866fb", "R1_0042-batch.2"}) {
    EXPECT_TRUE(CheckBundleName(name).ok()) << name;
  }
}

TEST(BundleNameTest, RefusesEveryNameThatCouldLeaveOrHideInTheBundle) {
  for (const std::string& name :
       {std::string(), std::string("/etc/passwd"), std::string("../escaped"),
        std::string("images/../../escaped"), std::string(".."), std::string("."),
        std::string("a/b/c"), std::string("images//a.png"), std::string("images/"),
        std::string("a\\b"), std::string(".hidden"), std::string("-rf"), std::string("a b"),
        std::string("line\nbreak"), std::string("nul\0byte", 8), std::string("\xd0\xb0"),
        std::string(201, 'a')}) {
    EXPECT_FALSE(CheckBundleName(name).ok()) << PrintableName(name);
  }
  EXPECT_TRUE(CheckBundleName(std::string(200, 'a')).ok());
}

TEST(BundleNameTest, AFileNameHasNoSeparator) {
  EXPECT_TRUE(CheckBundleFileName("ae8ef67f87e27e2d85589192b90866fb").ok());
  EXPECT_FALSE(CheckBundleFileName("images/a.png").ok());
  const absl::Status status = CheckBundleFileName("../../x");
  EXPECT_NE(std::string(status.message()).find("\"../../x\""), std::string::npos) << status;
}

TEST(BundleNameTest, PrintsNamesWithoutControlCharacters) {
  EXPECT_EQ(PrintableName("a\nb\x1b[2J\\"), "a\\x0ab\\x1b[2J\\x5c");
  EXPECT_EQ(PrintableName(std::string(130, 'x')).size(),
            120 + std::string("... (130 bytes)").size());
  EXPECT_TRUE(IsSha256Hex(std::string(64, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'A')));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
}

TEST_F(SafePathTest, ReadsOnlyInsideTheDirectory) {
  absl::StatusOr<std::string> image = ReadFileInside(inside_, "images/a.png");
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(*image, "image");
  EXPECT_FALSE(ReadFileInside(inside_, "../outside.txt").ok());
  EXPECT_FALSE(ReadFileInside(inside_, "images/../../outside.txt").ok());
  EXPECT_FALSE(ReadFileInside(inside_, (root_ / "outside.txt").string()).ok());
  EXPECT_TRUE(absl::IsNotFound(ReadFileInside(inside_, "missing").status()));
}

TEST_F(SafePathTest, DoesNotFollowALinkToAFileOrThroughALinkedDirectory) {
  fs::create_symlink(root_ / "outside.txt", inside_ / "link.txt");
  fs::create_directory_symlink(root_, inside_ / "up");
  const absl::StatusOr<std::string> file = ReadFileInside(inside_, "link.txt");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(std::string(file.status().message()).find("symbolic link"), std::string::npos)
      << file.status();
  EXPECT_FALSE(ReadFileInside(inside_, "up/outside.txt").ok());
  // The directory itself is the caller's choice, and a link to it is followed.
  fs::create_directory_symlink(inside_, root_ / "chosen");
  EXPECT_TRUE(ReadFileInside(root_ / "chosen", "images/a.png").ok());
}

TEST_F(SafePathTest, RefusesAFifoWithoutWaitingAndAFileAboveTheLimit) {
  ASSERT_EQ(::mkfifo((inside_ / "fifo").c_str(), 0600), 0);
  EXPECT_FALSE(ReadFileInside(inside_, "fifo").ok());
  EXPECT_FALSE(ReadFileInside(inside_, "images").ok()) << "a directory";
  EXPECT_TRUE(absl::IsResourceExhausted(ReadFileInside(inside_, "images/a.png", 4).status()));
  EXPECT_TRUE(ReadFileInside(inside_, "images/a.png", 5).ok());
}

TEST_F(SafePathTest, WritingReplacesAPlantedLinkInsteadOfFollowingIt) {
  fs::create_symlink(root_ / "outside.txt", inside_ / "tally.txt");
  ASSERT_TRUE(WriteFileInside(inside_, "tally.txt", "tally").ok());
  EXPECT_EQ(Outside(), "outside");
  EXPECT_FALSE(fs::is_symlink(inside_ / "tally.txt"));
  EXPECT_EQ(*ReadFileInside(inside_, "tally.txt"), "tally");

  // A hard link to a file elsewhere is replaced too, not written through.
  fs::create_hard_link(root_ / "outside.txt", inside_ / "notes.txt");
  ASSERT_TRUE(WriteFileInside(inside_, "notes.txt", "notes").ok());
  EXPECT_EQ(Outside(), "outside");

  // Nothing is left under a temporary name.
  for (const auto& entry : fs::directory_iterator(inside_)) {
    EXPECT_NE(entry.path().filename().string().front(), '.') << entry.path();
  }
}

TEST_F(SafePathTest, WritesNowhereOutsideTheDirectory) {
  fs::create_directory_symlink(root_, inside_ / "overlays");
  EXPECT_FALSE(WriteFileInside(inside_, "../outside.txt", "x").ok());
  EXPECT_FALSE(WriteFileInside(inside_, "overlays/outside.txt", "x").ok());
  EXPECT_FALSE(WriteFileInside(inside_, "/tmp/x", "x").ok());
  EXPECT_FALSE(MakeDirectoryInside(inside_, "overlays").ok()) << "a link to a directory";
  EXPECT_FALSE(WriteFileInside(inside_, "images", "x").ok()) << "a directory";
  EXPECT_EQ(Outside(), "outside");
  ASSERT_TRUE(MakeDirectoryInside(inside_, "report/overlays").ok());
  EXPECT_TRUE(WriteFileInside(inside_, "report/overlays/a.png", "x").ok());
}

TEST_F(SafePathTest, ListsLinksAsLinksWithoutDescendingIntoThem) {
  fs::create_directory_symlink(root_, inside_ / "up");
  fs::create_symlink(root_ / "outside.txt", inside_ / "images" / "b.png");
  absl::StatusOr<std::vector<DirectoryEntry>> entries = ListInside(inside_);
  ASSERT_TRUE(entries.ok()) << entries.status();
  std::vector<std::pair<std::string, EntryKind>> listed;
  for (const DirectoryEntry& e : *entries) listed.emplace_back(e.name, e.kind);
  EXPECT_EQ(listed,
            (std::vector<std::pair<std::string, EntryKind>>{{"images", EntryKind::kDirectory},
                                                            {"images/a.png", EntryKind::kFile},
                                                            {"images/b.png", EntryKind::kSymlink},
                                                            {"up", EntryKind::kSymlink}}));
  absl::StatusOr<std::vector<DirectoryEntry>> top = ListInside(inside_, 0);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->size(), 2u);
  EXPECT_EQ(*KindInside(inside_, "up"), EntryKind::kSymlink);
  EXPECT_TRUE(absl::IsNotFound(KindInside(inside_, "missing").status()));
}

}  // namespace
}  // namespace esep::audit
