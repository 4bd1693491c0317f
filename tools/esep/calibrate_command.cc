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
#include "esep/report/calibration_report.h"
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
      if (!cv::imwrite(*report, report::RenderCalibrationReport(scan->image, layout, *m))) {
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
