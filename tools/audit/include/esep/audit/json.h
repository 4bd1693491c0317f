#ifndef ESEP_AUDIT_JSON_H_
#define ESEP_AUDIT_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"

namespace esep::audit {

// A JSON string literal, quotes included, with every control character escaped. The audit's
// JSON files are written by hand so their bytes are stable from one run to the next.
std::string JsonString(std::string_view text);

// Parses any JSON text (object, array, number...) for the few inputs an auditor writes by hand.
absl::StatusOr<google::protobuf::Value> ParseJson(std::string_view text);

// Reads a whole file as bytes.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);
// Writes bytes to a file, replacing it.
absl::Status WriteFileBytes(const std::string& path, std::string_view bytes);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_JSON_H_
