// A calibration scan arrives from the reader or a file: any bytes must give a measurement or an
// error, never a crash. Input as for interpreter_fuzzer: width and height (two little-endian
// 16-bit values, each taken mod 512, plus 1), a flags byte (low 3 bits: extra stride; bit 7:
// repeat the pixels to fill the image rather than pass a possibly truncated buffer), then pixels.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "esep/vision/calibration.h"
#include "fuzz_image.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const esep::vision::CalibrationLayout* layout =
      new esep::vision::CalibrationLayout(esep::vision::StandardCalibrationLayout());
  const std::optional<esep::fuzz::FuzzImage> fuzzed = esep::fuzz::ImageFromFuzzBytes(data, size);
  if (!fuzzed) return 0;
  const esep::vision::GrayImage image = fuzzed->view();
  // The resolution the image would have if it held the whole sheet.
  const int dpi = std::max(50, static_cast<int>(fuzzed->height * 25.4 / layout->page_height_mm));
  absl::StatusOr<esep::vision::CalibrationMeasurement> m =
      esep::vision::MeasureCalibrationSheet(image, *layout, {dpi});
  if (!m.ok()) return 0;
  if (m->profile.wedge_size() != static_cast<int>(layout->wedge.size())) std::abort();
  esep::vision::EvaluateTolerances({}, &m->profile);
  if (esep::vision::FormatCalibrationReport(m->profile).empty()) std::abort();
  return 0;
}
