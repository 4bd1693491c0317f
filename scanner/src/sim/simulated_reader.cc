#include "esep/scanner/simulated_reader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "esep/scanner/crash_point.h"
#include "esep/vision/image_codec.h"

namespace esep::scanner {
namespace {

class InProcessLink : public ReaderLink {
 public:
  InProcessLink(std::shared_ptr<ReaderDevice> device, std::function<void()> after_command)
      : device_(std::move(device)), after_command_(std::move(after_command)) {}

  absl::Status SendCommand(std::span<const std::uint8_t> frame,
                           std::chrono::milliseconds) override {
    device_->ReceiveCommandBytes(frame);
    if (after_command_) after_command_();
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

  int EventFd() override { return device_->event_fd(); }

 private:
  std::shared_ptr<ReaderDevice> device_;
  std::function<void()> after_command_;
};

bool HoldsPaper(reader::DeviceState state) {
  return state == reader::SHEET_AT_ENTRY || state == reader::SCANNING || state == reader::HOLDING ||
         state == reader::RETURNED || state == reader::JAMMED;
}

absl::Status WorldFileError(const std::filesystem::path& path, const std::string& what) {
  return absl::DataLossError(
      absl::StrCat("the simulated reader's state file ", path.string(), " ", what));
}

}  // namespace

std::unique_ptr<ReaderLink> MakeInProcessLink(std::shared_ptr<ReaderDevice> device,
                                              std::function<void()> after_command) {
  return std::make_unique<InProcessLink>(std::move(device), std::move(after_command));
}

// One line: next_sheet in_reader(-1: none) state, then the hand and the box, each as a count
// followed by deck indices.
absl::Status WriteSimulatedWorld(const std::filesystem::path& path, const SimulatedWorld& world) {
  std::ostringstream text;
  text << world.next_sheet << ' '
       << (world.in_reader ? static_cast<long long>(*world.in_reader) : -1LL) << ' '
       << static_cast<int>(world.state);
  for (const std::vector<std::size_t>* list : {&world.in_hand, &world.box}) {
    text << ' ' << list->size();
    for (std::size_t index : *list) text << ' ' << index;
  }
  text << '\n';
  // Replaced by rename: a crash leaves the old state or the new one, never half of one.
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text.str();
    out.flush();
    if (!out) return WorldFileError(tmp, "cannot be written");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return WorldFileError(path, absl::StrCat("cannot be replaced: ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<SimulatedWorld> ReadSimulatedWorld(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("no simulated reader state in ", path.string()));
  SimulatedWorld world;
  long long in_reader = -1;
  int state = 0;
  if (!(in >> world.next_sheet >> in_reader >> state) || !reader::DeviceState_IsValid(state)) {
    return WorldFileError(path, "is unreadable");
  }
  if (in_reader >= 0) world.in_reader = static_cast<std::size_t>(in_reader);
  world.state = static_cast<reader::DeviceState>(state);
  for (std::vector<std::size_t>* list : {&world.in_hand, &world.box}) {
    std::size_t count = 0;
    if (!(in >> count)) return WorldFileError(path, "is unreadable");
    list->resize(count);
    for (std::size_t& index : *list) {
      if (!(in >> index)) return WorldFileError(path, "is unreadable");
    }
  }
  return world;
}

absl::StatusOr<SheetImage> LoadSheetImage(const std::string& path, std::uint32_t dpi) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the ballot image ", path, ": no such file"));
  }
  std::ifstream file(path, std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                        std::istreambuf_iterator<char>());
  if (!file.good() && !file.eof()) {
    return absl::NotFoundError(absl::StrCat("cannot read the ballot image ", path));
  }
  absl::StatusOr<cv::Mat> decoded = vision::DecodeGrayImage(bytes);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot decode ", path, ": ", decoded.status().message()));
  }
  const cv::Mat& gray = *decoded;
  SheetImage sheet;
  sheet.width = static_cast<std::uint32_t>(gray.cols);
  sheet.height = static_cast<std::uint32_t>(gray.rows);
  sheet.dpi = dpi;
  sheet.pixels.reserve(std::size_t{sheet.width} * sheet.height);
  for (int y = 0; y < gray.rows; ++y) {
    const std::uint8_t* row = gray.ptr<std::uint8_t>(y);
    sheet.pixels.insert(sheet.pixels.end(), row, row + gray.cols);
  }
  // Hashed once here instead of at every scan: the simulated firmware's work is not esepd's.
  sheet.sha256 = Sha256(std::span<const std::uint8_t>(sheet.pixels));
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
  return Create(std::move(deck), std::move(options));
}

absl::StatusOr<std::unique_ptr<SimulatedReader>> SimulatedReader::Create(
    std::vector<SheetImage> deck, SimulatedReaderOptions options) {
  std::error_code ec;
  const bool resume =
      !options.state_file.empty() && std::filesystem::exists(options.state_file, ec);
  auto reader = std::make_unique<SimulatedReader>(std::move(deck), std::move(options));
  if (!resume) return reader;
  absl::StatusOr<SimulatedWorld> world = ReadSimulatedWorld(reader->state_file_);
  if (!world.ok()) return world.status();
  const std::size_t size = reader->deck_.size();
  bool fits = world->next_sheet <= size && (!world->in_reader || *world->in_reader < size);
  for (const auto* list : {&world->in_hand, &world->box}) {
    for (std::size_t index : *list) fits &= index < size;
  }
  if (!fits) return WorldFileError(reader->state_file_, "names sheets the deck does not have");
  std::optional<SheetImage> sheet;
  if (world->in_reader && HoldsPaper(world->state)) sheet = reader->deck_[*world->in_reader];
  reader->device_->PowerOnWith(std::move(sheet), world->state,
                               static_cast<std::uint32_t>(world->box.size()));
  reader->world_ = *std::move(world);
  reader->world_.state = reader->device_->state();
  reader->kept_ = reader->world_;
  return reader;
}

SimulatedReader::SimulatedReader(std::vector<SheetImage> deck, SimulatedReaderOptions options)
    : ProtocolReader(nullptr, options.timeouts),
      device_(std::make_shared<ReaderDevice>(options.device)),
      deck_(std::move(deck)),
      script_(std::move(options.script)),
      state_file_(std::move(options.state_file)),
      voter_feeds_again_(std::move(options.voter_feeds_again)) {
  ReplaceLink(MakeInProcessLink(device_, [this] { PaperMoved(); }));
}

void SimulatedReader::PaperMoved() {
  world_.state = device_->state();
  if (device_->sheets_cast() > world_.box.size() && world_.in_reader) {
    world_.box.push_back(*world_.in_reader);
    world_.in_reader.reset();
  }
  if (!HoldsPaper(world_.state)) world_.in_reader.reset();
  if (world_ == kept_) return;
  kept_ = world_;
  // A simulation cannot act on a lost state file; the next start then finds the paper where it
  // was kept last, as after a crash just before this move.
  if (!state_file_.empty()) (void)WriteSimulatedWorld(state_file_, world_);
  CrashPoint("sim.reader.paper_moved");
}

std::size_t SimulatedReader::sheets_waiting() const {
  std::size_t waiting = world_.in_hand.size();
  const reader::DeviceState state = device_->state();
  if (world_.in_reader && state == reader::SHEET_AT_ENTRY) ++waiting;
  if (world_.in_reader && state == reader::RETURNED && voter_feeds_again_ &&
      voter_feeds_again_(*world_.in_reader)) {
    ++waiting;
  }
  return waiting;
}

void SimulatedReader::AdvanceWorld() {
  if (scripted_cover_open_) {
    device_->CloseCover();
    scripted_cover_open_ = false;
  }
  if (device_->state() == reader::RETURNED) {
    const std::optional<std::size_t> taken = world_.in_reader;
    device_->VoterTakesSheet();
    if (taken && voter_feeds_again_ && voter_feeds_again_(*taken)) world_.in_hand.push_back(*taken);
    PaperMoved();
  }
  if (device_->state() != reader::IDLE) return;
  if (!world_.in_hand.empty()) {
    // A voter whose sheet came back feeds it again, as it was printed.
    const std::size_t index = world_.in_hand.front();
    world_.in_hand.erase(world_.in_hand.begin());
    world_.in_reader = index;
    device_->InsertSheet(deck_[index]);
    PaperMoved();
    return;
  }
  if (world_.next_sheet >= deck_.size()) return;
  const std::size_t index = world_.next_sheet++;
  world_.in_reader = index;
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
  PaperMoved();
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
