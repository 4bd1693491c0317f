// esep render: prints one ballot to PNG (and PDF), optionally marked and damaged, or the
// technicians' calibration sheet.
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "command_line.h"
#include "commands.h"
#include "esep/proto/election.h"
#include "esep/render/degrade.h"
#include "esep/render/render.h"
#include "esep/render/spec.h"
#include "esep/vision/calibration.h"

namespace esep::cli {
namespace {

constexpr char kUsage[] =
    "usage: esep render --election E.json --style S --precinct P [--dpi 200|300] [--test]\n"
    "                   --out BALLOT.png [--pdf BALLOT.pdf] [--mark OPTION_ID[,...]]\n"
    "                   [--mark-style filled|check|cross|line|light|partial] [--seed N]\n"
    "                   [--degrade | --sensor-noise SIGMA] [--stray N]\n"
    "Prints one ballot page as an 8-bit grayscale PNG; marks are drawn by hand-like strokes that\n"
    "vary with the seed; --degrade adds random scanner damage chosen by the seed,\n"
    "--sensor-noise only what a working reader's sensor adds (skew, blur, noise).\n"
    "Options are named OPTION_ID or CONTEST_ID:OPTION_ID.\n"
    "       esep render --calibration-sheet --out SHEET.png [--dpi 200|300] [--pdf SHEET.pdf]\n"
    "Prints the technicians' calibration sheet (see docs/calibration.md).\n";

absl::StatusOr<MarkStyle> ParseMarkStyle(const std::string& name) {
  if (name == "filled") return FILLED;
  if (name == "check") return CHECK;
  if (name == "cross") return CROSS;
  if (name == "line") return LINE;
  if (name == "light") return LIGHT;
  if (name == "partial") return PARTIAL;
  return absl::InvalidArgumentError(absl::StrCat(
      "--mark-style must be filled, check, cross, line, light or partial, not \"", name, "\""));
}

int Fail(const absl::Status& status) {
  std::cerr << "esep render: " << status.message() << "\n";
  return kExitUsage;
}

int RenderCalibrationSheet(const CommandLine& cl) {
  for (const char* flag : {"election", "style", "precinct", "test", "mark", "mark-style", "seed",
                           "degrade", "sensor-noise", "stray"}) {
    if (cl.Has(flag)) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--", flag, " does not go with --calibration-sheet")));
    }
  }
  absl::StatusOr<std::string> out = cl.Require("out");
  if (!out.ok()) return Fail(out.status());
  absl::StatusOr<long long> dpi = cl.GetInt("dpi", 200, 200, 300);
  if (!dpi.ok()) return Fail(dpi.status());
  if (*dpi != 200 && *dpi != 300) {
    return Fail(absl::InvalidArgumentError("--dpi must be 200 or 300"));
  }
  const vision::CalibrationLayout layout = vision::StandardCalibrationLayout();
  absl::StatusOr<cv::Mat> page = render::RenderCalibrationSheet(layout, static_cast<int>(*dpi));
  if (!page.ok()) return Fail(page.status());
  if (absl::Status s = render::WritePng(*page, *out); !s.ok()) return Fail(s);
  if (std::optional<std::string> pdf = cl.Get("pdf")) {
    absl::StatusOr<std::string> bytes = render::RenderCalibrationSheetPdf(layout);
    if (!bytes.ok()) return Fail(bytes.status());
    std::ofstream file(*pdf, std::ios::binary | std::ios::trunc);
    file.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    file.close();
    if (!file) return Fail(absl::UnavailableError(absl::StrCat("cannot write ", *pdf)));
  }
  std::cout << "wrote calibration sheet (layout " << vision::kCalibrationLayoutVersion << ") "
            << *out << " (" << page->cols << " x " << page->rows << " pixels, " << *dpi
            << " dpi)\n";
  return kExitOk;
}

}  // namespace

int RunRenderCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"election", true, "election definition (JSON)"},
      {"style", true, "ballot style id"},
      {"precinct", true, "precinct id (the style must be issued there)"},
      {"dpi", true, "resolution: 200 (default) or 300"},
      {"test", false, "print a test-deck ballot (marked ҮЛГҮ / ОБРАЗЕЦ / TEST)"},
      {"out", true, "PNG file to write"},
      {"pdf", true, "also write the unmarked ballot as PDF"},
      {"mark", true, "options to mark, comma-separated"},
      {"mark-style", true, "filled (default), check, cross, line, light or partial"},
      {"seed", true, "seed of the marks' and damage's variation (default 1)"},
      {"degrade", false, "add random scanner damage chosen by the seed"},
      {"sensor-noise", true,
       "add a working reader's sensor damage: 0.7 degrees of skew, blur and Gaussian noise of "
       "SIGMA gray levels (1 to 40)"},
      {"stray", true, "number of stray pen marks outside the targets (default 0)"},
      {"calibration-sheet", false, "print the calibration sheet instead of a ballot"},
      {"help", false, "print this help"},
  };
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help") || !cl->positional().empty()) {
    if (cl.ok() && !cl->positional().empty()) {
      std::cerr << "esep render: unexpected argument \"" << cl->positional()[0] << "\"\n";
    }
    return UsageExit("esep render", cl, kUsage, specs);
  }
  if (cl->Has("calibration-sheet")) return RenderCalibrationSheet(*cl);
  absl::StatusOr<std::string> election_path = cl->Require("election");
  absl::StatusOr<std::string> style = cl->Require("style");
  absl::StatusOr<std::string> precinct = cl->Require("precinct");
  absl::StatusOr<std::string> out = cl->Require("out");
  for (const absl::Status& s :
       {election_path.status(), style.status(), precinct.status(), out.status()}) {
    if (!s.ok()) return Fail(s);
  }
  absl::StatusOr<long long> dpi = cl->GetInt("dpi", 200, 200, 300);
  if (!dpi.ok()) return Fail(dpi.status());
  if (*dpi != 200 && *dpi != 300)
    return Fail(absl::InvalidArgumentError("--dpi must be 200 or 300"));
  absl::StatusOr<long long> seed = cl->GetInt("seed", 1, 0, (1LL << 62));
  if (!seed.ok()) return Fail(seed.status());
  absl::StatusOr<long long> stray = cl->GetInt("stray", 0, 0, 50);
  if (!stray.ok()) return Fail(stray.status());
  absl::StatusOr<MarkStyle> mark_style = ParseMarkStyle(cl->Get("mark-style").value_or("filled"));
  if (!mark_style.ok()) return Fail(mark_style.status());
  if (cl->Has("mark-style") && !cl->Has("mark")) {
    return Fail(absl::InvalidArgumentError("--mark-style needs --mark"));
  }

  absl::StatusOr<Election> election = LoadElectionFile(*election_path);
  if (!election.ok()) return Fail(election.status());

  RenderSpec spec;
  spec.set_style_id(*style);
  spec.set_precinct_id(*precinct);
  spec.set_test(cl->Has("test"));
  spec.set_dpi(static_cast<std::uint32_t>(*dpi));
  spec.set_seed(static_cast<std::uint64_t>(*seed));
  spec.set_stray_marks(static_cast<std::uint32_t>(*stray));
  if (std::optional<std::string> marks = cl->Get("mark")) {
    MarkSpec* mark = spec.add_marks();
    mark->set_style(*mark_style);
    for (absl::string_view name : absl::StrSplit(*marks, ',', absl::SkipEmpty())) {
      mark->add_options(std::string(name));
    }
    if (mark->options_size() == 0)
      return Fail(absl::InvalidArgumentError("--mark names no option"));
  }
  if (cl->Has("degrade") && cl->Has("sensor-noise")) {
    return Fail(absl::InvalidArgumentError("--degrade and --sensor-noise exclude each other"));
  }
  if (cl->Has("degrade")) *spec.mutable_degrade() = render::RandomDegradeSpec(spec.seed());
  if (cl->Has("sensor-noise")) {
    absl::StatusOr<long long> sigma = cl->GetInt("sensor-noise", 0, 1, 40);
    if (!sigma.ok()) return Fail(sigma.status());
    *spec.mutable_degrade() = render::SensorDegradeSpec(static_cast<double>(*sigma));
  }

  absl::StatusOr<cv::Mat> page = render::RenderFromSpec(spec, *election);
  if (!page.ok()) return Fail(page.status());
  if (absl::Status s = render::WritePng(*page, *out); !s.ok()) return Fail(s);
  if (std::optional<std::string> pdf = cl->Get("pdf")) {
    render::BallotRenderRequest request;
    request.style_id = *style;
    request.precinct_id = *precinct;
    request.test = spec.test();
    request.dpi = static_cast<int>(*dpi);
    if (absl::Status s = render::WriteBallotPdf(*election, request, *pdf); !s.ok()) return Fail(s);
  }
  std::cout << "wrote " << *out << " (" << page->cols << " x " << page->rows << " pixels, " << *dpi
            << " dpi)\n";
  return kExitOk;
}

}  // namespace esep::cli
