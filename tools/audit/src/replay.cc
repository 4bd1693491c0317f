#include "esep/audit/replay.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "esep/audit/json.h"
#include "esep/proto/sha256.h"
#include "esep/vision/image_codec.h"

namespace esep::audit {

absl::StatusOr<cv::Mat> DecodeGray(const std::string& bytes, cv::Mat* buffer) {
  return vision::DecodeGrayImage(
      {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, buffer);
}

absl::StatusOr<cv::Mat> ReadGrayImageFile(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::NotFoundError(absl::StrCat("no such image file ", path));
  }
  absl::StatusOr<std::string> bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<cv::Mat> gray = DecodeGray(*bytes);
  if (!gray.ok()) {
    return absl::Status(gray.status().code(),
                        absl::StrCat("cannot read image ", path, ": ", gray.status().message()));
  }
  return gray;
}

absl::StatusOr<cv::Mat> ReadGrayImage(const FileInDirectory& file) {
  absl::StatusOr<std::string> bytes = ReadFileInside(file);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<cv::Mat> gray = DecodeGray(*bytes);
  if (!gray.ok()) {
    return absl::Status(gray.status().code(),
                        absl::StrCat("cannot read image ", PrintableName(file.Path().string()),
                                     ": ", gray.status().message()));
  }
  return gray;
}

absl::StatusOr<Replayer> Replayer::Create(const Election& election, const std::string& precinct_id,
                                          std::optional<MarkThresholds> thresholds) {
  vision::InterpreterOptions options;
  options.precinct_id = precinct_id;
  options.thresholds = thresholds;
  absl::StatusOr<vision::Interpreter> live = vision::Interpreter::Create(election, options);
  if (!live.ok()) return live.status();
  options.test_mode = true;
  absl::StatusOr<vision::Interpreter> test = vision::Interpreter::Create(election, options);
  if (!test.ok()) return test.status();
  return Replayer(*std::move(live), *std::move(test));
}

ReplayedImage Replayer::ReadOne(const ReplayItem& item, cv::Mat* buffer) const {
  ReplayedImage out;
  out.name = item.name;
  out.test = item.test;
  absl::StatusOr<std::string> bytes = ReadFileInside(item.file);
  if (!bytes.ok()) {
    out.status = bytes.status();
    return out;
  }
  out.image_sha256 = ToHex(Sha256(*bytes));
  absl::StatusOr<cv::Mat> gray = DecodeGray(*bytes, buffer);
  if (!gray.ok()) {
    out.status = gray.status();
    return out;
  }
  out.interpretation = interpreter(item.test).Interpret(vision::ViewOf(*gray));
  return out;
}

std::vector<ReplayedImage> Replayer::Run(std::vector<ReplayItem> items, int jobs,
                                         const ReplayProgress& progress) const {
  std::sort(items.begin(), items.end(), [](const ReplayItem& a, const ReplayItem& b) {
    return std::tie(a.name, a.test) < std::tie(b.name, b.test);
  });
  std::vector<ReplayedImage> results(items.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  const auto worker = [&] {
    cv::Mat buffer;  // one page buffer per worker, reused from page to page
    for (std::size_t i = next++; i < items.size(); i = next++) {
      results[i] = ReadOne(items[i], &buffer);
      ++done;
    }
  };
  const std::size_t workers =
      std::min<std::size_t>(static_cast<std::size_t>(std::max(1, jobs)), items.size());
  // With a progress callback every worker is a thread and the caller's thread reports;
  // without, the caller's thread is one of the workers.
  std::vector<std::thread> pool;
  for (std::size_t w = progress ? 0 : 1; w < workers; ++w) pool.emplace_back(worker);
  if (progress) {
    while (done.load() < items.size()) {
      progress(done.load(), items.size());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    progress(items.size(), items.size());
  } else if (!items.empty()) {
    worker();
  }
  for (std::thread& t : pool) t.join();
  return results;
}

scanner::Tally TallyOf(const std::vector<CastVoteRecord>& records, bool test) {
  scanner::Tally tally;
  for (const CastVoteRecord& record : records) {
    if (record.test() != test) continue;
    ++tally.ballots_cast;
    ++tally.ballots_cast_by_style[record.style_id()];
    for (const ContestReading& contest : record.interpretation().contests()) {
      ++tally.outcomes[{contest.contest_id(), ContestOutcome_Name(contest.outcome())}];
      if (contest.outcome() != VALID && contest.outcome() != UNDERVOTE) continue;
      for (const std::string& option : contest.selections()) {
        ++tally.votes[{contest.contest_id(), option}];
      }
    }
  }
  return tally;
}

std::string FormatTally(const scanner::Tally& tally) {
  std::string out = absl::StrCat("ballots cast ", tally.ballots_cast, "\n");
  // On a day with several ballots per voter, the count of each kind (one style per kind).
  if (tally.ballots_cast_by_style.size() > 1) {
    for (const auto& [style, count] : tally.ballots_cast_by_style) {
      absl::StrAppend(&out, "ballots cast style ", style, " ", count, "\n");
    }
  }
  for (const auto& [key, count] : tally.votes) {
    absl::StrAppend(&out, "votes ", key.first, " ", key.second, " ", count, "\n");
  }
  for (const auto& [key, count] : tally.outcomes) {
    absl::StrAppend(&out, "outcome ", key.first, " ", key.second, " ", count, "\n");
  }
  return out;
}

}  // namespace esep::audit
