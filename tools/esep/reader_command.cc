// esep reader: talks to the ballot reader (USB, or simulated with --sim) for technicians.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "command_line.h"
#include "commands.h"
#include "esep/scanner/reader_factory.h"
#include "reader_flags.h"

namespace esep::cli {
namespace {

using scanner::Reader;

constexpr char kUsage[] =
    "usage: esep reader list|info|status|scan|return|cast [FLAGS]\n"
    "  list     USB readers attached (by --device, default 1209:e5e9)\n"
    "  info     model, serial, firmware, sensor of the reader\n"
    "  status   state, sensors, cover, box\n"
    "  scan     take the sheet at the entry and write its image (--out IMAGE.png)\n"
    "  return   eject the held sheet to the voter\n"
    "  cast     drop the held sheet into the box\n"
    "The reader is found on USB by --device VID:PID or --serial S; --sim DECK_DIR_OR_PNG uses a\n"
    "simulated reader fed from PNG images instead (a fresh one for each command).\n";

std::string StateName(reader::DeviceState state) { return reader::DeviceState_Name(state); }

int Fail(const absl::Status& status) {
  std::cerr << "esep reader: " << status.message() << "\n";
  return kExitRejected;
}

absl::StatusOr<std::unique_ptr<Reader>> OpenReader(const CommandLine& cl, bool& usage_error) {
  usage_error = false;
  absl::StatusOr<scanner::ReaderSelection> parsed = ReaderSelectionFromFlags(cl);
  if (!parsed.ok()) {
    usage_error = true;
    return parsed.status();
  }
  const scanner::ReaderSelection& selection = *parsed;
  absl::StatusOr<scanner::OpenedReader> opened = scanner::OpenReader(selection);
  if (!opened.ok()) {
    usage_error = selection.simulated_deck.has_value();  // an unreadable deck is bad input
    return opened.status();
  }
  return std::move(opened->reader);
}

int List(const CommandLine& cl) {
  if (std::optional<std::string> sim = cl.Get("sim")) {
    std::cout << "simulated reader fed from " << *sim << "\n";
    return kExitOk;
  }
  std::uint16_t vid = scanner::kDefaultReaderVendorId;
  std::uint16_t pid = scanner::kDefaultReaderProductId;
  if (std::optional<std::string> device = cl.Get("device")) {
    if (absl::Status s = scanner::ParseVidPid(*device, vid, pid); !s.ok()) {
      std::cerr << "esep reader: " << s.message() << "\n";
      return kExitUsage;
    }
  }
  absl::StatusOr<std::vector<scanner::UsbReaderInfo>> readers = scanner::ListUsbReaders(vid, pid);
  if (!readers.ok()) return Fail(readers.status());
  for (const scanner::UsbReaderInfo& r : *readers) {
    std::printf("bus %03u address %03u  %04x:%04x  serial %s  %s %s%s%s\n", r.bus, r.address,
                r.vendor_id, r.product_id, r.serial.empty() ? "-" : r.serial.c_str(),
                r.manufacturer.c_str(), r.product.c_str(), r.problem.empty() ? "" : "  ",
                r.problem.c_str());
  }
  if (readers->empty()) {
    std::printf("no reader %04x:%04x on USB\n", vid, pid);
    return kExitRejected;
  }
  return kExitOk;
}

absl::Status WritePng(const scanner::ScannedImage& image, const std::string& path) {
  try {
    const cv::Mat mat(static_cast<int>(image.height), static_cast<int>(image.width), CV_8UC1,
                      const_cast<std::uint8_t*>(image.pixels.data()));
    if (!cv::imwrite(path, mat)) {
      return absl::PermissionDeniedError("cannot write " + path);
    }
  } catch (const cv::Exception& e) {
    return absl::InternalError("cannot write " + path + ": " + e.what());
  }
  return absl::OkStatus();
}

}  // namespace

int RunReaderCommand(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      kSimFlag,
      kDeviceFlag,
      kSerialFlag,
      {"out", true, "scan: the PNG file to write"},
      {"then", true, "scan: afterwards, cast or return the sheet"},
      {"help", false, "print this help"},
  };
  absl::StatusOr<CommandLine> cl =
      ParseWithAction(args, specs, {"list", "info", "status", "scan", "return", "cast"});
  if (!cl.ok() || cl->Has("help")) return UsageExit("esep reader", cl, kUsage, specs);
  const std::string action = cl->positional()[0];
  if (action == "list") return List(*cl);
  if (action == "scan" && !cl->Has("out")) {
    std::cerr << "esep reader: scan needs --out IMAGE.png\n";
    return kExitUsage;
  }
  const std::string then = cl->Get("then").value_or("");
  if (!then.empty() && (action != "scan" || (then != "cast" && then != "return"))) {
    std::cerr << "esep reader: --then cast|return goes with scan\n";
    return kExitUsage;
  }
  bool usage_error = false;
  absl::StatusOr<std::unique_ptr<Reader>> reader = OpenReader(*cl, usage_error);
  if (!reader.ok()) {
    std::cerr << "esep reader: " << reader.status().message() << "\n";
    return usage_error ? kExitUsage : kExitRejected;
  }
  Reader& r = **reader;
  if (action == "info") {
    absl::StatusOr<reader::Identity> id = r.Identify();
    if (!id.ok()) return Fail(id.status());
    std::cout << "model     " << id->model() << "\nserial    " << id->serial() << "\nfirmware  "
              << id->firmware() << "\nsensor    " << id->sensor_width_px() << " px at "
              << id->optical_dpi() << " dpi\ndpi       ";
    for (int i = 0; i < id->supported_dpi_size(); ++i) {
      std::cout << (i ? ", " : "") << id->supported_dpi(i);
    }
    std::cout << "\nprotocol  " << id->protocol_version() << "\n";
    return kExitOk;
  }
  if (action == "status") {
    absl::StatusOr<reader::DeviceStatus> s = r.GetStatus();
    if (!s.ok()) return Fail(s.status());
    std::cout << "state           " << StateName(s->state()) << "\npaper at entry  "
              << (s->paper_at_entry() ? "yes" : "no") << "\npaper in path   "
              << (s->paper_in_path() ? "yes" : "no") << "\ncover           "
              << (s->cover_open() ? "open" : "closed") << "\nbox             "
              << (s->box_full() ? "full" : "not full") << "\nsheets cast     " << s->sheets_cast()
              << "\ndpi             " << s->dpi() << "\nmax length      "
              << s->max_sheet_length_mm() << " mm\ncalibrated      "
              << (s->calibrated() ? "yes" : "no") << "\n";
    return kExitOk;
  }
  if (action == "return") {
    if (absl::Status s = r.ReturnToVoter(); !s.ok()) return Fail(s);
    std::cout << "returned to the voter\n";
    return kExitOk;
  }
  if (action == "cast") {
    if (absl::Status s = r.Cast(); !s.ok()) return Fail(s);
    std::cout << "cast into the box\n";
    return kExitOk;
  }
  // scan
  absl::StatusOr<scanner::ScannedImage> image = r.AcceptAndScan();
  if (!image.ok()) return Fail(image.status());
  const std::string out = *cl->Get("out");
  if (absl::Status s = WritePng(*image, out); !s.ok()) {
    std::cerr << "esep reader: " << s.message() << "\n";
    return kExitUsage;
  }
  std::cout << "sheet " << image->sheet_number << ": " << image->width << " x " << image->height
            << " at " << image->dpi << " dpi, sha256 " << ToHex(image->sha256) << " -> " << out
            << "\n";
  if (then == "cast" || then == "return") {
    absl::Status s = then == "cast" ? r.Cast() : r.ReturnToVoter();
    if (!s.ok()) return Fail(s);
    std::cout << (then == "cast" ? "cast into the box\n" : "returned to the voter\n");
  }
  return kExitOk;
}

}  // namespace esep::cli
