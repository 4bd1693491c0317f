#include "esep/vision/interpreter.h"

#include <algorithm>
#include <cstdint>
#include <opencv2/core.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "esep/proto/election.h"
#include "esep/vision/ballot_identity_reader.h"
#include "esep/vision/contest_rules.h"
#include "esep/vision/mark_scorer.h"
#include "esep/vision/registration.h"
#include "histogram.h"

namespace esep::vision {
namespace {

// What registration needs of a style: the page, its marks and its barcode.
std::string LayoutKey(const BallotStyle& style) {
  BallotStyle layout;
  layout.set_page_width_mm(style.page_width_mm());
  layout.set_page_height_mm(style.page_height_mm());
  *layout.mutable_fiducials() = style.fiducials();
  *layout.mutable_barcode() = style.barcode();
  std::string key;
  layout.SerializeToString(&key);
  return key;
}

// How far a failed attempt got; the furthest one explains the rejection best.
int Progress(RejectionReason reason) {
  switch (reason) {
    case NOT_A_BALLOT_PAGE:
      return 1;
    case REGISTRATION_FAILED:
      return 2;
    case NO_BARCODE:
      return 3;
    case BAD_BARCODE:
      return 4;
    default:
      return 0;
  }
}

void Reject(InterpretationDetails* details, RejectionReason reason, std::string detail) {
  details->interpretation.set_accepted(false);
  details->interpretation.set_reason(reason);
  details->interpretation.set_detail(std::move(detail));
  details->interpretation.clear_targets();
  details->interpretation.clear_contests();
}

// A copy of `image` with streaks along the feed taken out (dust or a scratch on the sensor glass
// darkens one column over the whole sheet): each column's level is the 85th percentile over the
// image height, which nothing printed or marked reaches; a column darker than the typical one by
// more than 6 gray levels is lifted by its gain when it still lets half of the light through,
// else filled in from the nearest clean columns: lifting a darker one multiplies the noise and
// the JPEG ringing in it more than twice, and a registration mark it crosses splits in two. Empty
// when there is no such column. Integer arithmetic only.
cv::Mat WithoutStreaks(const cv::Mat& image) {
  constexpr int kDeadZone = 6;
  const int step = std::max(1, image.rows / 300);
  std::vector<std::vector<std::uint8_t>> samples(static_cast<std::size_t>(image.cols));
  for (int r = step / 2; r < image.rows; r += step) {
    const std::uint8_t* row = image.ptr<std::uint8_t>(r);
    for (int c = 0; c < image.cols; ++c) samples[static_cast<std::size_t>(c)].push_back(row[c]);
  }
  std::vector<int> level(static_cast<std::size_t>(image.cols));
  for (int c = 0; c < image.cols; ++c) {
    level[static_cast<std::size_t>(c)] = NthPercentile(samples[static_cast<std::size_t>(c)], 85);
  }
  std::vector<int> sorted = level;
  const int typical = NthPercentile(sorted, 50);
  auto dark = [&](int c) { return level[static_cast<std::size_t>(c)] < typical - kDeadZone; };
  bool any = false;
  for (int c = 0; c < image.cols; ++c) any = any || dark(c);
  if (!any) return {};
  cv::Mat out = image.clone();
  for (int c = 0; c < image.cols; ++c) {
    if (!dark(c)) continue;
    const int l = std::max(1, level[static_cast<std::size_t>(c)]);
    if (l * 2 >= typical) {
      for (int r = 0; r < out.rows; ++r) {
        std::uint8_t& v = out.at<std::uint8_t>(r, c);
        v = static_cast<std::uint8_t>(std::min(255, (v * typical + l / 2) / l));
      }
      continue;
    }
    int left = c - 1, right = c + 1;
    while (left >= 0 && dark(left)) --left;
    while (right < out.cols && dark(right)) ++right;
    for (int r = 0; r < out.rows; ++r) {
      std::uint8_t* row = out.ptr<std::uint8_t>(r);
      int v = 255;
      if (left >= 0 && right < out.cols) {
        v = (row[left] * (right - c) + row[right] * (c - left) + (right - left) / 2) /
            (right - left);
      } else if (left >= 0) {
        v = row[left];
      } else if (right < out.cols) {
        v = row[right];
      }
      row[c] = static_cast<std::uint8_t>(v);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Interpreter> Interpreter::Create(Election election, InterpreterOptions options) {
  if (!options.precinct_id.empty() && FindPrecinct(election, options.precinct_id) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("precinct \"", options.precinct_id, "\" is not in the election definition"));
  }
  MarkThresholds thresholds =
      options.thresholds.has_value() ? *options.thresholds : election.mark_thresholds();
  if (!(thresholds.marginal() > 0 && thresholds.marginal() <= thresholds.definite() &&
        thresholds.definite() < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("mark thresholds must satisfy 0 < marginal <= definite < 1 (marginal ",
                     thresholds.marginal(), ", definite ", thresholds.definite(), ")"));
  }
  return Interpreter(std::move(election), std::move(options), thresholds);
}

Interpreter::Interpreter(Election election, InterpreterOptions options, MarkThresholds thresholds)
    : election_(std::move(election)),
      options_(std::move(options)),
      thresholds_(thresholds),
      hash_prefix_(ElectionHashPrefix(election_)) {
  std::vector<std::string> keys;
  for (int i = 0; i < election_.ballot_styles_size(); ++i) {
    std::string key = LayoutKey(election_.ballot_styles(i));
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    keys.push_back(std::move(key));
    layouts_.push_back(i);
  }
}

std::string Interpreter::ThresholdReport() const {
  return FormatThresholds(thresholds_, options_.thresholds.has_value()
                                           ? "calibration profile"
                                           : absl::StrCat("election ", election_.id()));
}

Interpretation Interpreter::Interpret(const GrayImage& image) const {
  return InterpretWithDetails(image).interpretation;
}

InterpretationDetails Interpreter::InterpretWithDetails(const GrayImage& image) const {
  InterpretationDetails details = InterpretImage(image);
  const RejectionReason reason = details.interpretation.reason();
  if (details.interpretation.accepted() ||
      (reason != NOT_A_BALLOT_PAGE && reason != REGISTRATION_FAILED && reason != NO_BARCODE)) {
    return details;
  }
  // A streak along the feed through a registration mark or the barcode: the sheet is read
  // again with the streaks taken out.
  if (const absl::Status valid = ValidateGrayImage(image); !valid.ok()) return details;
  const cv::Mat mat(image.height, image.width, CV_8UC1,
                    const_cast<std::uint8_t*>(image.pixels.data()),
                    static_cast<std::size_t>(image.stride));
  const cv::Mat clean = WithoutStreaks(mat);
  if (clean.empty()) return details;
  GrayImage view{std::span<const std::uint8_t>(clean.datastart, clean.dataend), clean.cols,
                 clean.rows, static_cast<int>(clean.step[0])};
  InterpretationDetails again = InterpretImage(view);
  return again.interpretation.accepted() ? again : details;
}

InterpretationDetails Interpreter::InterpretImage(const GrayImage& image) const {
  InterpretationDetails details;
  Interpretation& out = details.interpretation;
  out.set_interpreter_version(kInterpreterVersion);
  if (const absl::Status valid = ValidateGrayImage(image); !valid.ok()) {
    Reject(&details, INVALID_IMAGE, std::string(valid.message()));
    return details;
  }
  // A read-only view: the pixels are never written.
  const cv::Mat mat(image.height, image.width, CV_8UC1,
                    const_cast<std::uint8_t*>(image.pixels.data()),
                    static_cast<std::size_t>(image.stride));
  const Registration registration;

  // Locate the page and read its barcode. The sheet may have been fed either way round: the
  // orientation is the one under which the barcode decodes where the style prints it.
  RejectionReason failure = REJECTION_REASON_UNSPECIFIED;
  std::string failure_detail;
  RegistrationResult reg;
  BarcodeReading barcode;
  bool read = false;
  int used_layout = 0;
  for (int layout : layouts_) {
    const BallotStyle& style = election_.ballot_styles(layout);
    for (int orientation : {0, 180}) {
      RegistrationResult attempt = registration.Register(mat, style, orientation);
      if (!details.registered || attempt.ok()) {
        details.fiducials = attempt.found;
        details.fiducial_found = attempt.was_found;
      }
      if (!attempt.ok()) {
        if (Progress(attempt.reason) > Progress(failure)) {
          failure = attempt.reason;
          failure_detail = attempt.detail;
        }
        continue;
      }
      details.registered = true;
      details.transform = attempt.transform;
      BarcodeReading reading = BallotIdentityReader::Read(mat, style.barcode(), attempt.transform);
      if (!reading.ok()) {
        if (Progress(reading.reason) > Progress(failure)) {
          failure = reading.reason;
          failure_detail = reading.detail;
        }
        continue;
      }
      reg = std::move(attempt);
      barcode = std::move(reading);
      read = true;
      used_layout = layout;
      break;
    }
    if (read) break;
  }
  if (!read) {
    if (failure == REJECTION_REASON_UNSPECIFIED) {
      failure = NOT_A_BALLOT_PAGE;
      failure_detail = "the election has no ballot style to register the page against";
    }
    Reject(&details, failure, failure_detail);
    return details;
  }

  *out.mutable_identity() = barcode.identity;
  std::string detail;
  const IdentityExpectation expectation{hash_prefix_, options_.precinct_id, options_.test_mode};
  if (const RejectionReason reason =
          BallotIdentityReader::Check(barcode.identity, election_, expectation, &detail);
      reason != REJECTION_REASON_UNSPECIFIED) {
    Reject(&details, reason, detail);
    return details;
  }
  const BallotStyle& style = *FindBallotStyle(election_, barcode.identity.style_id());
  if (LayoutKey(style) != LayoutKey(election_.ballot_styles(used_layout)) ||
      reg.found.size() != static_cast<std::size_t>(style.fiducials_size())) {
    // The style's own marks are placed differently from the layout the barcode was found with.
    reg = registration.Register(mat, style, reg.orientation_degrees);
    if (!reg.ok()) {
      Reject(&details, reg.reason, reg.detail);
      return details;
    }
  }
  details.transform = reg.transform;
  details.fiducials = reg.found;
  details.fiducial_found = reg.was_found;
  out.set_orientation_degrees(reg.orientation_degrees);
  out.set_registration_residual_px(reg.residual_px);

  std::vector<Rect> areas;
  for (const Target& target : style.targets()) areas.push_back(target.area());
  const MarkScorer scorer(mat, reg.transform, reg.ink_level);
  const int definite = ThresholdUnits(thresholds_.definite());
  const int marginal = ThresholdUnits(thresholds_.marginal());
  const std::vector<TargetScore> scores = scorer.ScoreTargets(areas, marginal, definite);
  for (int i = 0; i < style.targets_size(); ++i) {
    const TargetScore& s = scores[static_cast<std::size_t>(i)];
    if (s.linear < 0) {
      Reject(&details, REGISTRATION_FAILED,
             absl::StrCat("target ", style.targets(i).contest_id(), ":",
                          style.targets(i).option_id(), " lies outside the image"));
      return details;
    }
    // A vote needs pen strokes (the stroke score); faint ink that is not a stroke (a light
    // fill, show-through) can make a target marginal but never marked; ink entering from a
    // shape outside the box can make it marginal at most.
    int units = std::max(s.stroke, std::min(s.linear, definite - 1));
    TargetReading* reading = out.add_targets();
    if (s.foreign_ink && units >= definite) {
      units = definite - 1;
      reading->set_note(kForeignInkNote);
    }
    reading->set_contest_id(style.targets(i).contest_id());
    reading->set_option_id(style.targets(i).option_id());
    reading->set_score(static_cast<double>(units) / kScoreUnitsPerOne);
    reading->set_mark(ClassifyScore(units, thresholds_));
  }
  details.target_areas = areas;
  for (const ContestPlacement& placement : style.contests()) {
    const Contest* contest = FindContest(election_, placement.contest_id());
    if (contest == nullptr) continue;
    std::vector<const TargetReading*> readings;
    for (const TargetReading& reading : out.targets()) {
      if (reading.contest_id() == contest->id()) readings.push_back(&reading);
    }
    *out.add_contests() = ApplyContestRules(*contest, readings);
  }
  out.set_accepted(true);
  return details;
}

}  // namespace esep::vision
