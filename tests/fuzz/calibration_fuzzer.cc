// A calibration scan arrives from the reader or a file: any bytes must give a measurement or an
// error, never a crash. Input as for interpreter_fuzzer: width and height (two little-endian
// 16-bit values, each taken mod 512, plus 1), a flags byte (low 3 bits: extra stride; bit 7:
// repeat the pixels to fill the image rather than pass a possibly truncated buffer), then pixels.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "esep/vision/calibration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const esep::vision::CalibrationLayout* layout =
      new esep::vision::CalibrationLayout(esep::vision::StandardCalibrationLayout());
  if (size < 5) return 0;
  const int width = 1 + ((data[0] | data[1] << 8) % 512);
  const int height = 1 + ((data[2] | data[3] << 8) % 512);
  const int stride = width + (data[4] & 7);
  const bool fill = (data[4] & 0x80) != 0;
  const std::uint8_t* pixels = data + 5;
  const std::size_t count = size - 5;
  std::vector<std::uint8_t> buffer;
  if (fill && count > 0) {
    buffer.resize(static_cast<std::size_t>(stride) * static_cast<std::size_t>(height));
    for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = pixels[i % count];
  } else {
    buffer.assign(pixels, pixels + count);  // a copy, so ASan sees the exact extent
  }
  const esep::vision::GrayImage image{buffer, width, height, stride};
  // The resolution the image would have if it held the whole sheet.
  const int dpi = std::max(50, static_cast<int>(height * 25.4 / layout->page_height_mm));
  absl::StatusOr<esep::vision::CalibrationMeasurement> m =
      esep::vision::MeasureCalibrationSheet(image, *layout, {dpi});
  if (!m.ok()) return 0;
  if (m->profile.wedge_size() != static_cast<int>(layout->wedge.size())) std::abort();
  esep::vision::EvaluateTolerances({}, &m->profile);
  if (esep::vision::FormatCalibrationReport(m->profile).empty()) std::abort();
  return 0;
}
