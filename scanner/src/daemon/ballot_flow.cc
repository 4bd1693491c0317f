#include "esep/scanner/ballot_flow.h"

#include <ctime>

#include "absl/strings/str_cat.h"
#include "esep/scanner/cast_vote_record.h"
#include "esep/scanner/crash_point.h"
#include "esep/text/sentence.h"
#include "esep/vision/image_codec.h"

namespace esep::scanner {
namespace {

absl::StatusOr<std::vector<std::uint8_t>> EncodePng(const ScannedImage& image) {
  if (image.width == 0 || image.height == 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height) {
    return absl::DataLossError("the reader delivered an image whose size does not match");
  }
  // Lossless, and the same bytes for the same pixels: the stored image is what was read.
  absl::StatusOr<std::vector<std::uint8_t>> png =
      vision::EncodeGrayPng({image.pixels, static_cast<int>(image.width),
                             static_cast<int>(image.height), static_cast<int>(image.width)});
  if (absl::IsInvalidArgument(png.status())) {
    return absl::DataLossError(absl::StrCat("the reader delivered an image that cannot be a page: ",
                                            png.status().message()));
  }
  return png;
}

}  // namespace

SheetMoment SheetMoment::Now() {
  timespec cpu{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
  return {std::chrono::steady_clock::now(),
          std::chrono::seconds(cpu.tv_sec) + std::chrono::nanoseconds(cpu.tv_nsec)};
}

absl::Status BallotFlow::Stored(absl::Status status) {
  // A refusal of the store's own rules (a sheet not in the expected state, a missing row) is
  // not a fault of the storage; anything else is: I/O errors, a full or read-only disk, damage.
  const bool refusal = absl::IsFailedPrecondition(status) || absl::IsNotFound(status) ||
                       absl::IsInvalidArgument(status) || absl::IsAlreadyExists(status) ||
                       absl::IsOutOfRange(status);
  if (!status.ok() && !refusal && storage_fault_.ok()) {
    std::string_view what(status.message().data(), status.message().size());
    if (what.starts_with("tally store: ")) what.remove_prefix(13);
    storage_fault_ = absl::Status(status.code(),
                                  absl::StrCat("the tally store failed (", std::string(what), ")"));
  }
  return status;
}

absl::StatusOr<SheetResult> BallotFlow::ProcessSheet(bool test) {
  if (held_) {
    return text::SentenceError(
        absl::StatusCode::kFailedPrecondition,
        text::Sentence{N_("a returned ballot is waiting for the voter to take it back or cast it "
                          "as is"),
                       {}});
  }
  if (!storage_fault_.ok()) {
    return text::SentenceError(
        absl::StatusCode::kFailedPrecondition,
        text::Sentence{N_("{fault}; the reader takes no paper until a technician has repaired "
                          "the storage and restarted esepd"),
                       {{"fault", std::string(storage_fault_.message())}}});
  }
  absl::StatusOr<ScannedImage> image = c_.reader->AcceptAndScan();
  if (!image.ok()) return image.status();  // nothing stored, nothing counted
  const SheetMoment scanned_at = SheetMoment::Now();
  CrashPoint("flow.sheet.scanned");
  absl::StatusOr<std::vector<std::uint8_t>> png = EncodePng(*image);
  if (!png.ok()) return png.status();
  absl::StatusOr<std::string> sha = Stored(c_.store->StoreImage(*png));
  if (!sha.ok()) return sha.status();
  absl::StatusOr<std::int64_t> sheet = Stored(c_.store->Escrow(*sha));
  if (!sheet.ok()) return sheet.status();

  SheetResult result;
  result.sheet = *sheet;
  result.scanned_at = scanned_at;
  const vision::GrayImage view{image->pixels, static_cast<int>(image->width),
                               static_cast<int>(image->height), static_cast<int>(image->width)};
  result.interpretation = (test ? c_.test : c_.live)->Interpret(view);
  result.decision = vision::DecideBallot(result.interpretation, c_.policy);
  if (result.decision.cast) return Cast(std::move(result), test, /*cast_as_is=*/false);
  if (result.decision.voter_may_cast_as_is) {
    result.outcome = SheetOutcome::kAwaitingVoter;
    held_ = Held{result, test};
    return result;
  }
  return Return(std::move(result));
}

absl::StatusOr<SheetResult> BallotFlow::VoterChoice(bool cast_as_is) {
  if (!held_) {
    return text::SentenceError(absl::StatusCode::kFailedPrecondition,
                               text::Sentence{N_("no ballot is waiting for the voter"), {}});
  }
  Held held = std::move(*held_);
  held_.reset();
  if (cast_as_is) return Cast(std::move(held.result), held.test, /*cast_as_is=*/true);
  return Return(std::move(held.result));
}

absl::StatusOr<SheetResult> BallotFlow::Cast(SheetResult result, bool test, bool cast_as_is) {
  absl::StatusOr<std::string> image_sha = Stored(c_.store->ImageOf(result.sheet));
  if (!image_sha.ok()) return image_sha.status();
  const CastVoteRecord record = MakeCastVoteRecord(
      {c_.election_hash, c_.reader_serial, c_.batch_id, *image_sha, test, cast_as_is, c_.software},
      result.interpretation);
  // The reader's count of sheets cast, kept with the decision: whatever happens to the drop or
  // to the store afterwards, a later count above it says the sheet reached the box.
  absl::StatusOr<reader::DeviceStatus> before = c_.reader->GetStatus();
  if (!before.ok()) return before.status();  // not decided: the sheet stays in escrow
  if (absl::Status s = Stored(c_.store->DecideCast(result.sheet, record, before->sheets_cast()));
      !s.ok()) {
    return s;  // not durably decided: the sheet is never moved into the box
  }
  result.decided_at = SheetMoment::Now();

  if (absl::Status dropped = c_.reader->Cast(); !dropped.ok()) {
    // Did the sheet reach the box anyway? The reader's count says; otherwise it stays "decided"
    // for ReconcileUnconfirmedCasts() after the technician clears the reader.
    absl::StatusOr<reader::DeviceStatus> after = c_.reader->GetStatus();
    if (!after.ok() || after->sheets_cast() <= before->sheets_cast()) {
      return absl::Status(dropped.code(),
                          absl::StrCat("sheet ", result.sheet, " was to be cast, but the reader ",
                                       "failed: ", dropped.message(),
                                       "; it is not counted until the drop is confirmed"));
    }
  }
  CrashPoint("flow.cast.dropped");
  if (absl::Status s = Stored(c_.store->ConfirmCast(result.sheet)); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("sheet ", result.sheet,
                                               " is in the box, but the store could not count "
                                               "it yet (",
                                               std::string(s.message()),
                                               "); the next start counts it from the reader's "
                                               "count of sheets cast"));
  }
  result.outcome = SheetOutcome::kCast;
  return result;
}

absl::StatusOr<SheetResult> BallotFlow::Return(SheetResult result) {
  if (absl::Status s = Stored(c_.store->DecideReturn(result.sheet, result.decision.return_reason));
      !s.ok()) {
    return s;
  }
  result.decided_at = SheetMoment::Now();
  if (absl::Status s = c_.reader->ReturnToVoter(); !s.ok()) return s;
  CrashPoint("flow.return.ejected");
  if (absl::Status s = Stored(c_.store->ConfirmReturned(result.sheet)); !s.ok()) return s;
  result.outcome = SheetOutcome::kReturned;
  return result;
}

absl::Status BallotFlow::HandBackAfterStorageFault() {
  held_.reset();
  absl::StatusOr<reader::DeviceStatus> status = c_.reader->GetStatus();
  if (!status.ok()) return status.status();
  if (status->state() != reader::HOLDING) return absl::OkStatus();
  return c_.reader->ReturnToVoter();
}

absl::StatusOr<std::vector<std::int64_t>> BallotFlow::ReconcileUnconfirmedCasts() {
  std::vector<std::int64_t> settled;
  absl::StatusOr<std::vector<std::int64_t>> unconfirmed =
      Stored(c_.store->SheetsIn(SheetState::kDecidedCast));
  if (!unconfirmed.ok()) return unconfirmed.status();
  for (std::int64_t sheet : *unconfirmed) {
    absl::StatusOr<SheetState> state = Stored(c_.store->State(sheet));
    if (!state.ok()) return state.status();
    if (*state != SheetState::kDecidedCast) continue;  // settled already
    absl::StatusOr<std::int64_t> count_before = Stored(c_.store->ReaderSheetsCastAtDecision(sheet));
    if (!count_before.ok()) return count_before.status();
    absl::StatusOr<reader::DeviceStatus> status = c_.reader->GetStatus();
    if (!status.ok()) return status.status();
    const std::int64_t count_now = status->sheets_cast();
    bool dropped = false;
    std::string evidence;
    if (*count_before >= 0 && count_now >= *count_before) {
      dropped = count_now > *count_before;
      evidence = absl::StrCat("the reader's count of sheets cast was ", *count_before,
                              " at the decision and is ", count_now);
    } else {
      // The count went back (the reader lost power or its box was emptied) or was never known:
      // only the sensors remain. The journal first, the paper after: were the sheet ejected
      // before "returned" is on disk, a crash in between would leave it at the front, out of
      // the path, and the next start would take it for dropped and count it.
      dropped = !status->paper_in_path();
      evidence = absl::StrCat("the reader's count of sheets cast went back from ", *count_before,
                              " to ", count_now, "; its sensors show the path ",
                              dropped ? "empty" : "holding paper");
    }
    if (absl::Status s = Stored(c_.store->ResolveUnconfirmedCast(sheet, dropped, evidence));
        !s.ok()) {
      return s;
    }
    settled.push_back(sheet);
  }
  // A sheet still held in the path now is not counted: one settled above, one the journal
  // returned at recovery, or one scanned but never journaled. It goes back to the voter.
  absl::StatusOr<reader::DeviceStatus> status = c_.reader->GetStatus();
  if (!status.ok()) return status.status();
  if (status->state() == reader::HOLDING) {
    if (absl::Status s = c_.reader->ReturnToVoter(); !s.ok()) return s;
  }
  return settled;
}

}  // namespace esep::scanner
