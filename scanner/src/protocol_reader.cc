#include "esep/scanner/protocol_reader.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace esep::scanner {
namespace {

std::string StateName(reader::DeviceState state) { return reader::DeviceState_Name(state); }

}  // namespace

absl::Status ReaderErrorStatus(const reader::Error& error) {
  const std::string where =
      absl::StrCat(" (reader state ", StateName(error.state()), "): ", error.message());
  switch (error.code()) {
    case reader::JAM:
      return absl::AbortedError(absl::StrCat(
          "paper jam", where, "; open the cover, remove the sheet, close the cover and reset"));
    case reader::DOUBLE_FEED:
      return absl::AbortedError(
          absl::StrCat("two sheets fed at once", where, "; the sheets were returned to the voter"));
    case reader::SHEET_TOO_LONG:
      return absl::AbortedError(absl::StrCat("sheet longer than configured", where));
    case reader::COVER_IS_OPEN:
      return absl::FailedPreconditionError(
          absl::StrCat("the reader's cover is open", where, "; close it"));
    case reader::BOX_IS_FULL:
      return absl::ResourceExhaustedError(
          absl::StrCat("the ballot box is full", where, "; the commission must replace it"));
    case reader::NO_SHEET:
      return absl::FailedPreconditionError(absl::StrCat("no sheet at the entry", where));
    case reader::WRONG_STATE:
      return absl::FailedPreconditionError(absl::StrCat("command refused", where));
    case reader::BAD_REQUEST:
      return absl::InvalidArgumentError(absl::StrCat("setting refused by the reader", where));
    case reader::BAD_FRAME:
      return absl::DataLossError(
          absl::StrCat("the reader received a corrupted command", where, "; check the USB cable"));
    case reader::UNKNOWN_COMMAND:
      return absl::UnimplementedError(absl::StrCat(
          "the reader's firmware does not know the command", where, "; update the firmware"));
    case reader::HARDWARE:
      return absl::InternalError(
          absl::StrCat("reader hardware fault", where, "; call a technician"));
    default:
      return absl::UnknownError(absl::StrCat("reader error ", error.code(), where));
  }
}

ProtocolReader::ProtocolReader(std::unique_ptr<ReaderLink> link, ProtocolTimeouts timeouts)
    : link_(std::move(link)), timeouts_(timeouts) {}

void ProtocolReader::ReplaceLink(std::unique_ptr<ReaderLink> link) {
  link_ = std::move(link);
  responses_.Reset();
  events_.Reset();
  needs_resync_ = false;
}

absl::Status ProtocolReader::Fail(absl::Status status) {
  needs_resync_ = true;
  return status;
}

absl::Status ProtocolReader::SendRequest(reader::FrameType type,
                                         const google::protobuf::MessageLite& request) {
  if (link_ == nullptr) return absl::UnavailableError("the reader is not connected");
  if (needs_resync_) {
    if (absl::Status s = link_->Resynchronize(); !s.ok()) return s;
    needs_resync_ = false;
  }
  responses_.Reset();
  current_command_ = type;
  if (++sequence_ == 0) sequence_ = 1;  // 0 is the reader's "unreadable command"
  const std::vector<std::uint8_t> frame = EncodeMessageFrame(type, sequence_, request);
  if (absl::Status s = link_->SendCommand(frame, timeouts_.command); !s.ok()) {
    return Fail(std::move(s));
  }
  return absl::OkStatus();
}

absl::StatusOr<Frame> ProtocolReader::ReceiveFrame(std::chrono::milliseconds timeout) {
  std::vector<std::uint8_t> bytes;
  while (true) {
    absl::StatusOr<std::optional<Frame>> next = responses_.Next();
    if (!next.ok()) return Fail(next.status());
    if (next->has_value()) {
      Frame frame = std::move(**next);
      // Sequence 0 is the reader saying it could not read our command at all.
      const bool unreadable_command = frame.type == reader::ERROR && frame.sequence == 0;
      if (!unreadable_command) {
        if (absl::Status s = CheckSequence(frame, sequence_); !s.ok()) return Fail(std::move(s));
      }
      if (frame.type == reader::ERROR) {
        reader::Error error;
        if (absl::Status s = DecodePayload(frame, error); !s.ok()) return Fail(std::move(s));
        // The reader said what went wrong; the stream itself is intact, but drop whatever the
        // interrupted command may still send.
        return Fail(ReaderErrorStatus(error));
      }
      return frame;
    }
    bytes.clear();
    absl::Status received = link_->ReceiveResponse(bytes, timeout);
    if (absl::IsDeadlineExceeded(received)) {
      // A partial frame followed by silence is a truncated frame, not just a slow reader.
      if (absl::Status partial = responses_.Finish(); !partial.ok()) return Fail(partial);
      return Fail(absl::DeadlineExceededError(absl::StrCat(
          "the reader did not answer ", reader::FrameType_Name(current_command_), " within ",
          timeout.count(), " ms; check its power and cable (the link will be reset)")));
    }
    if (!received.ok()) return Fail(std::move(received));
    responses_.Feed(bytes);
  }
}

absl::StatusOr<Frame> ProtocolReader::Transact(reader::FrameType type,
                                               const google::protobuf::MessageLite& request,
                                               reader::FrameType expected,
                                               std::chrono::milliseconds timeout) {
  if (absl::Status s = SendRequest(type, request); !s.ok()) return s;
  absl::StatusOr<Frame> frame = ReceiveFrame(timeout);
  if (!frame.ok()) return frame.status();
  if (frame->type != expected) {
    return Fail(
        absl::DataLossError(absl::StrCat("the reader answered ", reader::FrameType_Name(type),
                                         " with a ", reader::FrameType_Name(frame->type),
                                         " frame instead of ", reader::FrameType_Name(expected))));
  }
  return frame;
}

