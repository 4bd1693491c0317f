// Election definitions arrive as files from outside: any bytes must give a definition or an error.
#include <cstdint>
#include <string_view>

#include "esep/proto/election.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<esep::Election> election = esep::ParseElectionJson(json);
  if (election.ok()) (void)esep::ElectionHash(*election);
  return 0;
}
