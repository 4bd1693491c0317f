#include "esep/scanner/simulated_reader.h"

#include <algorithm>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <utility>

#include "absl/strings/str_cat.h"

namespace esep::scanner {
namespace {

class InProcessLink : public ReaderLink {
 public:
  explicit InProcessLink(std::shared_ptr<ReaderDevice> device) : device_(std::move(device)) {}

  absl::Status SendCommand(std::span<const std::uint8_t> frame,
                           std::chrono::milliseconds) override {
    device_->ReceiveCommandBytes(frame);
    return absl::OkStatus();
  }

  absl::Status ReceiveResponse(std::vector<std::uint8_t>& out,
                               std::chrono::milliseconds timeout) override {
    const std::size_t pending =
        std::min<std::size_t>(device_->pending_response_bytes(), kMaxFrameBytes);
    if (pending == 0) {
      return absl::DeadlineExceededError(absl::StrCat("no answer within ", timeout.count(), " ms"));
    }
    const std::size_t old_size = out.size();
    out.resize(old_size + pending);
    out.resize(old_size + device_->ReadResponse(std::span(out.data() + old_size, pending)));
    return absl::OkStatus();
  }

  absl::Status ReceiveEvent(std::vector<std::uint8_t>& out, std::chrono::milliseconds) override {
    if (std::optional<std::vector<std::uint8_t>> frame = device_->TakeEventFrame()) {
      out.insert(out.end(), frame->begin(), frame->end());
    }
    return absl::OkStatus();
  }

  absl::Status Resynchronize() override {
    device_->DropResponses();
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<ReaderDevice> device_;
};

}  // namespace

std::unique_ptr<ReaderLink> MakeInProcessLink(std::shared_ptr<ReaderDevice> device) {
  return std::make_unique<InProcessLink>(std::move(device));
}

absl::StatusOr<SheetImage> LoadSheetImage(const std::string& path, std::uint32_t dpi) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the ballot image ", path, ": no such file"));
  }
  cv::Mat gray;
  try {
    gray = cv::imread(path, cv::IMREAD_GRAYSCALE);
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("cannot decode ", path, ": ", e.what()));
  }
  if (gray.empty()) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the ballot image ", path, ": missing or not an image"));
  }
  if (gray.type() != CV_8UC1) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not an 8-bit image"));
  }
  SheetImage sheet;
  sheet.width = static_cast<std::uint32_t>(gray.cols);
  sheet.height = static_cast<std::uint32_t>(gray.rows);
  sheet.dpi = dpi;
  sheet.pixels.reserve(std::size_t{sheet.width} * sheet.height);
  for (int y = 0; y < gray.rows; ++y) {
    const std::uint8_t* row = gray.ptr<std::uint8_t>(y);
    sheet.pixels.insert(sheet.pixels.end(), row, row + gray.cols);
  }
  return sheet;
}

absl::StatusOr<std::unique_ptr<SimulatedReader>> SimulatedReader::Open(
    const std::string& path, SimulatedReaderOptions options) {
  return Open(std::vector<std::string>{path}, std::move(options));
}

absl::StatusOr<std::unique_ptr<SimulatedReader>> SimulatedReader::Open(
    const std::vector<std::string>& paths, SimulatedReaderOptions options) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> in_dir;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      std::string ext = entry.path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (entry.is_regular_file() && ext == ".png") in_dir.push_back(entry.path().string());
    }
    if (ec) return absl::NotFoundError(absl::StrCat("cannot list ", path, ": ", ec.message()));
    if (in_dir.empty()) {
      return absl::NotFoundError(absl::StrCat("the deck directory ", path, " has no PNG images"));
    }
    std::sort(in_dir.begin(), in_dir.end());
    files.insert(files.end(), in_dir.begin(), in_dir.end());
  }
  if (files.empty()) return absl::InvalidArgumentError("the deck names no images");
  std::vector<SheetImage> deck;
  for (const std::string& file : files) {
    absl::StatusOr<SheetImage> sheet = LoadSheetImage(file, options.image_dpi);
    if (!sheet.ok()) return sheet.status();
    deck.push_back(*std::move(sheet));
  }
  return std::make_unique<SimulatedReader>(std::move(deck), std::move(options));
}

SimulatedReader::SimulatedReader(std::vector<SheetImage> deck, SimulatedReaderOptions options)
    : ProtocolReader(nullptr, options.timeouts),
      device_(std::make_shared<ReaderDevice>(options.device)),
      deck_(std::move(deck)),
      script_(std::move(options.script)) {
  ReplaceLink(MakeInProcessLink(device_));
}

void SimulatedReader::AdvanceWorld() {
  if (scripted_cover_open_) {
    device_->CloseCover();
    scripted_cover_open_ = false;
  }
  if (device_->state() == reader::RETURNED) device_->VoterTakesSheet();
  if (device_->state() != reader::IDLE || next_sheet_ >= deck_.size()) return;
  const std::size_t index = next_sheet_++;
  const auto it = script_.find(index);
  const SheetScript script = it == script_.end() ? SheetScript::kNormal : it->second;
  const SheetImage& sheet = deck_[index];
  device_->InsertSheet(sheet, script == SheetScript::kDoubleFeed);
  switch (script) {
    case SheetScript::kJam:
      device_->JamAfterImageBytes(sheet.pixels.size() / 2);
      break;
    case SheetScript::kVoterTakesBack:
      device_->VoterTakesSheet();
      break;
    case SheetScript::kCoverOpen:
      device_->OpenCover();
      scripted_cover_open_ = true;
      break;
    case SheetScript::kNormal:
    case SheetScript::kDoubleFeed:
      break;
  }
}

absl::StatusOr<ScannedImage> SimulatedReader::AcceptAndScan() {
  AdvanceWorld();
  return ProtocolReader::AcceptAndScan();
}

absl::StatusOr<std::optional<reader::Event>> SimulatedReader::PollEvent(
    std::chrono::milliseconds timeout) {
  AdvanceWorld();
  return ProtocolReader::PollEvent(timeout);
}

}  // namespace esep::scanner
