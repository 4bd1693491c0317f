#ifndef ESEP_VISION_INTERPRETER_H_
#define ESEP_VISION_INTERPRETER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "esep/proto/election.pb.h"
#include "esep/proto/interpretation.pb.h"
#include "esep/vision/gray_image.h"
#include "esep/vision/page_transform.h"

namespace esep::vision {

// Written into every Interpretation; bump it whenever a change can alter a reading.
inline constexpr char kInterpreterVersion[] = "esep-vision/0.2.8";

// TargetReading.note of a target whose ink enters from a shape outside its box.
inline constexpr char kForeignInkNote[] = "ink enters the box from outside: at most marginal";

// How the reader is set up.
struct InterpreterOptions {
  // The precinct this reader counts; empty accepts any precinct the ballot's style is issued at.
  std::string precinct_id;
  // Logic-and-accuracy test: only test-deck ballots are read; live ones are refused, and the
  // other way round when false.
  bool test_mode = false;
  // A calibration profile's thresholds; the election's own when absent.
  std::optional<MarkThresholds> thresholds;
};

// An interpretation together with what the interpreter saw, for overlays and diagnostics.
struct InterpretationDetails {
  Interpretation interpretation;
  bool registered = false;
  PageTransform transform;           // page mm -> image px, when registered
  std::vector<PointPx> fiducials;    // where each style fiducial was found (image px)
  std::vector<bool> fiducial_found;  // in the style's fiducial order
  std::vector<Rect> target_areas;    // page mm, in the order of interpretation.targets
};

// Reads one ballot image: registration, barcode, identity checks, mark scoring, contest rules.
// A pure function of (image pixels, election, options): no I/O, no globals, no threads, and the
// serialized Interpretation is byte-identical for identical input on any machine.
class Interpreter {
 public:
  // Fails when the options do not fit the election (unknown precinct, thresholds out of order).
  static absl::StatusOr<Interpreter> Create(Election election, InterpreterOptions options = {});

  Interpretation Interpret(const GrayImage& image) const;
  InterpretationDetails InterpretWithDetails(const GrayImage& image) const;

  const MarkThresholds& thresholds() const { return thresholds_; }
  // The thresholds in force and their source, printable on request (VVSG 1.1.6-G).
  std::string ThresholdReport() const;

 private:
  // One reading of `image` (InterpretWithDetails reads again without streaks when it fails).
  InterpretationDetails InterpretImage(const GrayImage& image) const;
  Interpreter(Election election, InterpreterOptions options, MarkThresholds thresholds);

  Election election_;
  InterpreterOptions options_;
  MarkThresholds thresholds_;
  std::string hash_prefix_;
  // One style index per distinct registration layout (page, fiducials, barcode area).
  std::vector<int> layouts_;
};

}  // namespace esep::vision

#endif  // ESEP_VISION_INTERPRETER_H_
