#ifndef ESEP_PROTO_DETERMINISTIC_H_
#define ESEP_PROTO_DETERMINISTIC_H_

#include <string>

#include "google/protobuf/message.h"

namespace esep {

// A message's deterministic serialization (map entries sorted): the one byte form that Esep
// hashes and signs, so the same message always gives the same hash on any machine.
std::string DeterministicBytes(const google::protobuf::Message& message);

}  // namespace esep

#endif  // ESEP_PROTO_DETERMINISTIC_H_
