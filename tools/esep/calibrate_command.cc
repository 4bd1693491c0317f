// esep calibrate: measures a scan of the calibration sheet, writes the reader's calibration
// profile and prints the technician's PASS/FAIL report.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "command_line.h"
#include "commands.h"
#include "esep/audit/replay.h"
#include "esep/proto/software_identity.h"
#include "esep/scanner/reader_factory.h"
#include "esep/vision/calibration.h"
#include "esep/vision/image_codec.h"
#include "reader_flags.h"

namespace esep::cli {
namespace {

constexpr char kUsage[] =
    "usage: esep calibrate SCAN.png [--dpi 200] [--serial-number S] --out PROFILE.pb\n"
    "                      [--json] [--report REPORT.png]\n"
    "       esep calibrate --reader [--sim SHEET.png | --device VID:PID | --serial S]\n"
    "                      --out PROFILE.pb [--json] [--report REPORT.png]\n"
    "Measures a scan of the calibration sheet (esep render --calibration-sheet): a PNG file, or\n"
    "with --reader a sheet fed to the reader now. Writes the calibration profile, prints one\n"
    "PASS/FAIL line per check (or the profile as JSON with --json) and with --report a PNG of\n"
    "the scan with what was measured drawn over it. Exit status: 0 pass, 1 fail, 2 bad usage or\n"
    "a sheet that cannot be measured.\n";

int Fail(const absl::Status& status) {
  std::cerr << "esep calibrate: " << status.message() << "\n";
  return kExitUsage;
}

// The scan to measure and what is known of the reader that took it.
struct Scan {
  cv::Mat image;
  int dpi = 0;
  std::string serial;
  // The reader the sheet was fed to, kept open to record a passing calibration in it.
  std::unique_ptr<scanner::Reader> reader;
};

absl::StatusOr<Scan> ScanFromFile(const std::string& path, const CommandLine& cl) {
  Scan scan;
  absl::StatusOr<cv::Mat> image = audit::ReadGrayImageFile(path);
  if (!image.ok()) return absl::InvalidArgumentError(image.status().message());
  scan.image = *std::move(image);
  absl::StatusOr<long long> dpi = cl.GetInt("dpi", 200, 100, 1200);
  if (!dpi.ok()) return dpi.status();
  scan.dpi = static_cast<int>(*dpi);
  scan.serial = cl.Get("serial-number").value_or("");
  return scan;
}

absl::StatusOr<Scan> ScanFromReader(const CommandLine& cl) {
  absl::StatusOr<scanner::ReaderSelection> selection = ReaderSelectionFromFlags(cl);
  if (!selection.ok()) return selection.status();
  absl::StatusOr<scanner::OpenedReader> opened = scanner::OpenReader(*selection);
  if (!opened.ok()) return opened.status();
  scanner::Reader& reader = *opened->reader;
  absl::StatusOr<reader::Identity> identity = reader.Identify();
  if (!identity.ok()) return identity.status();
  Scan scan;
  scan.serial = identity->serial();
  if (std::optional<std::string> given = cl.Get("serial-number");
      given.has_value() && *given != scan.serial) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--serial-number ", *given, " does not match the reader's serial ", scan.serial));
  }
  std::cerr << "feed the calibration sheet into " << opened->description << "\n";
  absl::StatusOr<scanner::ScannedImage> image = reader.AcceptAndScan();
  if (!image.ok()) return image.status();
  scan.dpi = static_cast<int>(image->dpi);
  scan.image = cv::Mat(static_cast<int>(image->height), static_cast<int>(image->width), CV_8UC1,
                       image->pixels.data())
                   .clone();
  // The sheet goes back to the technician; it is not a ballot.
  if (absl::Status s = reader.ReturnToVoter(); !s.ok()) {
    std::cerr << "esep calibrate: the sheet could not be returned: " << s.message() << "\n";
  }
  scan.reader = std::move(opened->reader);
  return scan;
}

// Records a passing calibration in the reader once the technician has taken the sheet back
// (the reader calibrates only with an empty paper path).
absl::Status RecordCalibration(scanner::Reader& reader) {
  bool asked = false;
  for (int wait = 0; wait < 240; ++wait) {
    absl::StatusOr<reader::DeviceStatus> status = reader.GetStatus();
    if (!status.ok()) return status.status();
    if (status->state() == reader::IDLE) return reader.Calibrate();
    if (!asked) {
      std::cerr << "take the calibration sheet from the reader\n";
      asked = true;
    }
    absl::StatusOr<std::optional<reader::Event>> event =
        reader.PollEvent(std::chrono::milliseconds(500));
    if (!event.ok()) return event.status();
  }
  return absl::DeadlineExceededError(
      "the calibration sheet was not taken from the reader in 2 min");
}

cv::Point ToPoint(const vision::PointPx& p) {
  return cv::Point(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
}

// The outline of a page rectangle in the image.
std::vector<cv::Point> Outline(const vision::PageTransform& t, const Rect& r) {
  const double x0 = r.x_mm(), y0 = r.y_mm();
  const double x1 = x0 + r.width_mm(), y1 = y0 + r.height_mm();
  return {ToPoint(t.ToImage(x0, y0)), ToPoint(t.ToImage(x1, y0)), ToPoint(t.ToImage(x1, y1)),
          ToPoint(t.ToImage(x0, y1))};
}

// The technician's report page: the scan with what was measured drawn over it, and the checks
// in a panel beside it.
cv::Mat DrawReport(const cv::Mat& scan, const vision::CalibrationLayout& layout,
                   const vision::CalibrationMeasurement& m) {
  const CalibrationProfile& p = m.profile;
  const double px_per_mm = m.transform.PixelsPerMm();
  const int thick = std::max(1, static_cast<int>(px_per_mm / 4));
  const double font = px_per_mm / 12;
  const cv::Scalar green(0, 160, 0), red(0, 0, 220), blue(200, 90, 0), cyan(180, 160, 0),
      yellow(0, 190, 230), black(0, 0, 0);
  const int panel = static_cast<int>(scan.cols * 0.75);
  cv::Mat out(scan.rows, scan.cols + panel, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::cvtColor(scan, out(cv::Rect(0, 0, scan.cols, scan.rows)), cv::COLOR_GRAY2BGR);
  auto text = [&](const std::string& s, cv::Point at, const cv::Scalar& color, double scale = 1) {
    cv::putText(out, s, at, cv::FONT_HERSHEY_SIMPLEX, font * scale, color, std::max(1, thick / 2),
                cv::LINE_AA);
  };
  const vision::PageTransform& t = m.transform;

  for (const vision::PointPx& f : m.fiducials) {
    cv::circle(out, ToPoint(f), static_cast<int>(5 * px_per_mm), green, thick, cv::LINE_AA);
  }
  for (const auto* ticks : {&m.ruler_ticks_x, &m.ruler_ticks_y}) {
    for (const vision::PointPx& tick : *ticks) {
      cv::drawMarker(out, ToPoint(tick), cyan, cv::MARKER_CROSS, static_cast<int>(2 * px_per_mm),
                     std::max(1, thick / 2));
    }
  }
  for (const Rect& band : layout.blank_bands) {
    cv::polylines(out, Outline(t, band), true, yellow, std::max(1, thick / 2), cv::LINE_AA);
  }
  for (std::size_t i = 0; i < layout.wedge.size() && static_cast<int>(i) < p.wedge_size(); ++i) {
    Rect inner = layout.wedge[i].area;
    inner.set_x_mm(inner.x_mm() + 2);
    inner.set_y_mm(inner.y_mm() + 2);
    inner.set_width_mm(inner.width_mm() - 4);
    inner.set_height_mm(inner.height_mm() - 4);
    cv::polylines(out, Outline(t, inner), true, blue, thick, cv::LINE_AA);
    const Rect& a = layout.wedge[i].area;
    text(absl::StrFormat("%.0f", p.wedge(static_cast<int>(i)).gray_level()),
         ToPoint(t.ToImage(a.x_mm() + 3, a.y_mm() + a.height_mm() - 3)), red);
  }
  for (std::size_t i = 0; i < layout.line_pairs.size() && static_cast<int>(i) < p.line_pairs_size();
       ++i) {
    const LinePairReading& r = p.line_pairs(static_cast<int>(i));
    const Rect& a = layout.line_pairs[i].area;
    const bool resolved = r.modulation() >= 0.25;
    cv::polylines(out, Outline(t, a), true, resolved ? green : red, thick, cv::LINE_AA);
    text(absl::StrFormat("%.2f", r.modulation()),
         ToPoint(t.ToImage(a.x_mm() + a.width_mm() + 0.5, a.y_mm() + 4)), resolved ? green : red);
  }
  for (std::size_t i = 0; i < layout.targets.size() && static_cast<int>(i) < p.targets_size();
       ++i) {
    const CalibrationTargetReading& r = p.targets(static_cast<int>(i));
    const Rect& a = layout.targets[i].area;
    const bool right = r.read_as() == r.expected();
    cv::polylines(out, Outline(t, a), true, right ? green : red, thick, cv::LINE_AA);
    text(absl::StrCat(r.score_units()), ToPoint(t.ToImage(a.x_mm(), a.y_mm() - 0.6)),
         right ? green : red, 0.9);
  }
  for (const StreakReading& s : p.streaks()) {
    const int x = static_cast<int>(std::lround(s.sensor_x_px()));
    cv::line(out, cv::Point(x, 0), cv::Point(x, scan.rows - 1), red, thick, cv::LINE_AA);
    text(absl::StrFormat("streak %.0f%%", s.strength() * 100),
         cv::Point(x + 2 * thick, static_cast<int>(scan.rows * 0.97)), red);
  }
  // The sensor's white level across its width, plotted along the bottom of the scan.
  const int base = scan.rows - static_cast<int>(8 * px_per_mm);
  const double height = 30 * px_per_mm;
  std::vector<cv::Point> curve;
  for (std::size_t c = 0; c < m.sensor_white.size(); ++c) {
    if (m.sensor_white[c] < 0) continue;
    curve.emplace_back(static_cast<int>(c),
                       base - static_cast<int>(std::lround(m.sensor_white[c] / 255.0 * height)));
  }
  if (curve.size() > 1) cv::polylines(out, curve, false, blue, thick, cv::LINE_AA);
  text("sensor white level (0..255)", cv::Point(static_cast<int>(20 * px_per_mm), base + thick * 6),
       blue);

  // The checks.
  const int x0 = scan.cols + static_cast<int>(4 * px_per_mm);
  const int line = static_cast<int>(std::max(12.0, scan.rows / 42.0));
  int y = line * 2;
  text(absl::StrCat("reader ", p.reader_serial().empty() ? "?" : p.reader_serial(), "  ",
                    p.nominal_dpi(), " dpi"),
       cv::Point(x0, y), black, 1.3);
  y += line * 2;
  for (const CalibrationCheck& c : p.checks()) {
    text(absl::StrFormat("%s  %-18s %.4g %s", c.pass() ? "PASS" : "FAIL", c.name(), c.measured(),
                         c.unit()),
         cv::Point(x0, y), c.pass() ? green : red);
    y += line;
  }
  y += line;
  text(absl::StrFormat("thresholds: definite %.2f%%, marginal %.2f%%",
                       p.recommended_thresholds().definite() * 100,
                       p.recommended_thresholds().marginal() * 100),
       cv::Point(x0, y), black);
  y += line * 2;
  text(p.pass() ? "RESULT: PASS" : "RESULT: FAIL", cv::Point(x0, y), p.pass() ? green : red, 2.0);
  return out;
}

}  // namespace

int RunCalibrateCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"reader", false, "scan the sheet with the reader now instead of reading a file"},
      kSimFlag,
      kDeviceFlag,
      kSerialFlag,
      {"dpi", true, "resolution of SCAN.png (default 200)"},
      {"serial-number", true,
       "serial of the reader that took SCAN.png (the reader's own with --reader)"},
      {"out", true, "calibration profile to write (binary protobuf)"},
      {"json", false, "print the profile as JSON instead of the text report"},
      {"report", true, "PNG file: the scan with the measurements drawn over it"},
      {"help", false, "print this help"},
  };
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, specs);
  if (!cl.ok() || cl->Has("help")) return UsageExit("esep calibrate", cl, kUsage, specs);
  const bool from_reader = cl->Has("reader");
  if (from_reader == (cl->positional().size() == 1) || cl->positional().size() > 1) {
    std::cerr << "esep calibrate: give either one SCAN.png or --reader\n";
    return UsageExit("esep calibrate", cl, kUsage, specs);
  }
  if (!from_reader && (cl->Has("sim") || cl->Has("device") || cl->Has("serial"))) {
    return Fail(absl::InvalidArgumentError("--sim, --device and --serial go with --reader"));
  }
  if (from_reader && cl->Has("dpi")) {
    return Fail(absl::InvalidArgumentError("--dpi goes with SCAN.png; the reader reports its own"));
  }
  absl::StatusOr<std::string> out = cl->Require("out");
  if (!out.ok()) return Fail(out.status());

  absl::StatusOr<Scan> scan =
      from_reader ? ScanFromReader(*cl) : ScanFromFile(cl->positional()[0], *cl);
  if (!scan.ok()) return Fail(scan.status());

  const vision::CalibrationLayout layout = vision::StandardCalibrationLayout();
  const vision::GrayImage image = vision::ViewOf(scan->image);
  absl::StatusOr<vision::CalibrationMeasurement> m =
      vision::MeasureCalibrationSheet(image, layout, {scan->dpi});
  if (!m.ok()) return Fail(m.status());
  CalibrationProfile& profile = m->profile;
  profile.set_reader_serial(scan->serial);
  profile.set_created_unix(static_cast<std::int64_t>(std::time(nullptr)));
  profile.set_software_version(absl::StrCat("esep ", std::string(SoftwareVersion())));
  vision::EvaluateTolerances(vision::CalibrationTolerances{}, &profile);

  {
    std::ofstream file(*out, std::ios::binary | std::ios::trunc);
    if (!file || !profile.SerializeToOstream(&file)) {
      return Fail(absl::UnavailableError(absl::StrCat("cannot write ", *out)));
    }
  }
  if (std::optional<std::string> report = cl->Get("report")) {
    try {
      if (!cv::imwrite(*report, DrawReport(scan->image, layout, *m))) {
        return Fail(absl::UnavailableError(absl::StrCat("cannot write ", *report)));
      }
    } catch (const cv::Exception& e) {
      return Fail(absl::UnavailableError(absl::StrCat("cannot write ", *report, ": ", e.what())));
    }
  }
  if (cl->Has("json")) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(profile, &json, options).ok()) {
      return Fail(absl::InternalError("cannot print the profile as JSON"));
    }
    std::cout << json;
  } else {
    std::cout << vision::FormatCalibrationReport(profile);
    if (profile.reader_serial().empty()) {
      std::cout << "note: no --serial-number given: esepd refuses a profile that names no reader\n";
    }
  }
  if (scan->reader != nullptr) {
    // The reader keeps whether it was calibrated (`esep reader status`): only a passing
    // profile sets it.
    if (!profile.pass()) {
      std::cerr << "esep calibrate: the reader is not marked calibrated: the profile failed\n";
    } else if (absl::Status s = RecordCalibration(*scan->reader); !s.ok()) {
      return Fail(absl::UnavailableError(absl::StrCat(
          "the profile passed and is written, but the reader did not record its calibration: ",
          s.message())));
    } else if (absl::StatusOr<reader::DeviceStatus> status = scan->reader->GetStatus();
               status.ok()) {
      std::cerr << "reader status: calibrated " << (status->calibrated() ? "yes" : "no") << "\n";
    }
  }
  return profile.pass() ? kExitOk : kExitRejected;
}

}  // namespace esep::cli