absl::Status ProtocolReader::ExpectAck(reader::FrameType type, std::chrono::milliseconds timeout) {
  absl::StatusOr<Frame> frame = Transact(type, reader::MotionRequest(), reader::ACK, timeout);
  if (!frame.ok()) return frame.status();
  reader::Ack ack;
  if (absl::Status s = DecodePayload(*frame, ack); !s.ok()) return Fail(std::move(s));
  return absl::OkStatus();
}

absl::StatusOr<reader::Identity> ProtocolReader::Identify() {
  absl::StatusOr<Frame> frame =
      Transact(reader::IDENTIFY, reader::IdentifyRequest(), reader::IDENTITY, timeouts_.command);
  if (!frame.ok()) return frame.status();
  reader::Identity identity;
  if (absl::Status s = DecodePayload(*frame, identity); !s.ok()) return Fail(std::move(s));
  return identity;
}

absl::StatusOr<reader::DeviceStatus> ProtocolReader::GetStatus() {
  absl::StatusOr<Frame> frame =
      Transact(reader::GET_STATUS, reader::StatusRequest(), reader::STATUS, timeouts_.command);
  if (!frame.ok()) return frame.status();
  reader::DeviceStatus status;
  if (absl::Status s = DecodePayload(*frame, status); !s.ok()) return Fail(std::move(s));
  return status;
}

absl::Status ProtocolReader::Configure(const ScanSettings& settings) {
  reader::ScanConfiguration request;
  request.set_dpi(settings.dpi);
  request.set_max_sheet_length_mm(settings.max_sheet_length_mm);
  absl::StatusOr<Frame> frame =
      Transact(reader::CONFIGURE_SCAN, request, reader::ACK, timeouts_.command);
  return frame.status();
}

absl::StatusOr<ScannedImage> ProtocolReader::AcceptAndScan() {
  absl::StatusOr<Frame> frame = Transact(reader::ACCEPT_AND_SCAN, reader::ScanRequest(),
                                         reader::IMAGE_HEADER, timeouts_.motion);
  if (!frame.ok()) return frame.status();
  reader::ImageHeader header;
  if (absl::Status s = DecodePayload(*frame, header); !s.ok()) return Fail(std::move(s));
  ImageAssembler assembler;
  if (absl::Status s = assembler.Start(header); !s.ok()) return Fail(std::move(s));
  while (!assembler.complete()) {
    frame = ReceiveFrame(timeouts_.command);
    if (!frame.ok()) return frame.status();
    if (frame->type != reader::IMAGE_CHUNK) {
      return Fail(FrameErrorStatus(
          FrameError::kImageIncomplete,
          absl::StrCat("a ", reader::FrameType_Name(frame->type), " frame arrived after ",
                       assembler.received_bytes(), " of ", header.total_bytes(), " image bytes")));
    }
    reader::ImageChunk chunk;
    if (absl::Status s = DecodePayload(*frame, chunk); !s.ok()) return Fail(std::move(s));
    if (absl::Status s = assembler.AddChunk(chunk); !s.ok()) return Fail(std::move(s));
  }
  absl::StatusOr<ReceivedImage> image = assembler.Finish();
  if (!image.ok()) return Fail(image.status());
  // The reader confirms the sheet is held once the image is out.
  frame = ReceiveFrame(timeouts_.motion);
  if (!frame.ok()) return frame.status();
  if (frame->type != reader::ACK) {
    return Fail(
        absl::DataLossError(absl::StrCat("the reader sent a ", reader::FrameType_Name(frame->type),
                                         " frame instead of ACK after the image")));
  }
  ScannedImage out;
  out.width = image->width;
  out.height = image->height;
  out.dpi = image->dpi;
  out.sheet_number = image->sheet_number;
  out.pixels = std::move(image->pixels);
  out.sha256 = image->sha256;
  return out;
}

absl::Status ProtocolReader::ReturnToVoter() {
  return ExpectAck(reader::RETURN_TO_VOTER, timeouts_.motion);
}

absl::Status ProtocolReader::Cast() { return ExpectAck(reader::CAST, timeouts_.motion); }

absl::Status ProtocolReader::Calibrate() {
  return Transact(reader::CALIBRATE, reader::CalibrateRequest(), reader::ACK, timeouts_.motion)
      .status();
}

absl::Status ProtocolReader::Reset() {
  return Transact(reader::RESET, reader::ResetRequest(), reader::ACK, timeouts_.motion).status();
}

absl::StatusOr<std::optional<reader::Event>> ProtocolReader::PollEvent(
    std::chrono::milliseconds timeout) {
  if (link_ == nullptr) return absl::UnavailableError("the reader is not connected");
  while (true) {
    absl::StatusOr<std::optional<Frame>> next = events_.Next();
    if (!next.ok()) {
      const absl::Status status = next.status();
      events_.Reset();
      return status;
    }
    if (next->has_value()) {
      const Frame& frame = **next;
      if (frame.type != reader::EVENT) {
        return absl::DataLossError(absl::StrCat(
            "the reader sent a ", reader::FrameType_Name(frame.type), " frame on the event pipe"));
      }
      reader::Event event;
      if (absl::Status s = DecodePayload(frame, event); !s.ok()) return s;
      return std::optional<reader::Event>(event);
    }
    std::vector<std::uint8_t> bytes;
    if (absl::Status s = link_->ReceiveEvent(bytes, timeout); !s.ok()) return s;
    if (bytes.empty()) {
      if (events_.buffered_bytes() > 0) {
        const absl::Status truncated = events_.Finish();
        events_.Reset();
        return truncated;
      }
      return std::optional<reader::Event>();
    }
    events_.Feed(bytes);
  }
}

}  // namespace esep::scanner
