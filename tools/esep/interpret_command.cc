// esep interpret: reads ballot images with the interpreter and prints what it read.
#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <opencv2/core.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "command_line.h"
#include "commands.h"
#include "esep/audit/overlay.h"
#include "esep/audit/replay.h"
#include "esep/proto/calibration.pb.h"
#include "esep/proto/election.h"
#include "esep/vision/image_codec.h"
#include "esep/vision/interpreter.h"
#include "esep/vision/return_policy.h"

namespace esep::cli {
namespace {

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// Enum names as lower-case words: OVERVOTE -> "overvote", WRONG_PRECINCT -> "wrong_precinct".
std::string Lower(const std::string& name) { return absl::AsciiStrToLower(name); }

std::string ToJsonLine(const std::string& image, const Interpretation& in,
                       const vision::BallotDecision& decision) {
  std::string out = absl::StrCat(
      "{\"image\":", JsonString(image), ",\"status\":\"", in.accepted() ? "accepted" : "rejected",
      "\",\"reason\":\"", in.accepted() ? "" : Lower(RejectionReason_Name(in.reason())),
      "\",\"detail\":", JsonString(in.detail()),
      ",\"style\":", JsonString(in.identity().style_id()),
      ",\"precinct\":", JsonString(in.identity().precinct_id()),
      ",\"test\":", in.identity().test() ? "true" : "false",
      ",\"return_to_voter\":", decision.cast ? "false" : "true",
      ",\"return_reason\":", JsonString(decision.return_reason),
      ",\"orientation\":", in.orientation_degrees(),
      absl::StrFormat(",\"residual_px\":%.3f", in.registration_residual_px()), ",\"contests\":[");
  for (int i = 0; i < in.contests_size(); ++i) {
    const ContestReading& c = in.contests(i);
    absl::StrAppend(&out, i ? "," : "", "{\"contest_id\":", JsonString(c.contest_id()),
                    ",\"outcome\":\"", Lower(ContestOutcome_Name(c.outcome())),
                    "\",\"has_marginal\":", c.has_marginal() ? "true" : "false",
                    ",\"selections\":[");
    for (int s = 0; s < c.selections_size(); ++s) {
      absl::StrAppend(&out, s ? "," : "", JsonString(c.selections(s)));
    }
    out += "]}";
  }
  out += "],\"targets\":[";
  for (int i = 0; i < in.targets_size(); ++i) {
    const TargetReading& t = in.targets(i);
    absl::StrAppend(&out, i ? "," : "", "{\"contest_id\":", JsonString(t.contest_id()),
                    ",\"option_id\":", JsonString(t.option_id()),
                    absl::StrFormat(",\"score\":%.4f", t.score()), ",\"mark\":\"",
                    Lower(MarkClass_Name(t.mark())), "\"}");
  }
  absl::StrAppend(&out, "],\"interpreter_version\":", JsonString(in.interpreter_version()), "}");
  return out;
}

void PrintText(const std::string& image, const Interpretation& in,
               const vision::BallotDecision& decision) {
  if (!in.accepted()) {
    std::cout << image << ": rejected, " << Lower(RejectionReason_Name(in.reason())) << ": "
              << in.detail() << "\n";
    return;
  }
  std::cout << image << ": accepted, style " << in.identity().style_id() << ", precinct "
            << in.identity().precinct_id() << (in.identity().test() ? " (test ballot)" : "")
            << ", fed at " << in.orientation_degrees() << " degrees, residual "
            << absl::StrFormat("%.2f", in.registration_residual_px()) << " px"
            << (decision.cast ? "" : ", to be returned to the voter: " + decision.return_reason)
            << "\n";
  for (const ContestReading& c : in.contests()) {
    std::cout << "  contest " << c.contest_id() << ": " << Lower(ContestOutcome_Name(c.outcome()));
    if (c.selections_size() > 0) {
      std::cout << " [";
      for (int s = 0; s < c.selections_size(); ++s) std::cout << (s ? ", " : "") << c.selections(s);
      std::cout << "]";
    }
    if (c.has_marginal()) std::cout << " (has a marginal mark)";
    std::cout << "\n";
  }
  for (const TargetReading& t : in.targets()) {
    if (t.mark() == EMPTY) continue;
    std::cout << absl::StrFormat("    %-8s %6.2f%%  %s:%s\n", Lower(MarkClass_Name(t.mark())),
                                 t.score() * 100, t.contest_id(), t.option_id());
  }
}

}  // namespace

int RunInterpretCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"election", true, "election definition (JSON) the ballots belong to"},
      {"precinct", true, "the precinct this reader counts (default: any of the style's)"},
      {"test-mode", false, "logic-and-accuracy test: read test ballots, refuse live ones"},
      {"json", false, "one JSON object per image per line"},
      {"overlay", true, "write an annotated PNG (a directory when several images are given)"},
      {"thresholds", false, "print the mark thresholds in force"},
      {"calibration", true, "the reader's calibration profile: use its recommended thresholds"},
      {"help", false, "print this help"}};
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->Has("election") ||
      (cl->positional().empty() && !cl->Has("thresholds"))) {
    return UsageExit(
        "esep interpret", cl,
        "usage: esep interpret --election E.json [--precinct P] [--test-mode] [--json]\n"
        "                      [--overlay OUT.png|DIR] [--thresholds] [--calibration P.pb]\n"
        "                      IMAGE...\n"
        "Reads ballot images (any format OpenCV reads, as 8-bit grayscale) and prints what\n"
        "each one reads as. Exit status: 0 every image read, 1 some image rejected, 2 bad\n"
        "flags or unreadable files.\n",
        specs);
  }
  absl::StatusOr<Election> election = LoadElectionFile(*cl->Get("election"));
  if (!election.ok()) {
    std::cerr << "esep interpret: " << election.status().message() << "\n";
    return kExitUsage;
  }
  const ReturnPolicy policy = vision::EffectiveReturnPolicy(*election);
  vision::InterpreterOptions options;
  options.precinct_id = cl->Get("precinct").value_or("");
  options.test_mode = cl->Has("test-mode");
  if (std::optional<std::string> path = cl->Get("calibration")) {
    // The binary profile esep calibrate --out writes, or its JSON form (esep.CalibrationProfile).
    std::ifstream file(*path, std::ios::binary);
    std::stringstream bytes;
    bytes << file.rdbuf();
    const std::string text = bytes.str();
    CalibrationProfile profile;
    const bool json =
        !text.empty() && absl::StartsWith(absl::StripLeadingAsciiWhitespace(text), "{");
    const bool parsed = json ? google::protobuf::util::JsonStringToMessage(text, &profile).ok()
                             : profile.ParseFromString(text);
    if (!file || !parsed || profile.format_version() == 0) {
      std::cerr << "esep interpret: " << *path
                << " is not a calibration profile (write one with esep calibrate)\n";
      return kExitUsage;
    }
    if (!profile.pass()) {
      std::cerr << "esep interpret: the calibration profile " << *path << " of reader "
                << profile.reader_serial()
                << " failed its checks: its thresholds are not used (calibrate again)\n";
      return kExitUsage;
    }
    options.thresholds = profile.recommended_thresholds();
  }
  absl::StatusOr<vision::Interpreter> interpreter =
      vision::Interpreter::Create(*std::move(election), options);
  if (!interpreter.ok()) {
    std::cerr << "esep interpret: " << interpreter.status().message() << "\n";
    return kExitUsage;
  }
  if (cl->Has("thresholds")) std::cout << interpreter->ThresholdReport();

  const std::vector<std::string>& images = cl->positional();
  const std::optional<std::string> overlay = cl->Get("overlay");
  const bool overlay_dir = overlay && images.size() > 1;
  if (overlay_dir) {
    std::error_code ec;
    std::filesystem::create_directories(*overlay, ec);
    if (ec) {
      std::cerr << "esep interpret: cannot create " << *overlay << ": " << ec.message() << "\n";
      return kExitUsage;
    }
  }
  int status = kExitOk;
  for (const std::string& path : images) {
    const absl::StatusOr<cv::Mat> image = audit::ReadGrayImageFile(path);
    if (!image.ok()) {
      std::cerr << "esep interpret: " << image.status().message() << "\n";
      status = kExitUsage;
      continue;
    }
    const cv::Mat& gray = *image;
    const vision::InterpretationDetails details =
        interpreter->InterpretWithDetails(vision::ViewOf(gray));
    const Interpretation& in = details.interpretation;
    const vision::BallotDecision decision = vision::DecideBallot(in, policy);
    if (cl->Has("json")) {
      std::cout << ToJsonLine(path, in, decision) << "\n";
    } else {
      PrintText(path, in, decision);
    }
    if (!in.accepted() && status == kExitOk) status = kExitRejected;
    if (overlay) {
      const std::string out = overlay_dir
                                  ? (std::filesystem::path(*overlay) /
                                     (std::filesystem::path(path).stem().string() + ".overlay.png"))
                                        .string()
                                  : *overlay;
      if (absl::Status written =
              audit::WritePng(audit::DrawInterpretation(gray, details, in, ""), out);
          !written.ok()) {
        std::cerr << "esep interpret: " << written.message() << "\n";
        status = kExitUsage;
      }
    }
  }
  return status;
}

}  // namespace esep::cli
