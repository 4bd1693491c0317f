#include "esep/scanner/reader_device.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "esep/proto/sha256.h"

namespace esep::scanner {
namespace {

void StoreLe32(std::vector<std::uint8_t>& frame, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) frame[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Recomputes the CRC of a frame whose header was edited.
void Reseal(std::vector<std::uint8_t>& frame) {
  std::uint32_t crc = Crc32(std::span(frame.data(), 16));
  crc = Crc32(std::span(frame.data() + kFrameHeaderBytes, frame.size() - kFrameHeaderBytes), crc);
  StoreLe32(frame, 16, crc);
}

}  // namespace

ReaderDevice::ReaderDevice(DeviceConfig config)
    : config_(std::move(config)),
      event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      dpi_(config_.optical_dpi) {}

ReaderDevice::~ReaderDevice() {
  if (event_fd_ >= 0) ::close(event_fd_);
}

void ReaderDevice::SignalEventsLocked() {
  if (event_fd_ < 0 || event_signalled_ == !events_.empty()) return;
  std::uint64_t value = 1;
  if (events_.empty()) {
    while (::read(event_fd_, &value, sizeof value) < 0 && errno == EINTR) {
    }
  } else {
    while (::write(event_fd_, &value, sizeof value) < 0 && errno == EINTR) {
    }
  }
  event_signalled_ = !events_.empty();
}

void ReaderDevice::InsertSheet(SheetImage sheet, bool double_feed) {
  std::lock_guard lock(mutex_);
  if (state_ != reader::IDLE) return;  // the entry is blocked; the sheet does not go in
  sheet_ = std::move(sheet);
  double_feed_ = double_feed;
  SetState(reader::SHEET_AT_ENTRY);
  Emit(reader::SHEET_INSERTED);
}

void ReaderDevice::VoterTakesSheet() {
  std::lock_guard lock(mutex_);
  if (state_ != reader::RETURNED && state_ != reader::SHEET_AT_ENTRY) return;
  sheet_.reset();
  SetState(sheets_cast_ >= config_.box_capacity ? reader::BOX_FULL : reader::IDLE);
  Emit(reader::SHEET_REMOVED);
}

void ReaderDevice::OpenCover() {
  std::lock_guard lock(mutex_);
  if (cover_open_) return;
  cover_open_ = true;
  Emit(reader::COVER_OPENED);
}

void ReaderDevice::CloseCover() {
  std::lock_guard lock(mutex_);
  if (!cover_open_) return;
  cover_open_ = false;
  // With the cover open a technician can clear a jam; closing it leaves an empty path.
  if (state_ == reader::JAMMED) {
    sheet_.reset();
    SetState(sheets_cast_ >= config_.box_capacity ? reader::BOX_FULL : reader::IDLE);
  }
  Emit(reader::COVER_CLOSED);
}

void ReaderDevice::EmptyBox() {
  std::lock_guard lock(mutex_);
  sheets_cast_ = 0;
  if (state_ == reader::BOX_FULL) SetState(reader::IDLE);
}

void ReaderDevice::PowerOnWith(std::optional<SheetImage> sheet, reader::DeviceState state,
                               std::uint32_t sheets_cast) {
  std::lock_guard lock(mutex_);
  responses_.clear();
  responses_read_ = 0;
  events_.clear();
  SignalEventsLocked();
  jam_after_bytes_.reset();
  link_fault_ = LinkFault::kNone;
  image_fault_ = ImageFault::kNone;
  double_feed_ = false;
  sheets_cast_ = sheets_cast;
  const bool holds_paper = state == reader::SHEET_AT_ENTRY || state == reader::SCANNING ||
                           state == reader::HOLDING || state == reader::RETURNED ||
                           state == reader::JAMMED;
  if (!holds_paper || !sheet.has_value()) {
    sheet_.reset();
    SetState(sheets_cast_ >= config_.box_capacity ? reader::BOX_FULL : reader::IDLE);
    return;
  }
  sheet_ = std::move(sheet);
  SetState(state == reader::SCANNING ? reader::HOLDING : state);
}

void ReaderDevice::JamAfterImageBytes(std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  jam_after_bytes_ = bytes;
}

void ReaderDevice::InjectLinkFault(LinkFault fault) {
  std::lock_guard lock(mutex_);
  link_fault_ = fault;
}

void ReaderDevice::InjectImageFault(ImageFault fault) {
  std::lock_guard lock(mutex_);
  image_fault_ = fault;
}

void ReaderDevice::SetAnswering(bool answering) {
  std::lock_guard lock(mutex_);
  answering_ = answering;
}

reader::DeviceState ReaderDevice::state() const {
  std::lock_guard lock(mutex_);
  return cover_open_ ? reader::COVER_OPEN : state_;
}

std::uint32_t ReaderDevice::sheets_cast() const {
  std::lock_guard lock(mutex_);
  return sheets_cast_;
}

std::uint32_t ReaderDevice::commands_received() const {
  std::lock_guard lock(mutex_);
  return commands_received_;
}

std::size_t ReaderDevice::pending_response_bytes() const {
  std::lock_guard lock(mutex_);
  return responses_.size() - responses_read_;
}

std::size_t ReaderDevice::ReadResponse(std::span<std::uint8_t> out) {
  std::lock_guard lock(mutex_);
  const std::size_t n = std::min(out.size(), responses_.size() - responses_read_);
  std::copy_n(responses_.begin() + static_cast<std::ptrdiff_t>(responses_read_), n, out.begin());
  responses_read_ += n;
  if (responses_read_ == responses_.size()) {
    responses_.clear();
    responses_read_ = 0;
  }
  return n;
}

void ReaderDevice::DropResponses() {
  std::lock_guard lock(mutex_);
  responses_.clear();
  responses_read_ = 0;
}

std::optional<std::vector<std::uint8_t>> ReaderDevice::TakeEventFrame() {
  std::lock_guard lock(mutex_);
  if (events_.empty()) return std::nullopt;
  std::vector<std::uint8_t> frame = std::move(events_.front());
  events_.pop_front();
  SignalEventsLocked();
  return frame;
}

void ReaderDevice::ReceiveCommandBytes(std::span<const std::uint8_t> bytes) {
  std::lock_guard lock(mutex_);
  commands_.Feed(bytes);
  while (true) {
    absl::StatusOr<std::optional<Frame>> frame = commands_.Next();
    if (!frame.ok()) {
      // The controller's bytes are out of step; say so and start again at the next write.
      commands_.Reset();
      RespondError(0, reader::BAD_FRAME, std::string(frame.status().message()));
      return;
    }
    if (!frame->has_value()) return;
    ++commands_received_;
    truncated_ = false;
    HandleFrame(**frame);
  }
}

reader::DeviceStatus ReaderDevice::StatusLocked() const {
  reader::DeviceStatus status;
  status.set_state(cover_open_ ? reader::COVER_OPEN : state_);
  status.set_paper_at_entry(state_ == reader::SHEET_AT_ENTRY || state_ == reader::RETURNED);
  status.set_paper_in_path(state_ == reader::SCANNING || state_ == reader::HOLDING ||
                           state_ == reader::JAMMED);
  status.set_cover_open(cover_open_);
  status.set_box_full(sheets_cast_ >= config_.box_capacity);
  status.set_sheets_cast(sheets_cast_);
  status.set_dpi(dpi_);
  status.set_max_sheet_length_mm(max_sheet_length_mm_);
  status.set_calibrated(calibrated_);
  return status;
}

void ReaderDevice::HandleFrame(const Frame& frame) {
  const std::uint32_t seq = frame.sequence;
  auto motion_blocked = [&]() {
    if (cover_open_) {
      RespondError(seq, reader::COVER_IS_OPEN, "close the cover");
      return true;
    }
    if (state_ == reader::JAMMED) {
      RespondError(seq, reader::JAM, "the paper path is jammed");
      return true;
    }
    return false;
  };
  auto wrong_state = [&](const char* command) {
    RespondError(
        seq, reader::WRONG_STATE,
        absl::StrCat(command, " is not allowed in state ", reader::DeviceState_Name(state_)));
  };
  switch (frame.type) {
    case reader::IDENTIFY: {
      reader::Identity identity;
      identity.set_model(config_.model);
      identity.set_serial(config_.serial);
      identity.set_firmware(config_.firmware);
      identity.set_sensor_width_px(config_.sensor_width_px);
      identity.set_optical_dpi(config_.optical_dpi);
      for (std::uint32_t d : config_.supported_dpi) identity.add_supported_dpi(d);
      identity.set_protocol_version(kProtocolVersion);
      Respond(reader::IDENTITY, seq, identity);
      return;
    }
    case reader::GET_STATUS:
      Respond(reader::STATUS, seq, StatusLocked());
      return;
    case reader::CONFIGURE_SCAN: {
      reader::ScanConfiguration config;
      if (!DecodePayload(frame, config).ok()) {
        RespondError(seq, reader::BAD_FRAME, "undecodable ScanConfiguration");
        return;
      }
      if (state_ == reader::SCANNING || state_ == reader::HOLDING) {
        wrong_state("CONFIGURE_SCAN");
        return;
      }
      if (std::find(config_.supported_dpi.begin(), config_.supported_dpi.end(), config.dpi()) ==
          config_.supported_dpi.end()) {
        RespondError(seq, reader::BAD_REQUEST, absl::StrCat(config.dpi(), " dpi is not supported"));
        return;
      }
      if (config.max_sheet_length_mm() < 100 || config.max_sheet_length_mm() > 1000) {
        RespondError(seq, reader::BAD_REQUEST,
                     absl::StrCat("maximum sheet length ", config.max_sheet_length_mm(),
                                  " mm is outside 100 .. 1000 mm"));
        return;
      }
      dpi_ = config.dpi();
      max_sheet_length_mm_ = config.max_sheet_length_mm();
      Ack(seq);
      return;
    }
    case reader::ACCEPT_AND_SCAN:
      if (motion_blocked()) return;
      if (state_ == reader::BOX_FULL) {
        RespondError(seq, reader::BOX_IS_FULL, "the box holds no more sheets");
        return;
      }
      if (state_ == reader::IDLE) {
        RespondError(seq, reader::NO_SHEET, "insert a ballot first");
        return;
      }
      if (state_ != reader::SHEET_AT_ENTRY) {
        wrong_state("ACCEPT_AND_SCAN");
        return;
      }
      Scan(seq);
      return;
    case reader::RETURN_TO_VOTER:
      if (motion_blocked()) return;
      if (state_ != reader::HOLDING && state_ != reader::SHEET_AT_ENTRY) {
        wrong_state("RETURN_TO_VOTER");
        return;
      }
      SetState(reader::RETURNED);
      Ack(seq);
      return;
    case reader::CAST:
      if (motion_blocked()) return;
      if (state_ != reader::HOLDING) {
        wrong_state("CAST");
        return;
      }
      sheet_.reset();
      ++sheets_cast_;
      if (sheets_cast_ >= config_.box_capacity) {
        SetState(reader::BOX_FULL);
        Ack(seq);
        Emit(reader::BOX_FULL_EVENT);
      } else {
        SetState(reader::IDLE);
        Ack(seq);
      }
      return;
    case reader::CALIBRATE:
      if (motion_blocked()) return;
      if (state_ != reader::IDLE) {
        wrong_state("CALIBRATE (the paper path must be empty)");
        return;
      }
      calibrated_ = true;
      Ack(seq);
      return;
    case reader::RESET:
      // Stops the motors and forgets the interrupted command; a sheet in the path goes back to
      // the front, and a jam counts as cleared (the technician opened the path).
      jam_after_bytes_.reset();
      if (state_ == reader::HOLDING || state_ == reader::SCANNING) {
        SetState(reader::RETURNED);
      } else if (state_ == reader::JAMMED) {
        sheet_.reset();
        SetState(reader::IDLE);
      }
      if (state_ == reader::IDLE && sheets_cast_ >= config_.box_capacity) {
        SetState(reader::BOX_FULL);
      }
      Ack(seq);
      return;
    default:
      RespondError(seq, reader::UNKNOWN_COMMAND,
                   absl::StrCat(reader::FrameType_Name(frame.type), " is not a command"));
      return;
  }
}

void ReaderDevice::Scan(std::uint32_t seq) {
  SheetImage& sheet = *sheet_;
  ++sheets_scanned_;
  SetState(reader::SCANNING);
  Emit(reader::SCAN_STARTED);
  if (double_feed_) {
    double_feed_ = false;
    SetState(reader::RETURNED);
    Emit(reader::DOUBLE_FEED_EVENT);
    RespondError(seq, reader::DOUBLE_FEED, "two sheets at once; both were returned");
    return;
  }
  const std::uint64_t length_mm =
      sheet.dpi == 0 ? 0 : std::uint64_t{sheet.height} * 254 / (std::uint64_t{sheet.dpi} * 10);
  if (length_mm > max_sheet_length_mm_) {
    SetState(reader::RETURNED);
    RespondError(seq, reader::SHEET_TOO_LONG,
                 absl::StrCat("the sheet is ", length_mm, " mm long; at most ",
                              max_sheet_length_mm_, " mm is configured"));
    return;
  }
  reader::ImageHeader header;
  header.set_width(sheet.width);
  header.set_height(sheet.height);
  header.set_dpi(sheet.dpi);
  header.set_total_bytes(sheet.pixels.size());
  const Sha256Digest digest =
      sheet.sha256 ? *sheet.sha256 : Sha256(std::span<const std::uint8_t>(sheet.pixels));
  header.set_sha256(std::string(digest.begin(), digest.end()));
  header.set_sheet_number(sheets_scanned_);
  Respond(reader::IMAGE_HEADER, seq, header);
  const std::uint64_t chunk_bytes =
      std::clamp<std::uint64_t>(config_.chunk_bytes, 1, kMaxImageChunkBytes);
  for (std::uint64_t offset = 0; offset < sheet.pixels.size();) {
    if (jam_after_bytes_ && offset >= *jam_after_bytes_) {
      jam_after_bytes_.reset();
      SetState(reader::JAMMED);
      Emit(reader::JAMMED_EVENT);
      RespondError(seq, reader::JAM,
                   absl::StrCat("the sheet stopped after ", offset, " of ", sheet.pixels.size(),
                                " image bytes"));
      return;
    }
    std::uint64_t n = std::min<std::uint64_t>(chunk_bytes, sheet.pixels.size() - offset);
    if (jam_after_bytes_) n = std::min<std::uint64_t>(n, *jam_after_bytes_ - offset);
    reader::ImageChunk chunk;
    chunk.set_offset(offset);
    chunk.set_data(std::string(sheet.pixels.begin() + static_cast<std::ptrdiff_t>(offset),
                               sheet.pixels.begin() + static_cast<std::ptrdiff_t>(offset + n)));
    const bool first = offset == 0;
    const bool last = offset + n == sheet.pixels.size();
    offset += n;
    if (image_fault_ == ImageFault::kCorruptPixel && first) {
      (*chunk.mutable_data())[0] ^= 0x5a;
      image_fault_ = ImageFault::kNone;
    } else if (image_fault_ == ImageFault::kSkippedChunk && !first) {
      image_fault_ = ImageFault::kNone;
      continue;
    } else if (image_fault_ == ImageFault::kExtraBytes && last) {
      chunk.mutable_data()->append(16, '\0');
      image_fault_ = ImageFault::kNone;
    }
    Respond(reader::IMAGE_CHUNK, seq, chunk);
  }
  jam_after_bytes_.reset();
  image_fault_ = ImageFault::kNone;
  SetState(reader::HOLDING);
  Emit(reader::SCAN_FINISHED);
  Ack(seq);
}

void ReaderDevice::Respond(reader::FrameType type, std::uint32_t sequence,
                           const google::protobuf::MessageLite& message) {
  if (!answering_ || truncated_) return;
  std::vector<std::uint8_t> frame = EncodeMessageFrame(type, sequence, message);
  switch (std::exchange(link_fault_, LinkFault::kNone)) {
    case LinkFault::kNone:
      break;
    case LinkFault::kBadCrc:
      frame.back() ^= 0x01;
      if (frame.size() == kFrameHeaderBytes) frame[16] ^= 0x01;
      break;
    case LinkFault::kOversizeLength:
      StoreLe32(frame, 12, kMaxFramePayloadBytes + 1);
      break;
    case LinkFault::kTruncated:
      frame.resize(std::max<std::size_t>(frame.size() / 2, 1));
      truncated_ = true;
      break;
    case LinkFault::kUnknownType:
      frame[5] = 0x7e;
      Reseal(frame);
      break;
    case LinkFault::kWrongSequence:
      StoreLe32(frame, 8, sequence + 1000);
      Reseal(frame);
      break;
  }
  responses_.insert(responses_.end(), frame.begin(), frame.end());
}

void ReaderDevice::RespondError(std::uint32_t sequence, reader::ErrorCode code,
                                const std::string& message) {
  reader::Error error;
  error.set_code(code);
  error.set_message(message);
  error.set_state(cover_open_ ? reader::COVER_OPEN : state_);
  Respond(reader::ERROR, sequence, error);
}

void ReaderDevice::Ack(std::uint32_t sequence) {
  reader::Ack ack;
  ack.set_state(cover_open_ ? reader::COVER_OPEN : state_);
  Respond(reader::ACK, sequence, ack);
}

void ReaderDevice::Emit(reader::EventKind kind) {
  reader::Event event;
  event.set_kind(kind);
  event.set_state(cover_open_ ? reader::COVER_OPEN : state_);
  event.set_sheet_number(sheets_scanned_);
  events_.push_back(EncodeMessageFrame(reader::EVENT, ++event_sequence_, event));
  SignalEventsLocked();
}

}  // namespace esep::scanner
