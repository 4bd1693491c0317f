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

// No JSON the audit reads nests deeper than a handful of levels. The JSON parsers take time
// that grows with the square of the depth, so a deeper text is refused before it is parsed.
inline constexpr int kMaxJsonDepth = 64;

// Refuses a text whose arrays and objects nest deeper than `max_depth`, in one pass over it.
absl::Status CheckJsonDepth(std::string_view text, int max_depth = kMaxJsonDepth);

// Parses any JSON text (object, array, number...) for the bundle's own files and the few inputs
// an auditor writes by hand; refused when it nests deeper than kMaxJsonDepth.
absl::StatusOr<google::protobuf::Value> ParseJson(std::string_view text);

// Reads a whole file as bytes: a file the operator named. Files of a bundle are read with
// ReadFileInside (safe_path.h).
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);
// Writes bytes to a file through WriteFileInside (safe_path.h): a new file renamed over the
// old, so a link planted under the file's name is replaced, not written through.
absl::Status WriteFileBytes(const std::string& path, std::string_view bytes);

}  // namespace esep::audit

#endif  // ESEP_AUDIT_JSON_H_
