#ifndef ESEP_AUDIT_REPLAY_H_
#define ESEP_AUDIT_REPLAY_H_

#include <filesystem>
#include <functional>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/audit/safe_path.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/interpretation.pb.h"
#include "esep/scanner/ballot_store.h"
#include "esep/vision/interpreter.h"

namespace esep::audit {

// One image to read again: `name` orders the work and the results (an image hash or a file
// name), `test` selects the logic-and-accuracy interpreter.
struct ReplayItem {
  std::string name;
  FileInDirectory file;  // read with ReadFileInside: no link below its directory is followed
  bool test = false;
};

// What replay read from one image.
struct ReplayedImage {
  std::string name;
  bool test = false;
  std::string image_sha256;  // of the bytes read (empty when the file could not be read)
  absl::Status status;       // not OK when the file is missing or not a decodable image
  Interpretation interpretation;
};

// Called from the caller's thread while replay runs: images done, images in all.
using ReplayProgress = std::function<void(std::size_t done, std::size_t total)>;

// The interpreters a precinct's reader used (live and test), rebuilt from the election, the
// precinct and the calibration thresholds, and a pool that reads many images with them. The
// results are in the order of the items' names whatever the number of workers: each result is
// a pure function of its image, and its place in the output is fixed before the work starts.
class Replayer {
 public:
  static absl::StatusOr<Replayer> Create(const Election& election, const std::string& precinct_id,
                                         std::optional<MarkThresholds> thresholds);

  // Reads every item with `jobs` worker threads (at least 1). Items are sorted by (name, test).
  std::vector<ReplayedImage> Run(std::vector<ReplayItem> items, int jobs,
                                 const ReplayProgress& progress = nullptr) const;

  // One image, with what the interpreter saw (for overlays).
  const vision::Interpreter& interpreter(bool test) const { return test ? test_ : live_; }

 private:
  Replayer(vision::Interpreter live, vision::Interpreter test)
      : live_(std::move(live)), test_(std::move(test)) {}
  ReplayedImage ReadOne(const ReplayItem& item, cv::Mat* buffer) const;

  vision::Interpreter live_;
  vision::Interpreter test_;
};

// vision::DecodeGrayImage of file bytes held in a string.
absl::StatusOr<cv::Mat> DecodeGray(const std::string& bytes, cv::Mat* buffer = nullptr);
// Reads and decodes an image file as 8-bit grayscale; the error names the file and what is wrong.
absl::StatusOr<cv::Mat> ReadGrayImageFile(const std::string& path);
// The same for a file inside a directory (a bundle's image), read with ReadFileInside.
absl::StatusOr<cv::Mat> ReadGrayImage(const FileInDirectory& file);

// The tally of records (live or test), counted as the tally store counts: ballots cast, votes
// of VALID and UNDERVOTE contests, and ballots per contest outcome.
scanner::Tally TallyOf(const std::vector<CastVoteRecord>& records, bool test);

// The tally as text, one line per count, in a fixed order.
std::string FormatTally(const scanner::Tally& tally);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_REPLAY_H_
