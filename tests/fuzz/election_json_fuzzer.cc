// Election definitions arrive as files from outside: any bytes must give a definition or an error,
// and a definition that is accepted keeps the bounds the reader and the protocol rely on.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "esep/proto/election.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<esep::Election> election = esep::ParseElectionJson(json);
  if (!election.ok()) return 0;
  (void)esep::ElectionHash(*election);
  for (const esep::Contest& contest : election->contests()) {
    if (contest.vote_for() < 1 ||
        static_cast<std::int64_t>(contest.vote_for()) > contest.options_size()) {
      std::abort();
    }
  }
  for (const esep::Precinct& precinct : election->precincts()) {
    if (precinct.registered_voters() > 1'000'000) std::abort();
  }
  return 0;
}
