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
#include "fuzz_image.h"

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
  const std::optional<esep::fuzz::FuzzImage> fuzzed = esep::fuzz::ImageFromFuzzBytes(data, size);
  if (!fuzzed) return 0;
  const esep::vision::GrayImage image = fuzzed->view();
  const esep::Interpretation in = GetInterpreter().Interpret(image);
  if (in.accepted() && in.targets_size() == 0) std::abort();  // an accepted ballot has readings
  return 0;
}
