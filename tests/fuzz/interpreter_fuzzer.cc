// Scanner images arrive from hardware and files: any bytes must give an interpretation, never a
// crash. Input: width and height (two little-endian 16-bit values, each taken mod 512, plus 1),
// a flags byte (low 3 bits: extra stride; bit 7: repeat the pixels to fill the image rather than
// pass a possibly truncated buffer), then pixels.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "esep/proto/election.h"
#include "esep/vision/interpreter.h"

namespace {

const esep::vision::Interpreter& GetInterpreter() {
  static const esep::vision::Interpreter* interpreter = [] {
    absl::StatusOr<esep::Election> election = esep::LoadElectionFile(
        std::string(ESEP_SOURCE_DIR) + "/fixtures/elections/party-list-2021.json");
    if (!election.ok()) std::abort();
    absl::StatusOr<esep::vision::Interpreter> made =
        esep::vision::Interpreter::Create(*election, {});
    if (!made.ok()) std::abort();
    return new esep::vision::Interpreter(*std::move(made));
  }();
  return *interpreter;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
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
  const esep::Interpretation in = GetInterpreter().Interpret(image);
  if (in.accepted() && in.targets_size() == 0) std::abort();  // an accepted ballot has readings
  return 0;
}
