// The commission's console sends control requests, with the protocol lines, over esepd's socket:
// any bytes must give a request or an error, and any lines a protocol or an error, never a crash.
#include <cstdint>
#include <string>

#include "esep/proto/control.pb.h"
#include "esep/proto/election.h"
#include "esep/proto/protocol_checks.h"
#include "esep/scanner/protocol_builder.h"

namespace {

const esep::Election& Referendum() {
  static const esep::Election election = [] {
    absl::StatusOr<esep::Election> e =
        esep::LoadElectionFile(ESEP_SOURCE_DIR "/fixtures/elections/referendum-2021.json");
    return e.ok() ? *e : esep::Election();
  }();
  return election;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  esep::ControlRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  esep::scanner::Tally tally;
  tally.ballots_cast = 3;
  tally.votes[{"form-of-government", "presidential"}] = 2;
  tally.outcomes[{"form-of-government", "VALID"}] = 3;
  esep::scanner::ProtocolInputs in;
  in.election = &Referendum();
  in.precinct_id = "1002";
  in.live = &tally;
  in.lines = &request.lines();
  absl::StatusOr<esep::PrecinctProtocol> protocol = esep::scanner::BuildPrecinctProtocol(in);
  if (protocol.ok()) {
    const std::vector<esep::ProtocolCheck> checks = esep::CheckProtocol(*protocol, Referendum(), 3);
    (void)esep::DescribeBrokenRelations(checks);
  }
  return 0;
}
